import type { AuditEvent, Bundle, CapabilityStatement, Encounter, Patient } from '@medplum/fhirtypes'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCardAssertion } from '../../src-main/auth/assertion'
import { CardError, type CardProvider, type CardSession } from '../../src-main/auth/card'
import { createMemoryLogger } from '../../src-main/log'
import { startTrainingCentral, trainingStaffOf, type TrainingCentral } from '../../src-main/training/central'
import {
  createVirtualCardProvider,
  generateTrainingPki,
  issueVirtualCard,
  type TrainingStaff,
} from '../../src-main/training/pki'
import { rppsWithKey, idNatFromRpps } from '../../src-main/training/hospital'

// The training central over real HTTP on 127.0.0.1: a small hospital (20 past patients, a 200-observation heavy
// chart) so the file stays fast; the CLI test runs the full default one.

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const HOSPITAL = { pastPatients: 20, heavyObservations: 200 }
const LIFETIME = 120

let dir: string
let central: TrainingCentral
/** Added to the real clock: the expiry test moves the central's time forward without waiting. */
let clockOffsetMs = 0
const clock = () => new Date(Date.now() + clockOffsetMs)
const log = createMemoryLogger()

interface TokenAnswer {
  status: number
  body: Record<string, unknown>
  headers: Headers
}

async function postToken(url: string, form: Record<string, string>, contentType = 'application/x-www-form-urlencoded'): Promise<TokenAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(15_000),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers }
}

async function openCard(cards: CardProvider, key: string, pin: string): Promise<CardSession> {
  return cards.login(`virtual:${key}`, new TextEncoder().encode(pin))
}

function pinOf(key: string): string {
  const member = central.hospital.staff.find((s) => s.key === key)
  if (!member) throw new Error(`no staff ${key}`)
  return member.pin
}

/** What a workstation does at sign-in: PIN to the card, assertion signed on it, token from the central. */
async function signIn(key: string, target: TrainingCentral = central): Promise<{ token: string; answer: TokenAnswer }> {
  const session = await openCard(target.cards, key, pinOf(key))
  try {
    const assertion = await createCardAssertion({ session, audience: target.tokenUrl, now: clock() })
    const answer = await postToken(target.tokenUrl, { grant_type: JWT_BEARER, assertion })
    expect(answer.status, JSON.stringify(answer.body)).toBe(200)
    return { token: answer.body.access_token as string, answer }
  } finally {
    await session.close()
  }
}

async function fhirGet<T>(url: string, token: string | null): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(15_000),
  })
  return { status: response.status, body: (await response.json()) as T, headers: response.headers }
}

function stayIn(unitId: string): { patientId: string } {
  const stay = central.hospital.currentStays.find((s) => s.unitId === unitId)
  if (!stay) throw new Error(`no current stay in ${unitId}`)
  return stay
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-central-'))
  central = await startTrainingCentral({ dir, hospital: HOSPITAL, tokenLifetimeSeconds: LIFETIME, now: clock, log })
  console.info('training central (small hospital) started in', central.timings)
})

