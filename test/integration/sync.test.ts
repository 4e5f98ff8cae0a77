import type { Observation } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Chart as ChartSchema } from '../../src-main/contract'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { census, chart, listOutbox, readHealth, searchPatients, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer, TrainingUser } from '../../src-main/training/fhir-server'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, portOf, startTrainingCentral, waitFor } from '../fixtures/sync/training'

// The cache and the sync engine against the training FHIR server over real HTTP (src-main/central's client):
// census, charts, search, a write queued while the central is down and replayed when it is back on the same port,
// a 412 turned into a task, and connectivity detected within 5 s both ways.

const HEAVY = 50_000
let hospital: TrainingHospital
let user: TrainingUser
let server: FhirServer | null = null
let port = 0
let temp: TempStore
let engine: SyncEngine
const events: { name: string; payload: unknown }[] = []

async function startServer(): Promise<void> {
  server = await startTrainingCentral({ hospital, user, port })
  port = portOf(server.url)
}

async function stopServer(): Promise<void> {
  await server?.close()
  server = null
}

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 40, heavyObservations: HEAVY })
  const doctor = hospital.staff.find((s) => s.key === 'medecin')!
  user = { id: doctor.practitionerId, units: doctor.units, role: 'medecin' }
  const t = Date.now()
  await startServer()
  console.log(`training central on port ${port}: ${hospital.resources.length + HEAVY} resources loaded in ${Date.now() - t} ms`)
  temp = openTempStore('chevet-sync-')
  const bus = new EventBus()
  bus.onAny((name, payload) => events.push({ name, payload }))
  engine = createSyncEngine({
    db: temp.store.db,
    central: clientFor(server!.url),
    user: { practitionerId: doctor.practitionerId, units: doctor.units },
    log: createMemoryLogger(),
    events: bus,
  })
})

afterAll(async () => {
  await engine?.stop()
  await stopServer()
  temp?.cleanup()
})

