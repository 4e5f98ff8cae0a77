import { createPrivateKey, createPublicKey } from 'node:crypto'
import { base64url, decodeJwt, decodeProtectedHeader } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AssertionError,
  createCardAssertion,
  createJtiReplayCache,
  verifyCardAssertion,
  type AssertionErrorCode,
  type VerifyCardAssertionOptions,
} from '../../src-main/auth/assertion'
import type { CardSession } from '../../src-main/auth/card'
import {
  createVirtualCardProvider,
  generateTrainingPki,
  issueStaffCertificate,
  trainingTrustAnchors,
  x509,
  type X509,
  type CertificateAuthority,
  type TrainingPki,
  type VirtualCardRecord,
} from '../../src-main/training/pki'

const AUDIENCE = 'http://127.0.0.1:8090/auth/token'
import { doctor, secretary } from '../fixtures/training-staff'

let pki: TrainingPki
let otherCa: CertificateAuthority
let doctorCard: VirtualCardRecord

beforeAll(async () => {
  // Same CA names, different keys: a chain from it must fail on signatures, not on names.
  const [ours, other] = await Promise.all([generateTrainingPki([doctor, secretary]), generateTrainingPki([])])
  pki = ours
  otherCa = other.intermediate
  doctorCard = pki.cards.find((card) => card.key === doctor.key) as VirtualCardRecord
})

async function login(card: VirtualCardRecord, pinText = card.key === doctor.key ? '1234' : '5678'): Promise<CardSession> {
  const provider = createVirtualCardProvider({ pki: { ...pki, cards: [{ ...card }], dir: undefined }, allowed: true })
  return provider.login(card.slotId, new TextEncoder().encode(pinText))
}

/** The doctor's card key behind another certificate, to present chains the verifier must judge. */
async function doctorWith(leaf: X509.X509Certificate, issuer: CertificateAuthority = pki.intermediate): Promise<CardSession> {
  const chain = [new Uint8Array(leaf.rawData), new Uint8Array(issuer.certificate.rawData)]
  return login({ ...doctorCard, authentication: { ...doctorCard.authentication, chain } })
}

function doctorPublicKey(): Uint8Array {
  const spki = createPublicKey(createPrivateKey({ key: Buffer.from(doctorCard.authentication.privateKey), format: 'der', type: 'pkcs8' }))
  return new Uint8Array(spki.export({ format: 'der', type: 'spki' }))
}

function options(overrides: Partial<VerifyCardAssertionOptions> = {}): VerifyCardAssertionOptions {
  return { audience: AUDIENCE, trustAnchors: trainingTrustAnchors(pki), seenJti: createJtiReplayCache(), ...overrides }
}

async function refusal(promise: Promise<unknown>): Promise<AssertionErrorCode> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AssertionError)
  return (error as AssertionError).code
}

/** Signs arbitrary claims on the card, for assertions createCardAssertion would never build. */
async function signOnCard(session: CardSession, payload: Record<string, unknown>): Promise<string> {
  const x5c = (await session.certificateChain()).map((der) => Buffer.from(der).toString('base64'))
  const input = `${base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5c }))}.${base64url.encode(JSON.stringify(payload))}`
  return `${input}.${base64url.encode(await session.sign(new TextEncoder().encode(input), 'RS256'))}`
}

