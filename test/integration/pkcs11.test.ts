import { constants, createPublicKey, verify } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCardAssertion, createJtiReplayCache, verifyCardAssertion } from '../../src-main/auth/assertion'
import { CardError, type CardSession } from '../../src-main/auth/card'
import { createPkcs11CardProvider, type Pkcs11CardProvider } from '../../src-main/auth/pkcs11'
import { loadTrustAnchors } from '../../src-main/auth/trust-anchors'
import { x509, type X509 } from '../../src-main/auth/x509'
import { SessionService } from '../../src-main/auth/session'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { HOLDERS, createTestCa, type TestCa } from '../fixtures/cps-pki'
import { SOFTHSM_MODULE, cardObjects, createSoftHsm, softHsmAvailable, type SoftHsm, type TokenObject } from '../fixtures/softhsm'

/**
 * The PKCS#11 provider on SoftHSM2 tokens shaped like CPS/CPE cards, through the real pkcs11js. One SoftHSM2
 * config for the whole file (SOFTHSM2_CONF is read once per process, at C_Initialize).
 */

const unavailable = softHsmAvailable()
if (unavailable) console.warn(`pkcs11 integration tests skipped: ${unavailable}`)

const AUDIENCE = 'https://dpi.chu-essai.test/auth/token'
const PIN = { medecin: '1234', pharmacien: '5678', cpe: '4321', expired: '1111', stranger: '2222', removed: '3333' }
const LABEL = {
  medecin: 'CPS MEDECIN',
  pharmacien: 'CPS PHARMACIEN',
  cpe: 'CPE ACCUEIL',
  expired: 'CPS EXPIREE',
  stranger: 'CPS INCONNUE',
  removed: 'CPS RETIREE',
}

let hsm: SoftHsm
let ca: TestCa
let provider: Pkcs11CardProvider
const log = createMemoryLogger()
const tokens = new Map<string, TokenObject[]>()

function pin(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

async function slotOf(label: string): Promise<string> {
  const card = (await provider.list()).find((summary) => summary.label === label)
  if (!card) throw new Error(`no card labelled ${label}`)
  return card.slotId
}

async function refusal(promise: Promise<unknown>): Promise<CardError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  )
  if (!(error instanceof CardError)) throw new Error(`expected a CardError, got ${String(error)}`)
  return error
}

function certificateOnToken(label: string, objectLabel: string): X509.X509Certificate {
  const object = tokens.get(label)?.find((entry) => entry.type === 'cert' && entry.label === objectLabel)
  if (!object) throw new Error(`no ${objectLabel} on ${label}`)
  return new x509.X509Certificate(object.data)
}

function verifies(certificate: Uint8Array, data: Uint8Array, signature: Uint8Array, pss: boolean): boolean {
  const key = createPublicKey(new x509.X509Certificate(certificate).toString('pem'))
  return verify(
    'sha256',
    data,
    pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : { key, padding: constants.RSA_PKCS1_PADDING },
    signature,
  )
}

async function assertionVerified(session: CardSession, algorithm: 'RS256' | 'PS256') {
  const jws = await createCardAssertion({ session, audience: AUDIENCE, algorithm })
  return verifyCardAssertion(jws, { audience: AUDIENCE, trustAnchors: [ca.root.certificate], seenJti: createJtiReplayCache() })
}

