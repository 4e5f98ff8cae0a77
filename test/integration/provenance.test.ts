import type { Bundle, Observation, Provenance } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import type { RecordAuthor } from '../../src-main/records/fhir'
import { patientRecords, recordAllergy, setAllergyStatus } from '../../src-main/records/store'
import { supervisorOf } from '../../src-main/records/supervisor'
import { census, listOutbox, recordVitals, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { checkCareTask, listCareTasks } from '../../src-main/store/cache/care-plan'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer } from '../../src-main/training/fhir-server'
import { generateHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral } from '../fixtures/sync/training'

// "Every write carries FHIR Provenance (who, when, on whose behalf for interns)": vital-sign sets, care-plan
// check-offs and allergy status changes written by an interne reach the training central (medplum validates them)
// with a Provenance naming the senior, and a replay of an acknowledged write creates no second Provenance.

let server: FhirServer
let temp: TempStore
let engine: SyncEngine
let author: RecordAuthor
let units: string[]
const log = createMemoryLogger()

beforeAll(async () => {
  const hospital = generateHospital({ pastPatients: 5, heavyObservations: 0 })
  const staff = hospital.staff.find((s) => s.key === 'interne')!
  units = staff.units
  server = await startTrainingCentral({ hospital, user: { id: staff.practitionerId, units: staff.units, role: 'interne' } })
  temp = openTempStore('chevet-provenance-')
  engine = createSyncEngine({
    db: temp.store.db,
    central: clientFor(server.url),
    user: { practitionerId: staff.practitionerId, units: staff.units },
    log,
    events: new EventBus(),
  })
  expect((await engine.syncNow()).ok).toBe(true)
  const user = { idNat: staff.idNat, practitionerId: staff.practitionerId, displayName: 'Gaël LE GOFF', role: 'interne' as const, units: staff.units.map((id) => ({ id, name: id })) }
  author = { practitionerId: staff.practitionerId, displayName: 'Gaël LE GOFF', role: 'interne', onBehalfOf: await supervisorOf(user, clientFor(server.url), log) }
}, 120_000)

afterAll(async () => {
  await engine?.stop()
  await server?.close()
  temp?.cleanup()
})

async function provenancesOf(reference: string): Promise<Provenance[]> {
  return (await clientFor(server.url).search<Provenance>('Provenance', { target: reference })).resources
}

describe('Provenance of every write', () => {
  it('a full vital-sign set by an interne: accepted in parts, each Observation attested on behalf of the senior', async () => {
    expect(author.onBehalfOf).toBe('pra-medecin')
    const db = temp.store.db
    const patientId = census(db, units)[0]!.patient.id
    const full = { patientId, systolic: 118, diastolic: 72, heartRate: 88, temperature: 37.4, spo2: 95, respiratoryRate: 18, pain: 3, weight: 71, height: 172, supplementalOxygen: false, consciousness: 'A' as const }
    const receipt = recordVitals(db, full, author)
    await engine.flushOutbox()
    expect(listOutbox(db).filter((e) => e.kind === 'vitals.record').map((e) => e.state)).toEqual(['sent', 'sent'])

    const central = clientFor(server.url)
    const observations = (await central.search<Observation>('Observation', { patient: `Patient/${patientId}`, _count: '1000' })).resources.filter((o) =>
      o.identifier?.some((i) => i.system === WRITE_IDENTIFIER_SYSTEM && i.value?.startsWith(`${receipt.writeId}-`)),
    )
    expect(observations).toHaveLength(10)
    for (const observation of observations) {
      const [provenance, ...more] = await provenancesOf(`Observation/${observation.id}`)
      expect(more).toHaveLength(0)
      expect(provenance?.agent[0]).toMatchObject({
        who: { reference: `Practitioner/${author.practitionerId}` },
        onBehalfOf: { reference: 'Practitioner/pra-medecin' },
      })
    }

    // The central stored the first part but its answer was lost: sent again, it creates nothing twice.
    const first = listOutbox(db).find((e) => e.idempotencyKey === receipt.writeId)!
    await central.transaction(structuredClone(first.body) as Bundle)
    expect(await provenancesOf(`Observation/${observations.find((o) => o.identifier?.[0]?.value === `${receipt.writeId}-hr`)!.id}`)).toHaveLength(1)
    const tagged = await central.search<Provenance>('Provenance', { _tag: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-prov` })
    expect(tagged.resources).toHaveLength(1)
  })

  it('a care-plan check-off by an interne names the senior', async () => {
    const db = temp.store.db
    const patientId = census(db, units).find((e) => listCareTasks(db, e.patient.id).length > 0)?.patient.id
    expect(patientId).toBeDefined()
    const task = listCareTasks(db, patientId!)[0]!
    const receipt = checkCareTask(db, { patientId: patientId!, carePlanId: task.carePlanId, activityId: task.activityId, slot: new Date().toISOString() }, author)
    await engine.flushOutbox()
    expect(listOutbox(db).find((e) => e.idempotencyKey === receipt.writeId)?.state).toBe('sent')
    const procedure = (await clientFor(server.url).search('Procedure', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-care` })).resources[0]!
    const [provenance] = await provenancesOf(`Procedure/${procedure.id}`)
    expect(provenance?.agent[0]?.onBehalfOf).toEqual({ reference: 'Practitioner/pra-medecin' })
  })

  it('the Provenance of an allergy status change is sent once, even when replayed', async () => {
    const db = temp.store.db
    const patientId = census(db, units)[1]!.patient.id
    recordAllergy(db, { patientId, substance: 'pénicilline', fromFormulary: false }, author)
    await engine.flushOutbox()
    const allergy = patientRecords(db, patientId).allergies.find((a) => a.substance === 'pénicilline')!
    expect(allergy.pending).toBe(false)
    setAllergyStatus(db, { patientId, allergyId: allergy.id, clinicalStatus: 'inactive' }, author)
    const queued = listOutbox(db).find((e) => e.kind === 'records.allergies.setStatus.provenance' && e.state === 'pending')!
    await engine.flushOutbox()
    // The answer to the Provenance was lost: the same entry goes again, as the replay sends it.
    const central = clientFor(server.url)
    const again = await central.create(queued.body as Provenance, { ifNoneExist: `_tag=${WRITE_IDENTIFIER_SYSTEM}|${queued.idempotencyKey}` })
    expect(again.status).toBe(200)
    const updates = (await provenancesOf(`AllergyIntolerance/${allergy.id}`)).filter((p) => p.activity?.coding?.[0]?.code === 'UPDATE')
    expect(updates).toHaveLength(1)
    expect(updates[0]?.agent[0]?.onBehalfOf).toEqual({ reference: 'Practitioner/pra-medecin' })
  })
})
