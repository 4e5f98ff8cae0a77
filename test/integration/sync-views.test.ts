import type { Resource } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCentralClient } from '../../src-main/central'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { listResults } from '../../src-main/store/cache/results'
import { createSyncEngine } from '../../src-main/sync'
import { startFhirServer, type AccessDecision, type FhirServer, type TrainingUser } from '../../src-main/training/fhir-server'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

// One shared ward workstation, two professionals in turn on the same encrypted cache: a cadre de santé (the
// training central shows her vital signs but no laboratory results) then a doctor. The doctor's chart must have
// its laboratory panels: the cadre's prefetch moved her own cursors, not the doctor's.

let hospital: TrainingHospital
let server: FhirServer
let temp: TempStore
const TOKENS: Record<string, TrainingUser> = {}

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 5, heavyObservations: 0 })
  const doctor = hospital.staff.find((s) => s.key === 'medecin')!
  // The cadre is given the doctor's units, so that both prefetch the same charts.
  TOKENS['token-cadre'] = { id: hospital.staff.find((s) => s.key === 'cadre')!.practitionerId, units: doctor.units, role: 'cadre' }
  TOKENS['token-medecin'] = { id: doctor.practitionerId, units: doctor.units, role: 'medecin' }
  server = await startFhirServer({
    host: '127.0.0.1',
    port: 0,
    authorize: async (req): Promise<AccessDecision> => {
      const user = TOKENS[(req.headers.authorization ?? '').replace(/^Bearer /, '')]
      return user ? { ok: true, user } : { ok: false, status: 401, reason: 'unknown token' }
    },
  })
  await server.load(structuredClone(hospital.resources) as Resource[])
  temp = openTempStore('chevet-sync-views-')
})

afterAll(async () => {
  await server?.close()
  temp?.cleanup()
})

async function roundAs(token: 'token-cadre' | 'token-medecin'): Promise<void> {
  const user = TOKENS[token]!
  const engine = createSyncEngine({
    db: temp.store.db,
    central: createCentralClient({ baseUrl: server.url, token: async () => token, timeoutMs: 10_000, retries: 1, backoffMs: 50 }),
    user: { practitionerId: user.id, units: user.units, view: user.role },
    log: createMemoryLogger(),
    events: new EventBus(),
  })
  try {
    expect(await engine.syncNow()).toMatchObject({ ok: true, error: null })
  } finally {
    await engine.stop()
  }
}

describe('a workstation shared by roles that see different parts of the chart', () => {
  it('a cadre then a doctor: the doctor gets the laboratory panels the cadre was never sent', async () => {
    const doctor = TOKENS['token-medecin']!
    const labPatients = [
      ...new Set(
        hospital.resources
          .filter((r) => r.resourceType === 'DiagnosticReport' && r.category?.some((c) => c.coding?.some((coding) => coding.code === 'LAB')))
          .map((r) => (r as { subject?: { reference?: string } }).subject?.reference?.replace('Patient/', '') ?? ''),
      ),
    ].filter((id) => hospital.currentStays.some((s) => s.patientId === id && doctor.units.includes(s.unitId)))
    expect(labPatients.length, 'inpatients of the unit with laboratory reports').toBeGreaterThan(0)

    await roundAs('token-cadre')
    // What the cadre's central answered: no laboratory result reached the cache.
    for (const id of labPatients) expect(listResults(temp.store.db, id).panels, id).toEqual([])

    await roundAs('token-medecin')
    for (const id of labPatients) {
      const { panels } = listResults(temp.store.db, id)
      expect(panels.length, id).toBeGreaterThan(0)
      expect(panels.every((panel) => panel.results.length > 0)).toBe(true)
    }
  })
})