describe.skipIf(unavailable !== null)('CPS/CPE cards over PKCS#11 (SoftHSM2)', () => {
  beforeAll(async () => {
    hsm = createSoftHsm()
    const other = await createTestCa()
    ca = await createTestCa()
    const specs: [keyof typeof LABEL, Promise<TokenObject[]>][] = [
      // Carries its issuing CA, like a CPS can; authentication 02 and signature 01, as on a CPS3.
      ['medecin', cardObjects({ holder: HOLDERS.medecin, ca: ca.intermediate, caCertificates: [ca.intermediate] })],
      // No CA on the card (the intermediate comes from the trust folder), CPS4 id 0x20, no signature pair.
      ['pharmacien', cardObjects({ holder: HOLDERS.pharmacien, ca: ca.intermediate, authentication: { id: '20' }, signature: false })],
      // A label Cryptolib would not use: the certificate is found by its key usage.
      [
        'cpe',
        cardObjects({ holder: HOLDERS.cpe, ca: ca.intermediate, caCertificates: [ca.intermediate], authentication: { label: 'Authentification' } }),
      ],
      [
        'expired',
        cardObjects({
          holder: HOLDERS.medecin,
          ca: ca.intermediate,
          caCertificates: [ca.intermediate],
          authentication: { notBefore: new Date('2024-02-01T00:00:00Z'), notAfter: new Date('2025-06-01T00:00:00Z') },
        }),
      ],
      // Same CA names, other keys: what a forged "IGC-Santé" card looks like.
      ['stranger', cardObjects({ holder: HOLDERS.medecin, ca: other.intermediate, caCertificates: [other.intermediate] })],
      ['removed', cardObjects({ holder: HOLDERS.pharmacien, ca: ca.intermediate, caCertificates: [ca.intermediate] })],
    ]
    for (const [key, objects] of specs) {
      const resolved = await objects
      tokens.set(LABEL[key], resolved)
      hsm.createToken({ label: LABEL[key], pin: PIN[key], objects: resolved })
    }
    const trust = path.join(hsm.dir, 'trust')
    mkdirSync(trust)
    writeFileSync(path.join(trust, 'racine.pem'), ca.root.certificate.toString('pem'))
    writeFileSync(path.join(trust, 'intermediaire.pem'), ca.intermediate.certificate.toString('pem'))

    process.env.SOFTHSM2_CONF = hsm.conf
    provider = createPkcs11CardProvider({
      // The Cryptolib path first, as in production: absent here, so the next candidate is used.
      modules: ['/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so', SOFTHSM_MODULE],
      trustAnchors: async () => (await loadTrustAnchors([trust])).anchors,
      log,
    })
  }, 120_000)

  afterAll(async () => {
    await provider?.dispose()
    hsm?.cleanup()
    delete process.env.SOFTHSM2_CONF
  })

  it('lists the initialised cards with their holder read without PIN, and skips the spare uninitialised slot', async () => {
    const cards = await provider.list()
    expect(provider.status()).toMatchObject({ module: SOFTHSM_MODULE, reason: null })
    expect(cards.map((card) => card.label).sort()).toEqual(Object.values(LABEL).sort())
    const medecin = cards.find((card) => card.label === LABEL.medecin)
    expect(medecin).toMatchObject({ kind: 'pkcs11', holder: 'JEANNE LEFEBVRE-ESSAI', pinState: 'ok' })
    expect(medecin?.slotId).toMatch(/^pkcs11:\d+$/)
    expect(cards.find((card) => card.label === LABEL.cpe)?.holder).toBe('CLAIRE ROUSSEL-ESSAI')
    const slots = await provider.slots()
    expect(slots.filter((slot) => slot.token && !slot.token.initialized)).toHaveLength(1)
  })

  it('signs in with the PIN, zeroes the PIN buffer, and signs with the authentication key (RS256 and PS256)', async () => {
    const buffer = pin(PIN.medecin)
    const session = await provider.login(await slotOf(LABEL.medecin), buffer)
    try {
      expect([...buffer].every((byte) => byte === 0)).toBe(true)
      expect(await session.present()).toBe(true)
      const chain = await session.certificateChain()
      expect(chain).toHaveLength(2)
      expect(Buffer.from(chain[0] as Uint8Array)).toEqual(
        Buffer.from(certificateOnToken(LABEL.medecin, "Certificat d'Authentification CPS").rawData),
      )
      expect(Buffer.from(chain[1] as Uint8Array)).toEqual(Buffer.from(ca.intermediate.certificate.rawData))
      const data = new TextEncoder().encode('données à signer')
      expect(verifies(chain[0] as Uint8Array, data, await session.sign(data, 'RS256'), false)).toBe(true)
      expect(verifies(chain[0] as Uint8Array, data, await session.sign(data, 'PS256'), true)).toBe(true)
      expect(verifies(chain[0] as Uint8Array, data, await session.sign(data, 'RS256'), true)).toBe(false)
    } finally {
      await session.close()
    }
  })

  it.each(['RS256', 'PS256'] as const)('gives an RFC 7523 assertion signed on the card (%s) that the central verifies', async (algorithm) => {
    const session = await provider.login(await slotOf(LABEL.medecin), pin(PIN.medecin))
    try {
      const verified = await assertionVerified(session, algorithm)
      expect(verified).toMatchObject({ idNat: HOLDERS.medecin.idNat, kind: 'CPS', profession: 'Médecin', surname: 'LEFEBVRE-ESSAI' })
    } finally {
      await session.close()
    }
  })

  it('signs documents with the separate non-repudiation key and gives its certificate chain', async () => {
    const session = await provider.login(await slotOf(LABEL.medecin), pin(PIN.medecin))
    try {
      const chain = await session.signatureCertificateChain?.()
      const leaf = new x509.X509Certificate(chain?.[0] as Uint8Array)
      expect(leaf.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.nonRepudiation)
      const data = new TextEncoder().encode('lettre de liaison')
      const signature = await session.signWithSignatureKey?.(data, 'RS256')
      expect(verifies(chain?.[0] as Uint8Array, data, signature as Uint8Array, false)).toBe(true)
      const authentication = (await session.certificateChain())[0] as Uint8Array
      expect(verifies(authentication, data, signature as Uint8Array, false)).toBe(false)
    } finally {
      await session.close()
    }
  })

  it('completes the chain from the trust folder when the card carries no CA, and says when there is no signature key', async () => {
    const session = await provider.login(await slotOf(LABEL.pharmacien), pin(PIN.pharmacien))
    try {
      const chain = await session.certificateChain()
      expect(chain.map((der) => new x509.X509Certificate(der).subject)).toEqual([
        certificateOnToken(LABEL.pharmacien, "Certificat d'Authentification CPS").subject,
        ca.intermediate.certificate.subject,
      ])
      expect(await assertionVerified(session, 'RS256')).toMatchObject({ idNat: HOLDERS.pharmacien.idNat, profession: 'Pharmacien' })
      const missing = await refusal(session.signatureCertificateChain?.() ?? Promise.resolve())
      expect(missing.code).toBe('CARD_REFUSED')
    } finally {
      await session.close()
    }
  })

  it('finds a CPE authentication certificate by its key usage and names the establishment', async () => {
    const session = await provider.login(await slotOf(LABEL.cpe), pin(PIN.cpe))
    try {
      expect(await assertionVerified(session, 'PS256')).toMatchObject({
        idNat: HOLDERS.cpe.idNat,
        kind: 'CPE',
        organization: HOLDERS.cpe.organization,
        profession: 'Secrétaire médicale',
      })
    } finally {
      await session.close()
    }
  })

  it('refuses a wrong PIN with the tries left, shows it in the card state, and a good PIN clears it', async () => {
    const slotId = await slotOf(LABEL.medecin)
    const buffer = pin('0000')
    const error = await refusal(provider.login(slotId, buffer))
    expect([...buffer].every((byte) => byte === 0)).toBe(true)
    expect(error.code).toBe('PIN_INCORRECT')
    // SoftHSM2 sets CKF_USER_PIN_COUNT_LOW: one failure, so at most PIN_TRIES - 1 tries left.
    expect(error.triesLeft).toBe(2)
    expect(error.message).toBe('Code porteur incorrect — il reste 2 essais')
    expect((await provider.list()).find((card) => card.slotId === slotId)?.pinState).toBe('countLow')
    expect((await provider.slots()).find((slot) => slot.slotId === slotId)?.token).toMatchObject({ pinState: 'countLow', triesLeft: 2 })

    const session = await provider.login(slotId, pin(PIN.medecin))
    await session.close()
    expect((await provider.list()).find((card) => card.slotId === slotId)?.pinState).toBe('ok')
  })

  it('checks the PIN again when the card is already signed in, and keeps the other session until the last one closes', async () => {
    const slotId = await slotOf(LABEL.cpe)
    const data = new TextEncoder().encode('relève de garde')
    const first = await provider.login(slotId, pin(PIN.cpe))
    const second = await provider.login(slotId, pin(PIN.cpe))
    await first.close()
    // Closing one session must not log the card out under the other.
    expect((await second.sign(data, 'RS256')).length).toBe(256)
    const wrong = await refusal(provider.login(slotId, pin('0000')))
    expect(wrong.code).toBe('PIN_INCORRECT')
    // A wrong PIN logged the token out (PKCS#11 logins are per token): the earlier session has to sign in again.
    expect((await refusal(second.sign(data, 'RS256'))).code).toBe('CARD_ABSENT')
    await second.close()
    const again = await provider.login(slotId, pin(PIN.cpe))
    expect((await again.sign(data, 'PS256')).length).toBe(256)
    await again.close()
  })

  it('refuses an expired card before its PIN is tried, with the reason in French', async () => {
    const slotId = await slotOf(LABEL.expired)
    const error = await refusal(provider.login(slotId, pin('9999')))
    expect(error.code).toBe('CARD_REFUSED')
    expect(error.message).toBe('Carte refusée : le certificat a expiré le 01/06/2025.')
    // The wrong PIN never reached the card: its counter did not move.
    expect((await provider.list()).find((card) => card.slotId === slotId)?.pinState).toBe('ok')
    expect(log.lines).toContainEqual(expect.objectContaining({ event: 'pkcs11.card.refused', fields: { code: 'EXPIRED' } }))
  })

  it('refuses a card from a CA this workstation does not trust, even with the right PIN', async () => {
    const error = await refusal(provider.login(await slotOf(LABEL.stranger), pin(PIN.stranger)))
    expect(error.code).toBe('CARD_REFUSED')
    expect(error.message).toMatch(/^Carte refusée : le certificat n’est pas émis par une autorité de confiance reconnue par ce poste/)
  })

  it('answers CARD_ABSENT for a slot that holds no card', async () => {
    expect((await refusal(provider.login('pkcs11:424242', pin('1234')))).code).toBe('CARD_ABSENT')
  })

  it('locks the workstation session within 2 s of the card leaving: present() false, out of the list, CARD_ABSENT', async () => {
    const slotId = await slotOf(LABEL.removed)
    const session = await provider.login(slotId, pin(PIN.removed))
    expect(await session.present()).toBe(true)
    // The workstation's session on the same card, watching it as it does in production.
    const events = new EventBus()
    const workstation = new SessionService({
      providers: () => [provider],
      loginAtCentral: async (card) => {
        await card.sign(new Uint8Array([1, 2, 3]), 'RS256')
        const user = { idNat: '899700000001', practitionerId: 'pra-1', displayName: 'Jeanne GARNIER', role: 'medecin' as const, units: [] }
        return { user, token: async () => 'token', close: () => undefined }
      },
      startWorkspace: async () => ({ close: async () => undefined }),
      events,
      log,
      inactivityMs: 600_000,
    })
    try {
      expect(await workstation.signIn(slotId, PIN.removed)).toMatchObject({ state: 'active', slotId })
      hsm.deleteToken(LABEL.removed)
      const removedAt = Date.now()
      while (workstation.state !== 'locked' && Date.now() - removedAt < 2_000) await new Promise((resolve) => setTimeout(resolve, 50))
      expect(workstation.status()).toMatchObject({ state: 'locked', lockReason: 'card-removed' })
      expect(Date.now() - removedAt).toBeLessThan(2_000)
    } finally {
      await workstation.close()
    }
    expect(await session.present()).toBe(false)
    expect((await provider.list()).map((card) => card.slotId)).not.toContain(slotId)
    expect((await refusal(session.sign(new Uint8Array([1, 2, 3]), 'RS256'))).code).toBe('CARD_ABSENT')
    expect((await refusal(session.certificateChain())).code).toBe('CARD_ABSENT')
    await session.close()
    // The other cards are still there.
    expect((await provider.list()).length).toBe(Object.keys(LABEL).length - 1)
  })

  it('never writes a PIN or a holder name in its log', () => {
    const text = JSON.stringify(log.lines)
    for (const secret of [...Object.values(PIN), 'LEFEBVRE', 'JEANNE', 'GARNIER']) expect(text).not.toContain(secret)
  })
})
