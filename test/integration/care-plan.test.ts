import type { Procedure, Provenance } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { careDue } from '../../src-main/clinical/care-schedule'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { census, listOutbox, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { checkCareTask, listCareTasks } from '../../src-main/store/cache/care-plan'
import { listResults, resultTrend } from '../../src-main/store/cache/results'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer, TrainingUser } from '../../src-main/training/fhir-server'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral } from '../fixtures/sync/training'

// The plan de soins and the results against the training central over real HTTP: the generated CarePlans and
// their past check-offs reach the cache with the chart; a check-off (Procedure + Provenance) is accepted by the
// central (medplum validates both), is not created twice on replay, and reaches another workstation.

let hospital: TrainingHospital
let nurse: TrainingUser
let server: FhirServer
let temp: TempStore
let other: TempStore
let engine: SyncEngine
let otherEngine: SyncEngine
const log = createMemoryLogger()
const author = { practitionerId: '', displayName: 'Anaïs PERRIN' }

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 5, heavyObservations: 0 })
  const staff = hospital.staff.find((s) => s.key === 'infirmier')!
  author.practitionerId = staff.practitionerId
  nurse = { id: staff.practitionerId, units: staff.units, role: 'infirmier' }
  server = await startTrainingCentral({ hospital, user: nurse })
  temp = openTempStore('chevet-care-')
  other = openTempStore('chevet-care-other-')
  const make = (db: TempStore) =>
    createSyncEngine({
      db: db.store.db,
      central: clientFor(server.url),
      user: { practitionerId: staff.practitionerId, units: staff.units },
      log,
      events: new EventBus(),
    })
  engine = make(temp)
  otherEngine = make(other)
  expect((await engine.syncNow()).ok).toBe(true)
  expect((await otherEngine.syncNow()).ok).toBe(true)
}, 120_000)

afterAll(async () => {
  await engine?.stop()
  await otherEngine?.stop()
  await server?.close()
  temp?.cleanup()
  other?.cleanup()
})

describe('care plan against the training central', () => {
  it('syncs each inpatient’s plan with its past check-offs', () => {
    const patients = census(temp.store.db, nurse.units).map((e) => e.patient.id)
    expect(patients.length).toBeGreaterThan(0)
    for (const id of patients) expect(listCareTasks(temp.store.db, id).length).toBeGreaterThan(0)
    const checks = patients.flatMap((id) => listCareTasks(temp.store.db, id).flatMap((t) => t.checks))
    expect(checks.length).toBeGreaterThan(0)
    expect(checks.every((c) => c.authorName && !c.pending)).toBe(true)
  })

  it('sends a check-off with its Provenance, once, and another workstation sees who did it and when', async () => {
    const db = temp.store.db
    const patientId = census(db, nurse.units)[0]!.patient.id
    const task = listCareTasks(db, patientId)[0]!
    const due = careDue(task.schedule, task.checks.map((c) => c.slot), new Date())
    expect(due.dueAt).not.toBeNull()
    const receipt = checkCareTask(db, { patientId, carePlanId: task.carePlanId, activityId: task.activityId, slot: due.dueAt! }, author)
    await engine.flushOutbox()
    const entry = listOutbox(db).find((e) => e.idempotencyKey === receipt.writeId)!
    expect(entry.state).toBe('sent')

    const central = clientFor(server.url)
    const found = await central.search<Procedure>('Procedure', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-care` })
    expect(found.resources).toHaveLength(1)
    const procedure = found.resources[0]!
    expect(procedure).toMatchObject({
      status: 'completed',
      basedOn: [{ reference: `CarePlan/${task.carePlanId}` }],
      subject: { reference: `Patient/${patientId}` },
      performer: [{ actor: { reference: `Practitioner/${nurse.id}`, display: 'Anaïs PERRIN' } }],
    })
    const provenance = await central.search<Provenance>('Provenance', { target: `Procedure/${procedure.id}` })
    expect(provenance.resources).toHaveLength(1)
    expect(provenance.resources[0]).toMatchObject({ recorded: procedure.performedDateTime, agent: [{ who: { reference: `Practitioner/${nurse.id}` } }] })

    // A crash before the acknowledgement: the same transaction again creates nothing more.
    await central.transaction(structuredClone(entry.body) as never)
    expect((await central.search<Procedure>('Procedure', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-care` })).resources).toHaveLength(1)
    expect((await central.search<Provenance>('Provenance', { target: `Procedure/${procedure.id}` })).resources).toHaveLength(1)

    // Here: the central's copy, no longer pending; there: the same check-off after the next round.
    const mine = listCareTasks(db, patientId).find((t) => t.activityId === task.activityId)!
    expect(mine.checks[0]).toMatchObject({ slot: due.dueAt, authorName: 'Anaïs PERRIN', pending: false })
    expect((await otherEngine.syncNow()).ok).toBe(true)
    const theirs = listCareTasks(other.store.db, patientId).find((t) => t.activityId === task.activityId)!
    expect(theirs.checks[0]).toMatchObject({ slot: due.dueAt, authorName: 'Anaïs PERRIN', doneAt: procedure.performedDateTime })
    expect(careDue(theirs.schedule, theirs.checks.map((c) => c.slot), new Date()).dueAt).not.toBe(due.dueAt)
  })

  it('groups the synced laboratory results by panel and reads imaging conclusions', () => {
    const db = temp.store.db
    const withLabs = census(db, nurse.units)
      .map((e) => e.patient.id)
      .map((id) => ({ id, list: listResults(db, id) }))
      .find(({ list }) => list.panels.length > 0)!
    expect(withLabs).toBeDefined()
    const panel = withLabs.list.panels[0]!
    expect(panel.label).not.toBe('')
    expect(panel.results.every((r) => r.unit && r.interpretation)).toBe(true)
    const code = panel.results[0]!.code
    const trend = resultTrend(db, withLabs.id, code)
    expect(trend.points.length).toBeGreaterThan(0)
    expect(trend.low !== null || trend.high !== null).toBe(true)
  })
})