describe('sync against the training central', () => {
  it('syncs the census of my units: every in-progress patient, with a bed and their last vital signs', async () => {
    const first = await engine.syncNow()
    expect(first).toMatchObject({ ok: true, error: null })
    const rate = Math.round(first.resources / (first.ms / 1000))
    console.log(`first sync: ${first.resources} resources for ${first.patients} patients in ${first.ms} ms (${rate} resources/s)`)
    const expected = hospital.currentStays.filter((s) => user.units.includes(s.unitId))
    expect(first.patients).toBe(expected.length)
    const entries = census(temp.store.db, user.units)
    expect(entries.map((e) => e.patient.id).sort()).toEqual(expected.map((s) => s.patientId).sort())
    for (const entry of entries) {
      expect(entry.patient.bed, entry.patient.id).toMatch(/^\d{3}-\d$/)
      expect(user.units).toContain(entry.patient.unit?.id)
    }
    const withVitals = entries.filter((e) => e.lastVitals?.heartRate !== null && e.lastVitals?.heartRate !== undefined)
    expect(withVitals.length).toBe(entries.length)
    const t = performance.now()
    census(temp.store.db, user.units)
    console.log(`census read from cache: ${entries.length} patients in ${(performance.now() - t).toFixed(1)} ms`)
    expect(events.some((e) => e.name === 'data.changed')).toBe(true)

    // An incremental round asks only for what changed: next to nothing.
    const second = await engine.syncNow()
    expect(second.ok).toBe(true)
    expect(second.resources).toBeLessThan(first.resources / 10)
    console.log(`second (incremental) sync: ${second.resources} resources in ${second.ms} ms`)
  })

  it('finds patients of my units in the cache by accent-free prefixes and by INS', () => {
    const helene = searchPatients(temp.store.db, 'helene dur', { allowedUnitIds: user.units })
    expect(helene.map((p) => [p.familyName, p.givenName])).toContainEqual(['DURAND', 'Hélène'])
    expect(searchPatients(temp.store.db, 'lefevre', { allowedUnitIds: user.units })[0]).toMatchObject({ familyName: 'LEFÈVRE' })
    const qualified = helene.find((p) => p.familyName === 'DURAND')!
    expect(qualified.ins).toMatch(/^\d{5}(\d{2}|2A|2B)\d{8}$/)
    expect(searchPatients(temp.store.db, qualified.ins!, { allowedUnitIds: user.units }).map((p) => p.id)).toEqual([qualified.id])
  })

  it('opens the heavy chart from the cache, bounded, and still after the central is stopped', async () => {
    const heavy = hospital.heavyPatientId
    const observations = temp.store.db
      .prepare("SELECT count(*) FROM health_resource WHERE patient_id = ? AND resource_type = 'Observation'")
      .pluck()
      .get(heavy) as number
    expect(observations).toBeGreaterThanOrEqual(HEAVY)
    await stopServer()
    const times: number[] = []
    let opened = chart(temp.store.db, heavy)
    for (let i = 0; i < 10; i++) {
      const t = performance.now()
      opened = chart(temp.store.db, heavy)
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    console.log(`heavy chart (${observations} observations) from cache, central stopped: median ${times[5]!.toFixed(1)} ms`)
    const c = ChartSchema.parse(opened)
    expect(c.fromCache).toBe(true)
    expect(c.dataAsOf).not.toBeNull()
    expect(c.vitals).toHaveLength(50)
    expect(c.results.length).toBeGreaterThan(0)
    expect(c.results.length).toBeLessThanOrEqual(100)
    expect(c.conditions.map((x) => x.code)).toContain('E87.5')
  })

  it('queues a vitals write while the central is down, and replays it once when it is back on the same port', async () => {
    const patientId = census(temp.store.db, user.units)[0]!.patient.id
    const receipt = await engine.recordVitals({ patientId, systolic: 150, diastolic: 90, heartRate: 101, temperature: 38.3 })
    expect(receipt.state).toBe('queued')
    expect(engine.status().pendingWrites).toBe(1)
    expect(chart(temp.store.db, patientId)!.vitals[0]).toMatchObject({ heartRate: 101, pending: true })
    // A replay attempt against the stopped central keeps the write first in line.
    const attempt = await engine.flushOutbox()
    expect(attempt.stoppedBy?.code).toBe('OFFLINE')

    await startServer()
    engine.start()
    const ms = await waitFor(() => listOutbox(temp.store.db).every((e) => e.state === 'sent'), 15_000)
    console.log(`queued write replayed ${ms} ms after the central restarted`)
    const search = await clientFor(server!.url).search<Observation>('Observation', {
      identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-hr`,
    })
    expect(search.resources).toHaveLength(1)
    expect(search.resources[0]).toMatchObject({ valueQuantity: { value: 101 }, subject: { reference: `Patient/${patientId}` } })
    expect(chart(temp.store.db, patientId)!.vitals[0]).toMatchObject({ heartRate: 101, pending: false })
    // The next rounds bring the central's copy back: still one set, not two.
    await engine.syncNow()
    const sets = chart(temp.store.db, patientId)!.vitals.filter((v) => v.heartRate === 101 && v.systolic === 150)
    expect(sets).toHaveLength(1)
    expect(engine.status()).toMatchObject({ connectivity: 'online', pendingWrites: 0, conflicts: 0 })
  })

  it('sends a write right away when the central is up (receipt sent)', async () => {
    const patientId = census(temp.store.db, user.units)[1]!.patient.id
    const receipt = await engine.recordVitals({ patientId, spo2: 93, respiratoryRate: 22 })
    expect(receipt.state).toBe('sent')
    const found = await clientFor(server!.url).search<Observation>('Observation', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-spo2` })
    expect(found.resources).toHaveLength(1)
  })

  it('turns a 412 into a conflict task instead of overwriting the central', async () => {
    const patientId = census(temp.store.db, user.units)[2]!.patient.id
    const id = temp.store.db
      .prepare("SELECT id FROM health_resource WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'vital-signs' AND code = '8867-4' ORDER BY effective_at DESC LIMIT 1")
      .pluck()
      .get(patientId) as string
    const cached = readHealth<Observation>(temp.store.db, 'Observation', id)!.resource
    // Behind the workstation's back: someone amends the same Observation at the central.
    const other = clientFor(server!.url)
    const theirs = await other.update({ ...cached, id, status: 'amended', note: [{ text: 'recontrôlé' }] }, { ifMatch: cached.meta!.versionId! })
    expect(theirs.versionId).not.toBe(cached.meta!.versionId)
    const receipt = await engine.updateResource({ ...cached, id, status: 'entered-in-error' }, 'vitals.correct')
    expect(receipt.state).toBe('queued')
    const [task] = engine.tasks()
    expect(task).toMatchObject({ kind: 'conflict', resourceType: 'Observation', resourceId: id, patientId })
    expect(engine.status().conflicts).toBe(1)
    const central = await other.read<Observation>('Observation', id)
    expect(central.status).toBe('amended')
    expect(events.some((e) => e.name === 'tasks.changed')).toBe(true)

    await engine.resolveTask(task!.id, 'keepMine')
    expect((await other.read<Observation>('Observation', id)).status).toBe('entered-in-error')
    expect(engine.tasks()).toEqual([])
  })

  it('goes degraded within 5 s of the central stopping, and online within 5 s of its return', async () => {
    engine.start()
    await waitFor(() => engine.connectivity === 'online', 5_000)
    const seen = events.length
    await stopServer()
    const downMs = await waitFor(() => engine.connectivity === 'degraded', 5_000, 25)
    await startServer()
    const upMs = await waitFor(() => engine.connectivity === 'online', 5_000, 25)
    console.log(`connectivity: degraded ${downMs} ms after the central stopped, online ${upMs} ms after it restarted`)
    const changes = events.slice(seen).filter((e) => e.name === 'connectivity.changed').map((e) => (e.payload as { state: string }).state)
    expect(changes).toEqual(['degraded', 'online'])
    const degradedEvent = events.slice(seen).find((e) => e.name === 'connectivity.changed')!.payload as { dataAsOf: string | null }
    expect(degradedEvent.dataAsOf).not.toBeNull()
  })
})