describe('card assertion', () => {
  it('is an RFC 7523 JWT with x5c, signed on the card', async () => {
    const before = Math.floor(Date.now() / 1000)
    const jws = await createCardAssertion({ session: await login(doctorCard), audience: AUDIENCE })
    const header = decodeProtectedHeader(jws)
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' })
    expect(header.x5c).toEqual(doctorCard.authentication.chain.map((der) => Buffer.from(der).toString('base64')))
    const claims = decodeJwt(jws)
    expect(claims).toMatchObject({ iss: '810001234567', sub: '810001234567', aud: AUDIENCE })
    expect(claims.exp).toBe((claims.iat as number) + 60)
    expect(claims.iat).toBeGreaterThanOrEqual(before)
    expect(claims.nbf).toBe(claims.iat)
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('verifies against the training root and reads the CPS holder from the certificate', async () => {
    for (const algorithm of ['RS256', 'PS256'] as const) {
      const jws = await createCardAssertion({ session: await login(doctorCard), audience: AUDIENCE, algorithm })
      const verified = await verifyCardAssertion(jws, options())
      expect(verified.idNat).toBe('810001234567')
      expect(verified.kind).toBe('CPS')
      expect(verified).toMatchObject({
        surname: 'DURAND',
        givenName: 'Hélène',
        profession: 'Médecin',
        organization: null,
        upn: '810001234567@formation.chevet.test',
      })
      expect(verified.expiresAt.getTime()).toBe((decodeJwt(jws).exp as number) * 1000)
    }
  })

  it('reads a CPE holder with the establishment', async () => {
    const secretaryCard = pki.cards.find((card) => card.key === secretary.key) as VirtualCardRecord
    const jws = await createCardAssertion({ session: await login(secretaryCard), audience: AUDIENCE })
    const verified = await verifyCardAssertion(jws, options())
    expect(verified).toMatchObject({ idNat: '3750000001/SEC01', kind: 'CPE' })
    expect(verified.organization).toBe('Centre hospitalier de formation Chevet')
    expect(verified.profession).toBe('Secrétaire médicale')
  })

  it('accepts the root sent along in x5c, and a chain checked at a given date', async () => {
    const session = await login(doctorCard)
    const chain = [...(await session.certificateChain()), new Uint8Array(pki.root.certificate.rawData)]
    const withRoot: CardSession = { ...session, certificateChain: async () => chain }
    const jws = await createCardAssertion({ session: withRoot, audience: AUDIENCE, now: new Date('2030-06-01T00:00:00Z') })
    const verified = await verifyCardAssertion(jws, options({ now: new Date('2030-06-01T00:00:10Z') }))
    expect(verified.idNat).toBe('810001234567')
  })

  it('refuses a chain from another CA, even one with the same names', async () => {
    const leaf = await issueStaffCertificate(otherCa, doctor, doctorPublicKey(), { usage: 'authentication' })
    const jws = await createCardAssertion({ session: await doctorWith(leaf, otherCa), audience: AUDIENCE })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('CERT_UNTRUSTED')
    // The same assertion is fine for a verifier that trusts that CA: the refusal was about trust only.
    const trusting = options({ trustAnchors: [otherCa.certificate] })
    await expect(verifyCardAssertion(jws, trusting)).resolves.toMatchObject({ idNat: doctor.idNat })
  })

  it('refuses a chain whose intermediate is missing', async () => {
    const session = await login(doctorCard)
    const [leaf] = await session.certificateChain()
    const alone: CardSession = { ...session, certificateChain: async () => [leaf as Uint8Array] }
    const jws = await createCardAssertion({ session: alone, audience: AUDIENCE })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('CERT_UNTRUSTED')
  })

  it('refuses an expired or a not-yet-valid card certificate', async () => {
    const expired = await issueStaffCertificate(pki.intermediate, doctor, doctorPublicKey(), {
      usage: 'authentication',
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
    })
    let jws = await createCardAssertion({ session: await doctorWith(expired), audience: AUDIENCE })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('CERT_EXPIRED')

    const future = await issueStaffCertificate(pki.intermediate, doctor, doctorPublicKey(), {
      usage: 'authentication',
      notBefore: new Date('2039-01-01T00:00:00Z'),
      notAfter: new Date('2039-12-31T00:00:00Z'),
    })
    jws = await createCardAssertion({ session: await doctorWith(future), audience: AUDIENCE })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('CERT_NOT_YET_VALID')
  })

  it('refuses a certificate that is not for authentication', async () => {
    const noDigitalSignature = await issueStaffCertificate(pki.intermediate, doctor, doctorPublicKey(), {
      usage: 'authentication',
      keyUsages: x509.KeyUsageFlags.keyEncipherment,
    })
    let jws = await createCardAssertion({ session: await doctorWith(noDigitalSignature), audience: AUDIENCE })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('CERT_WRONG_USAGE')

    // The card's own signature (non-repudiation) certificate and key: a valid chain, the wrong purpose.
    const signatureCard = { ...doctorCard, authentication: doctorCard.signature }
    jws = await createCardAssertion({ session: await login(signatureCard), audience: AUDIENCE })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('CERT_WRONG_USAGE')
  })

  it('refuses a tampered signature or payload', async () => {
    const jws = await createCardAssertion({ session: await login(doctorCard), audience: AUDIENCE })
    const [header, payload, signature] = jws.split('.') as [string, string, string]
    const bytes = base64url.decode(signature)
    bytes[10] = (bytes[10] as number) ^ 0xff
    expect(await refusal(verifyCardAssertion(`${header}.${payload}.${base64url.encode(bytes)}`, options()))).toBe(
      'ASSERTION_BAD_SIGNATURE',
    )
    const claims = { ...decodeJwt(jws), sub: '810009999999', iss: '810009999999' }
    const forged = `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`
    expect(await refusal(verifyCardAssertion(forged, options()))).toBe('ASSERTION_BAD_SIGNATURE')
  })

  it('refuses another audience, an expired assertion, or one that lives too long', async () => {
    const session = await login(doctorCard)
    const other = await createCardAssertion({ session, audience: 'https://central.example/auth/token' })
    expect(await refusal(verifyCardAssertion(other, options()))).toBe('ASSERTION_WRONG_AUDIENCE')

    const old = await createCardAssertion({ session, audience: AUDIENCE, now: new Date(Date.now() - 5 * 60_000) })
    expect(await refusal(verifyCardAssertion(old, options()))).toBe('ASSERTION_EXPIRED')

    const future = await createCardAssertion({ session, audience: AUDIENCE, now: new Date(Date.now() + 5 * 60_000) })
    expect(await refusal(verifyCardAssertion(future, options()))).toBe('ASSERTION_NOT_YET_VALID')

    const long = await createCardAssertion({ session, audience: AUDIENCE, lifetimeSeconds: 3600 })
    expect(await refusal(verifyCardAssertion(long, options()))).toBe('ASSERTION_LIFETIME_TOO_LONG')
  })

  it('refuses a replayed jti, but not a fresh assertion from the same card', async () => {
    const session = await login(doctorCard)
    const seenJti = createJtiReplayCache()
    const jws = await createCardAssertion({ session, audience: AUDIENCE })
    await verifyCardAssertion(jws, options({ seenJti }))
    expect(await refusal(verifyCardAssertion(jws, options({ seenJti })))).toBe('REPLAYED')
    const next = await createCardAssertion({ session, audience: AUDIENCE })
    await expect(verifyCardAssertion(next, options({ seenJti }))).resolves.toMatchObject({ idNat: doctor.idNat })
  })

  it('does not burn a jti on an assertion it refuses', async () => {
    const session = await login(doctorCard)
    const seen: string[] = []
    const seenJti = (jti: string) => (seen.includes(jti) ? true : (seen.push(jti), false))
    const jws = await createCardAssertion({ session, audience: 'https://elsewhere.example/token' })
    await refusal(verifyCardAssertion(jws, options({ seenJti })))
    expect(seen).toEqual([])
  })

  it('refuses an iss or sub that is not the national id in the certificate', async () => {
    const session = await login(doctorCard)
    const now = Math.floor(Date.now() / 1000)
    const claims = { aud: AUDIENCE, iat: now, exp: now + 60, jti: 'j-1' }
    let jws = await signOnCard(session, { ...claims, iss: '810009999999', sub: '810009999999' })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('ASSERTION_SUBJECT_MISMATCH')
    jws = await signOnCard(session, { ...claims, iss: doctor.idNat, sub: '810009999999' })
    expect(await refusal(verifyCardAssertion(jws, options()))).toBe('ASSERTION_SUBJECT_MISMATCH')
    jws = await signOnCard(session, { ...claims, iss: doctor.idNat, sub: doctor.idNat })
    await expect(verifyCardAssertion(jws, options())).resolves.toMatchObject({ jti: 'j-1' })
  })

  it('refuses malformed input and algorithms it does not accept', async () => {
    expect(await refusal(verifyCardAssertion('not.a.jws', options()))).toBe('ASSERTION_INVALID')
    expect(await refusal(verifyCardAssertion('abc', options()))).toBe('ASSERTION_INVALID')
    const jws = await createCardAssertion({ session: await login(doctorCard), audience: AUDIENCE })
    const [, payload, signature] = jws.split('.') as [string, string, string]
    const none = base64url.encode(JSON.stringify({ ...decodeProtectedHeader(jws), alg: 'none' }))
    expect(await refusal(verifyCardAssertion(`${none}.${payload}.${signature}`, options()))).toBe('ASSERTION_INVALID')
    const hs = base64url.encode(JSON.stringify({ ...decodeProtectedHeader(jws), alg: 'HS256' }))
    expect(await refusal(verifyCardAssertion(`${hs}.${payload}.${signature}`, options()))).toBe('ASSERTION_INVALID')
    const noChain = base64url.encode(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
    expect(await refusal(verifyCardAssertion(`${noChain}.${payload}.${signature}`, options()))).toBe('ASSERTION_INVALID')
  })
})