afterAll(async () => {
  await central?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('training central', () => {
  it('serves its CapabilityStatement and says where it is', async () => {
    expect(central.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(central.fhirUrl).toBe(`${central.baseUrl}/fhir`)
    expect(central.tokenUrl).toBe(`${central.baseUrl}/auth/token`)
    const metadata = await fhirGet<CapabilityStatement>(`${central.fhirUrl}/metadata`, null)
    expect(metadata.status).toBe(200)
    expect(metadata.body.resourceType).toBe('CapabilityStatement')

    const written = JSON.parse(readFileSync(path.join(dir, 'central.json'), 'utf8')) as Record<string, string>
    expect(written).toEqual({ baseUrl: central.baseUrl, fhirUrl: central.fhirUrl, tokenUrl: central.tokenUrl })
    expect(statSync(path.join(dir, 'central.json')).mode & 0o077).toBe(0)
    expect(readFileSync(path.join(dir, 'ca.pem'), 'utf8').trim()).toBe(central.trustAnchorsPem.trim())
  })

  it('logs a nurse in with her virtual card and lets her read her unit’s census', async () => {
    const { token, answer } = await signIn('infirmier')
    expect(answer.headers.get('cache-control')).toBe('no-store')
    expect(answer.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: LIFETIME,
      scope: 'user/*.*',
      practitioner: {
        id: 'pra-infirmier',
        displayName: 'Anaïs PERRIN',
        role: 'infirmier',
        units: [{ id: 'loc-cardio', name: 'Cardiologie' }],
      },
    })
    expect((answer.body.practitioner as { idNat: string }).idNat).toMatch(/^8\d{11}$/)

    const expected = central.hospital.currentStays.filter((s) => s.unitId === 'loc-cardio').map((s) => s.encounterId)
    const census = await fhirGet<Bundle<Encounter>>(
      `${central.fhirUrl}/Encounter?status=in-progress&location=Location/loc-cardio&_count=200`,
      token,
    )
    expect(census.status).toBe(200)
    expect(census.body.total).toBe(expected.length)
    expect((census.body.entry ?? []).map((e) => e.resource?.id).sort()).toEqual([...expected].sort())

    const mine = await fhirGet<Patient>(`${central.fhirUrl}/Patient/${stayIn('loc-cardio').patientId}`, token)
    expect(mine.status).toBe(200)
    expect(mine.body.resourceType).toBe('Patient')
  })

  it('refuses a nurse the chart of a patient of another unit (403)', async () => {
    const { token } = await signIn('infirmier')
    const other = await fhirGet<Patient>(`${central.fhirUrl}/Patient/${stayIn('loc-pedia').patientId}`, token)
    expect(other.status).toBe(403)
    const search = await fhirGet<Bundle>(`${central.fhirUrl}/Encounter?status=in-progress&location=Location/loc-pedia`, token)
    expect(search.status).toBe(200)
    expect(search.body.total).toBe(0)
  })

  it('answers 401 without a token, with a forged one, and once the token has expired', async () => {
    const url = `${central.fhirUrl}/Patient/${stayIn('loc-cardio').patientId}`
    const none = await fhirGet<{ issue: { details: { text: string } }[] }>(url, null)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect((await fhirGet(url, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')).status).toBe(401)

    const { token } = await signIn('infirmier')
    const [header, payload] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
    expect(claims).toMatchObject({ iss: central.baseUrl, sub: 'pra-infirmier', role: 'infirmier', units: ['loc-cardio'] })
    expect((claims.exp as number) - (claims.iat as number)).toBe(LIFETIME)
    // The same claims with an elevated role but the old signature: the signature no longer matches.
    const tampered = Buffer.from(JSON.stringify({ ...claims, role: 'dpo' })).toString('base64url')
    expect((await fhirGet(url, `${header}.${tampered}.${token.split('.')[2]}`)).status).toBe(401)

    expect((await fhirGet(url, token)).status).toBe(200)
    try {
      // Past exp by more than the 5 s tolerance.
      clockOffsetMs = (LIFETIME + 6) * 1000
      const expired = await fhirGet<{ issue: { details: { text: string } }[] }>(url, token)
      expect(expired.status).toBe(401)
      expect(expired.body.issue[0]?.details.text).toMatch(/expired/i)
    } finally {
      clockOffsetMs = 0
    }
    expect((await fhirGet(url, token)).status).toBe(200)
  })

  it('refuses an assertion from a card of another CA, a replayed one and an expired one (invalid_grant)', async () => {
    const nurse = trainingStaffOf(central.hospital).find((s) => s.key === 'infirmier') as TrainingStaff
    // Same person, same idNat, but a certificate from a CA the central does not trust.
    const foreign = createVirtualCardProvider({ pki: await generateTrainingPki([nurse]), allowed: true })
    const foreignSession = await openCard(foreign, 'infirmier', nurse.pin)
    const foreignAssertion = await createCardAssertion({ session: foreignSession, audience: central.tokenUrl })
    const untrusted = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion: foreignAssertion })
    expect(untrusted.status).toBe(400)
    expect(untrusted.body).toEqual({
      error: 'invalid_grant',
      error_description: 'The card certificate is not issued by a trusted authority',
    })

    const session = await openCard(central.cards, 'infirmier', nurse.pin)
    const assertion = await createCardAssertion({ session, audience: central.tokenUrl })
    expect((await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion })).status).toBe(200)
    const replayed = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion })
    expect(replayed.status).toBe(400)
    expect(replayed.body).toEqual({ error: 'invalid_grant', error_description: 'The assertion was already used' })

    const old = await createCardAssertion({ session, audience: central.tokenUrl, now: new Date(Date.now() - 10 * 60_000) })
    const expired = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion: old })
    expect(expired.body).toMatchObject({ error: 'invalid_grant', error_description: 'The assertion has expired' })

    const elsewhere = await createCardAssertion({ session, audience: 'http://127.0.0.1:1/auth/token' })
    const wrongAudience = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion: elsewhere })
    expect(wrongAudience.body).toMatchObject({ error: 'invalid_grant' })
    await session.close()

    // No personal data in what the central says about a refusal.
    for (const answer of [untrusted, replayed, expired, wrongAudience]) {
      const text = JSON.stringify(answer.body)
      expect(text).not.toContain(nurse.idNat)
      expect(text).not.toContain('PERRIN')
    }
  })

  it('refuses a trusted card whose holder is not a practitioner of this central (invalid_grant)', async () => {
    const stranger: TrainingStaff = {
      key: 'inconnu',
      idNat: idNatFromRpps(rppsWithKey('1980000001')),
      givenName: 'Élie',
      familyName: 'INCONNU',
      profession: 'Médecin',
      kind: 'CPS',
      pin: '4321',
    }
    const card = await issueVirtualCard(central.pki.intermediate, stranger)
    // No `dir`: this card is not written into the central's folder.
    const cards = createVirtualCardProvider({
      pki: { root: central.pki.root, intermediate: central.pki.intermediate, cards: [card] },
      allowed: true,
    })
    const session = await openCard(cards, 'inconnu', '4321')
    const assertion = await createCardAssertion({ session, audience: central.tokenUrl })
    const answer = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toBe('invalid_grant')
    expect(JSON.stringify(answer.body)).not.toContain(stranger.idNat)
  })

  it('answers malformed token requests per RFC 6749', async () => {
    const get = await fetch(central.tokenUrl, { signal: AbortSignal.timeout(15_000) })
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')

    const exchange = await postToken(central.tokenUrl, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'x',
    })
    expect(exchange.status).toBe(400)
    expect(exchange.body.error).toBe('unsupported_grant_type')
    expect((await postToken(central.tokenUrl, { grant_type: 'password', username: 'a', password: 'b' })).body.error).toBe(
      'unsupported_grant_type',
    )
    expect((await postToken(central.tokenUrl, { assertion: 'x' })).body.error).toBe('invalid_request')
    expect((await postToken(central.tokenUrl, { grant_type: JWT_BEARER })).body.error).toBe('invalid_request')
    const json = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion: 'a.b.c' }, 'application/json')
    expect(json).toMatchObject({ status: 400, body: { error: 'invalid_request' } })
    const garbage = await postToken(central.tokenUrl, { grant_type: JWT_BEARER, assertion: 'a.b.c' })
    expect(garbage).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('never sends anything to the token endpoint when the PIN is wrong', async () => {
    const before = log.lines.filter((line) => line.event.startsWith('training.token.')).length
    const attempt = openCard(central.cards, 'medecin', '0000')
    await expect(attempt).rejects.toBeInstanceOf(CardError)
    await expect(attempt).rejects.toMatchObject({ code: 'PIN_INCORRECT', triesLeft: 2 })
    expect(log.lines.filter((line) => line.event.startsWith('training.token.')).length).toBe(before)
    // The right PIN restores the counter (the card file in `dir` too) and the doctor signs in.
    await signIn('medecin')
    expect((await central.cards.list()).find((c) => c.slotId === 'virtual:medecin')?.pinState).toBe('ok')
  })

  it('records every FHIR read as an AuditEvent the DPO can read, and nobody else', async () => {
    const { token: nurse } = await signIn('infirmier')
    const patientId = stayIn('loc-cardio').patientId
    expect((await fhirGet(`${central.fhirUrl}/Patient/${patientId}`, nurse)).status).toBe(200)
    expect((await fhirGet(`${central.fhirUrl}/Observation?patient=Patient/${patientId}&_count=5`, nurse)).status).toBe(200)

    expect((await fhirGet(`${central.fhirUrl}/AuditEvent`, nurse)).status).toBe(403)
    const { token: dpo, answer } = await signIn('dpo')
    expect(answer.body.practitioner).toMatchObject({ role: 'dpo', units: [] })
    const audit = await fhirGet<Bundle<AuditEvent>>(
      `${central.fhirUrl}/AuditEvent?agent=Practitioner/pra-infirmier&_count=1000`,
      dpo,
    )
    expect(audit.status).toBe(200)
    const events = (audit.body.entry ?? []).map((e) => e.resource as AuditEvent)
    const aboutPatient = events.filter((e) =>
      (e.entity ?? []).some((entity) => entity.what?.reference === `Patient/${patientId}`),
    )
    const subtypes = aboutPatient.map((e) => e.subtype?.[0]?.code)
    expect(subtypes).toContain('read')
    expect(subtypes).toContain('search-type')
    expect(aboutPatient.every((e) => e.agent?.[0]?.who?.reference === 'Practitioner/pra-infirmier')).toBe(true)
  })

  it('keeps its CA and cards across a restart on the same folder: the same card still signs in', async () => {
    const before = await central.cards.login('virtual:infirmier', new TextEncoder().encode(pinOf('infirmier')))
    const certificateBefore = Buffer.from((await before.certificateChain())[0] as Uint8Array)
    await before.close()
    const { token: oldToken } = await signIn('infirmier')
    const patientUrl = (c: TrainingCentral) => `${c.fhirUrl}/Patient/${stayIn('loc-cardio').patientId}`

    // Same port, as a workstation configured with CHEVET_CENTRAL_URL would see it.
    const port = Number(new URL(central.baseUrl).port)
    await central.close()
    const restarted = await startTrainingCentral({ port, dir, hospital: HOSPITAL, tokenLifetimeSeconds: LIFETIME, now: clock, log })
    central = restarted
    console.info('training central restarted on the same folder in', restarted.timings)

    const after = await openCard(restarted.cards, 'infirmier', pinOf('infirmier'))
    expect(Buffer.from((await after.certificateChain())[0] as Uint8Array).equals(certificateBefore)).toBe(true)
    await after.close()
    const { token } = await signIn('infirmier', restarted)
    expect((await fhirGet(patientUrl(restarted), token)).status).toBe(200)
    expect(restarted.baseUrl).toBe(`http://127.0.0.1:${port}`)
    // Access tokens were signed with a key that lived in the previous run only: sign in again.
    expect((await fhirGet(patientUrl(restarted), oldToken)).status).toBe(401)
  })
})
