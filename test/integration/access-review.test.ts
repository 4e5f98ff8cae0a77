import type { AuditEvent, Observation, Resource } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { btgReviewEvent } from '../../src-main/audit/access-records'
import { ANOMALY_RULES } from '../../src-main/audit/anomalies'
import { loadReview } from '../../src-main/audit/review-service'
import { createCentralClient } from '../../src-main/central'
import type { CentralClient } from '../../src-main/central/types'
import { startFhirServer, type AccessDecision, type FhirServer, type TrainingUser } from '../../src-main/training/fhir-server'
import { generateHospital, type StaffKey, type TrainingHospital } from '../../src-main/training/hospital'
import { seededAccessEvents } from '../../src-main/training/hospital/access-history'

// The review side of issue 6 against the real training FHIR server: the habilitation matrix refused at the central,
// the seeded suspicious accesses found by every rule, a break-the-glass review stored and read back.

let hospital: TrainingHospital
let server: FhirServer
const users = new Map<string, TrainingUser>()

function client(key: StaffKey): CentralClient {
  return createCentralClient({ baseUrl: server.url, token: async () => key, timeoutMs: 5000, retries: 0, backoffMs: 50 })
}

async function status(key: StaffKey, method: string, path: string, body?: Resource): Promise<number> {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/fhir+json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  await response.arrayBuffer()
  return response.status
}

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 40, heavyObservations: 0 })
  for (const member of hospital.staff) users.set(member.key, { id: member.practitionerId, units: member.units, role: member.role })
  server = await startFhirServer({
    host: '127.0.0.1',
    port: 0,
    authorize: async (req): Promise<AccessDecision> => {
      const header = req.headers.authorization
      const user = typeof header === 'string' ? users.get(header.slice('Bearer '.length)) : undefined
      return user ? { ok: true, user } : { ok: false, status: 401, reason: 'unknown token' }
    },
  })
  await server.load(structuredClone(hospital.resources) as Resource[])
  await server.load(seededAccessEvents(hospital))
}, 60_000)

afterAll(async () => {
  await server?.close()
})

const cardioPatient = () => hospital.currentStays.find((s) => s.unitId === 'loc-cardio')!.patientId
function resourceOf<T extends Resource>(type: T['resourceType'], patientId: string, test: (r: T) => boolean = () => true): T {
  return hospital.resources.find((r) => r.resourceType === type && JSON.stringify(r).includes(`Patient/${patientId}"`) && test(r as T)) as T
}

describe('habilitation matrix at the training central', () => {
  it('lets each role read or write only the categories the matrix gives it', async () => {
    const patientId = cardioPatient()
    const vital = resourceOf<Observation>('Observation', patientId, (o) => JSON.stringify(o.category).includes('vital-signs'))
    expect(vital).toBeDefined()
    // Secretary (cardiologie): identity yes, vital signs no — read by id refused, left out of searches.
    expect(await status('secretaire', 'GET', `/Patient/${patientId}`)).toBe(200)
    expect(await status('secretaire', 'GET', `/Observation/${vital.id}`)).toBe(403)
    const page = await client('secretaire').search<Observation>('Observation', { subject: `Patient/${patientId}` })
    expect(page.resources).toEqual([])
    // Nurse (cardiologie): reads vital signs, may not prescribe.
    expect(await status('infirmier', 'GET', `/Observation/${vital.id}`)).toBe(200)
    const order = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patientId}` },
      medicationCodeableConcept: { text: 'Paracétamol 1 g' },
    } as Resource
    expect(await status('infirmier', 'POST', '/MedicationRequest', order)).toBe(403)
    expect(await status('medecin', 'POST', '/MedicationRequest', order)).toBe(201)
    // DPO: identity of any patient (to instruct the journal), no health data.
    expect(await status('dpo', 'GET', `/Patient/${patientId}`)).toBe(200)
    expect(await status('dpo', 'GET', `/Observation/${vital.id}`)).toBe(403)
  })
})

describe('access review at the training central', () => {
  // Up to today: the seeded accesses are dated around the hospital's fixed clock, this file's own requests today.
  const filters = () => ({ from: '2026-10-01', to: [hospital.now, new Date().toISOString()].sort().at(-1)!.slice(0, 10) })

  it('finds every rule among the seeded accesses, with a French explanation', async () => {
    const review = await loadReview(client('dpo'), filters())
    const rules = new Set(review.anomalies.map((a) => a.rule))
    expect([...rules].sort()).toEqual([...ANOMALY_RULES].sort())
    const colleague = review.anomalies.find((a) => a.rule === 'dossier-collegue')
    expect(colleague?.explanation).toMatch(/collègue|propre dossier/)
    expect(review.records.length).toBeGreaterThan(100)
    // Ordinary accesses are the bulk: most records trigger nothing.
    expect(review.flags.size).toBeLessThan(review.records.length / 2)
    // Without a period: the newest events, the same seeded ones here.
    const unfiltered = await loadReview(client('dpo'), {})
    expect(unfiltered.records.length).toBe(review.records.length)
    // A period before the seeded days finds nothing; a purpose filter keeps only break-the-glass accesses.
    expect((await loadReview(client('dpo'), { from: '2026-01-01', to: '2026-01-31' })).records).toEqual([])
    const btg = await loadReview(client('dpo'), { ...filters(), purpose: 'btg' })
    expect(btg.records.length).toBeGreaterThan(0)
    expect(btg.records.every((r) => r.purpose === 'btg')).toBe(true)
  })

  it('stores a BTG review at the central; the latest one wins and the grant leaves the unreviewed list', async () => {
    const dpo = client('dpo')
    const before = await loadReview(dpo, filters())
    const grant = before.btg.find((g) => g.review === null)!
    expect(before.anomalies.some((a) => a.rule === 'btg-non-revu' && a.grantId === grant.grantId)).toBe(true)
    const dpoId = hospital.staff.find((m) => m.key === 'dpo')!.practitionerId
    const review = (verdict: 'justifie' | 'a-instruire', comment: string, recorded: string) =>
      dpo.create<AuditEvent>(btgReviewEvent({ grantId: grant.grantId, reviewerId: dpoId, reviewerRole: 'dpo', verdict, comment, recorded }))
    await review('a-instruire', 'Appeler le service', '2026-11-23T09:00:00.000Z')
    await review('justifie', 'Urgence confirmée; "garde"', '2026-11-23T10:00:00.000Z')
    const after = await loadReview(dpo, filters())
    expect(after.btg.find((g) => g.grantId === grant.grantId)?.review).toMatchObject({ verdict: 'justifie', comment: 'Urgence confirmée; "garde"' })
    expect(after.anomalies.some((a) => a.rule === 'btg-non-revu' && a.grantId === grant.grantId)).toBe(false)
    expect(after.anomalies.some((a) => a.rule === 'btg-non-revu')).toBe(true)
    // Only the journal's reader reads it.
    expect(await status('cadre', 'GET', '/AuditEvent?_count=1')).toBe(403)
  })
})
