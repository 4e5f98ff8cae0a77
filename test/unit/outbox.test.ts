import type { Observation, Resource } from '@medplum/fhirtypes'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import {
  chart,
  enqueue,
  listOutbox,
  openConflictTasks,
  outboxCounts,
  readHealth,
  recordVitals,
  updateLocal,
  upsertResources,
  WRITE_IDENTIFIER_SYSTEM,
} from '../../src-main/store/cache'
import { createSyncEngine, replayOutbox } from '../../src-main/sync'
import { FakeCentral } from '../fixtures/sync/fake-central'
import { patient, stay, unitTree, vitalSet } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

let temp: TempStore
let central: FakeCentral
const log = createMemoryLogger()
const db = () => temp.store.db
const author = { practitionerId: 'pr-nurse' }
const replay = () => replayOutbox({ db: db(), central, log, now: () => new Date('2026-11-23T12:00:00Z') })

beforeEach(() => {
  temp = openTempStore()
  central = new FakeCentral()
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 2),
    patient({ id: 'p1', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14' }),
    patient({ id: 'p2', family: 'LEFÈVRE', given: ['François'], birthDate: '1952-10-02' }),
    stay('enc-1', 'p1', 'loc-cardio', 'loc-cardio-101-1'),
    stay('enc-2', 'p2', 'loc-cardio', 'loc-cardio-101-2'),
  ])
})

afterEach(() => temp.cleanup())

describe('recordVitals', () => {
  it('stores the Observations pending and queues ONE transaction of conditional creates, in the same commit', () => {
    const receipt = recordVitals(db(), { patientId: 'p1', systolic: 132, diastolic: 78, heartRate: 84, spo2: 97, takenAt: '2026-11-23T09:30:00+01:00' }, author)
    expect(receipt.state).toBe('queued')
    const [entry, ...rest] = listOutbox(db())
    expect(rest).toHaveLength(0)
    expect(entry).toMatchObject({ idempotencyKey: receipt.writeId, kind: 'vitals.record', method: 'TRANSACTION', patientId: 'p1', state: 'pending' })
    const body = entry!.body as { type: string; entry: { fullUrl: string; resource: Observation; request: { method: string; url: string; ifNoneExist: string } }[] }
    expect(body.type).toBe('transaction')
    // The Observations, then the set's Provenance (its author), conditional on its write tag.
    const provenance = body.entry.at(-1)!
    const bundle = { entry: body.entry.slice(0, -1) }
    expect(provenance.request).toEqual({ method: 'POST', url: 'Provenance', ifNoneExist: `_tag=${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-prov` })
    expect(provenance.resource).toMatchObject({
      resourceType: 'Provenance',
      target: bundle.entry.map((e) => ({ reference: e.fullUrl })),
      agent: [{ who: { reference: 'Practitioner/pr-nurse' } }],
    })
    expect(bundle.entry.map((e) => e.resource.code?.coding?.[0]?.code)).toEqual(['85354-9', '8867-4', '59408-5'])
    for (const e of bundle.entry) {
      const identifier = e.resource.identifier?.[0]
      expect(identifier?.system).toBe(WRITE_IDENTIFIER_SYSTEM)
      expect(identifier?.value?.startsWith(receipt.writeId)).toBe(true)
      expect(e.request).toEqual({ method: 'POST', url: 'Observation', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${identifier?.value}` })
      expect(e.resource).toMatchObject({
        status: 'final',
        category: [{ coding: [{ code: 'vital-signs' }] }],
        subject: { reference: 'Patient/p1' },
        encounter: { reference: 'Encounter/enc-1' },
        effectiveDateTime: '2026-11-23T08:30:00.000Z',
        performer: [{ reference: 'Practitioner/pr-nurse' }],
      })
    }
    expect(bundle.entry[0]!.resource.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, c.valueQuantity?.code])).toEqual([
      ['8480-6', 132, 'mm[Hg]'],
      ['8462-4', 78, 'mm[Hg]'],
    ])
    expect(bundle.entry[2]!.resource.valueQuantity).toEqual({ value: 97, unit: '%', system: 'http://unitsofmeasure.org', code: '%' })
    expect(chart(db(), 'p1')!.vitals[0]).toMatchObject({ systolic: 132, heartRate: 84, spo2: 97, pending: true })
  })

  it('splits a full set into Bundles the central accepts, each with the Provenance naming an interne’s senior', () => {
    const intern = { practitionerId: 'pr-intern', displayName: 'Gaël LE GOFF', role: 'interne' as const, onBehalfOf: 'pr-senior' }
    const full = { patientId: 'p1', systolic: 120, diastolic: 70, heartRate: 80, temperature: 37, spo2: 96, respiratoryRate: 16, pain: 2, weight: 70, height: 170, supplementalOxygen: false, consciousness: 'A' as const }
    const receipt = recordVitals(db(), full, intern)
    const entries = listOutbox(db())
    expect(entries.map((e) => e.idempotencyKey)).toEqual([receipt.writeId, `${receipt.writeId}-2`])
    const bundles = entries.map((e) => (e.body as { entry: { resource: Resource; request: { ifNoneExist?: string } }[] }).entry)
    // medplum refuses more than 8 entries in a transaction holding a conditional create.
    expect(bundles.every((b) => b.length <= 8)).toBe(true)
    expect(bundles.flat().filter((e) => e.resource.resourceType === 'Observation')).toHaveLength(10)
    for (const bundle of bundles) {
      const provenance = bundle.at(-1)!.resource
      expect(provenance).toMatchObject({
        resourceType: 'Provenance',
        agent: [{ who: { reference: 'Practitioner/pr-intern', display: 'Gaël LE GOFF' }, onBehalfOf: { reference: 'Practitioner/pr-senior' } }],
      })
      expect((provenance as { target: unknown[] }).target).toHaveLength(bundle.length - 1)
    }
    expect(chart(db(), 'p1')!.vitals[0]).toMatchObject({ heartRate: 80, weight: 70, height: 170, pending: true })
  })

  it('refuses an implausible value or an unknown patient, and then queues nothing', () => {
    expect(() => recordVitals(db(), { patientId: 'p1', heartRate: 400 }, author)).toThrow()
    expect(() => recordVitals(db(), { patientId: 'nobody', heartRate: 80 }, author)).toThrow(/not in the cache/)
    expect(listOutbox(db())).toHaveLength(0)
    expect(db().prepare('SELECT count(*) FROM health_resource WHERE pending = 1').pluck().get()).toBe(0)
  })

  it('never queues the same idempotency key twice', () => {
    recordVitals(db(), { patientId: 'p1', heartRate: 80 }, author, { idempotencyKey: 'same-key' })
    expect(() => recordVitals(db(), { patientId: 'p1', heartRate: 81 }, author, { idempotencyKey: 'same-key' })).toThrow(/UNIQUE/)
    expect(listOutbox(db())).toHaveLength(1)
    expect(chart(db(), 'p1')!.vitals).toHaveLength(1)
  })
})

describe('replay', () => {
  it('sends in FIFO order and swaps the local rows for the central copies', async () => {
    const a = recordVitals(db(), { patientId: 'p1', heartRate: 80, takenAt: '2026-11-23T08:00:00Z' }, author)
    enqueue(db(), { idempotencyKey: 'k-note', kind: 'test.note', method: 'POST', resourceType: 'Observation', patientId: 'p2', body: { ...vitalSet('x', 'p2', '2026-11-23T08:05:00Z', { rr: 18 })[0], id: undefined, identifier: [{ system: WRITE_IDENTIFIER_SYSTEM, value: 'k-note' }] } })
    const b = recordVitals(db(), { patientId: 'p2', temperature: 38.5, takenAt: '2026-11-23T08:10:00Z' }, author)
    const report = await replay()
    expect(report).toMatchObject({ sent: 3, failed: 0, conflicts: 0, stoppedBy: null })
    expect(central.log).toEqual(['TRANSACTION', 'POST Observation', 'TRANSACTION'])
    expect(listOutbox(db()).map((e) => [e.idempotencyKey, e.state])).toEqual([
      [a.writeId, 'sent'],
      ['k-note', 'sent'],
      [b.writeId, 'sent'],
    ])
    const rows = db().prepare("SELECT id, pending FROM health_resource WHERE patient_id = 'p1'").all()
    expect(rows).toEqual([{ id: expect.stringMatching(/^c\d+$/), pending: 0 }])
    expect(chart(db(), 'p1')!.vitals).toEqual([expect.objectContaining({ heartRate: 80, pending: false })])
  })

  it('stops at the first retryable failure and keeps the order for later', async () => {
    const keys = [1, 2, 3].map((n) => recordVitals(db(), { patientId: 'p1', heartRate: 70 + n }, author).writeId)
    central.down = true
    const down = await replay()
    expect(down.stoppedBy?.code).toBe('OFFLINE')
    expect(down.sent).toBe(0)
    expect(listOutbox(db()).map((e) => [e.state, e.attempts])).toEqual([
      ['pending', 1],
      ['pending', 0],
      ['pending', 0],
    ])
    central.down = false
    expect((await replay()).sent).toBe(3)
    const sentOrder = [...central.store.values()].filter((r) => r.resourceType === 'Observation').map((r) => (r as Observation).identifier?.[0]?.value?.split('-hr')[0])
    expect(sentOrder).toEqual(keys)
  })

  it('creates nothing twice when a write the central stored is replayed (crash before the acknowledgement)', async () => {
    const receipt = recordVitals(db(), { patientId: 'p1', heartRate: 77, temperature: 37.9 }, author)
    const entry = listOutbox(db())[0]!
    // The central stored it, but the answer never reached us: the entry is still pending.
    await central.transaction(entry.body as never)
    await replay()
    const copies = central.byIdentifier(WRITE_IDENTIFIER_SYSTEM, `${receipt.writeId}-hr`)
    expect(copies).toHaveLength(1)
    // Two Observations and ONE Provenance: the replayed Provenance matched its write tag.
    expect(central.store.size).toBe(3)
    expect(central.byTag(WRITE_IDENTIFIER_SYSTEM, `${receipt.writeId}-prov`)).toHaveLength(1)
    expect(listOutbox(db())[0]!.state).toBe('sent')
  })

  it('keeps a write the central refuses for good as failed, with its code, and goes on', async () => {
    recordVitals(db(), { patientId: 'p1', heartRate: 66 }, author)
    recordVitals(db(), { patientId: 'p2', heartRate: 99 }, author)
    central.refuse = (r) => (r as Observation).subject?.reference === 'Patient/p1'
    const report = await replay()
    expect(report).toMatchObject({ sent: 1, failed: 1 })
    expect(listOutbox(db()).map((e) => [e.patientId, e.state, e.errorCode])).toEqual([
      ['p1', 'failed', 'INVALID'],
      ['p2', 'sent', null],
    ])
    expect(outboxCounts(db())).toEqual({ pending: 0, failed: 1, conflict: 0 })
    // Still visible in the chart, still marked as not acknowledged.
    expect(chart(db(), 'p1')!.vitals[0]).toMatchObject({ heartRate: 66, pending: true })
  })
})

describe('conflicts', () => {
  async function conflicted(): Promise<{ engine: ReturnType<typeof createSyncEngine>; taskId: string; events: string[] }> {
    const original = central.put({ ...vitalSet('obs-1', 'p1', '2026-11-23T06:00:00Z', { hr: 70 })[0]!, id: 'obs-1' })
    upsertResources(db(), [original])
    // Someone corrects the value at the central (v2) while this workstation edits its v1 copy.
    central.put({ ...original, valueQuantity: { ...original.valueQuantity, value: 72 } })
    updateLocal(db(), { ...original, valueQuantity: { ...original.valueQuantity, value: 75 }, id: 'obs-1' }, { kind: 'vitals.correct' })
    recordVitals(db(), { patientId: 'p2', heartRate: 90 }, author)
    const bus = new EventBus()
    const events: string[] = []
    bus.onAny((name, payload) => events.push(`${name}:${JSON.stringify(payload)}`))
    const engine = createSyncEngine({ db: db(), central, user: { practitionerId: 'pr-nurse', units: ['loc-cardio'] }, log, events: bus })
    const report = await engine.flushOutbox()
    expect(report).toMatchObject({ sent: 1, conflicts: 1 })
    const [task] = engine.tasks()
    expect(task).toMatchObject({ kind: 'conflict', resourceType: 'Observation', resourceId: 'obs-1', patientId: 'p1' })
    expect(task!.summary).toMatch(/v1.*v2/)
    expect(task!.summary).not.toMatch(/75|72/)
    expect(engine.status()).toMatchObject({ conflicts: 1, pendingWrites: 0 })
    expect(events.some((e) => e.startsWith('tasks.changed:{"conflicts":1}'))).toBe(true)
    // Never overwritten silently: the central still has the other person's value.
    expect((central.store.get('Observation/obs-1') as Observation).valueQuantity?.value).toBe(72)
    return { engine, taskId: task!.id, events }
  }

  it('turns a 412 into a task and lets the queue go on', async () => {
    await conflicted()
    expect(listOutbox(db()).map((e) => [e.kind, e.state])).toEqual([
      ['vitals.correct', 'conflict'],
      ['vitals.record', 'sent'],
    ])
  })

  it('keep mine: sends my version again on the central version', async () => {
    const { engine, taskId } = await conflicted()
    await engine.resolveTask(taskId, 'keepMine')
    await engine.flushOutbox()
    const stored = central.store.get('Observation/obs-1') as Observation
    expect(stored.valueQuantity?.value).toBe(75)
    expect(stored.meta?.versionId).toBe('3')
    expect(openConflictTasks(db())).toEqual([])
    expect(readHealth(db(), 'Observation', 'obs-1')).toMatchObject({ pending: false, resource: { meta: { versionId: '3' } } })
    expect(central.log.filter((l) => l.startsWith('PUT'))).toHaveLength(2)
  })

  it('take theirs: the central version replaces mine, whose write is dropped with a trace', async () => {
    const { engine, taskId } = await conflicted()
    await engine.resolveTask(taskId, 'takeTheirs')
    expect(readHealth<Observation>(db(), 'Observation', 'obs-1')).toMatchObject({ pending: false, resource: { valueQuantity: { value: 72 }, meta: { versionId: '2' } } })
    expect(listOutbox(db())[0]).toMatchObject({ kind: 'vitals.correct', state: 'discarded' })
    expect(engine.tasks()).toEqual([])
    expect(db().prepare('SELECT resolution FROM conflict_task WHERE id = ?').pluck().get(taskId)).toBe('takeTheirs')
    await expect(engine.resolveTask(taskId, 'keepMine')).rejects.toThrow(/no open task/)
  })

  it('a 412 on an update the central had already applied is not a conflict', async () => {
    const original = central.put({ ...vitalSet('obs-2', 'p1', '2026-11-23T06:00:00Z', { hr: 70 })[0]!, id: 'obs-2' })
    upsertResources(db(), [original])
    const mine = { ...original, id: 'obs-2', valueQuantity: { ...original.valueQuantity, value: 71 } }
    updateLocal(db(), mine, { kind: 'vitals.correct' })
    // Our first try reached the central, the answer was lost: the replay's If-Match is now stale.
    central.put(mine)
    const report = await replay()
    expect(report).toMatchObject({ sent: 1, conflicts: 0 })
    expect(openConflictTasks(db())).toEqual([])
  })
})

describe('stopping the engine (sign-out, card removed)', () => {
  it('ends the round under way at its next central call, announces nothing more, and keeps queued writes', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (release = resolve))
    const calls: string[] = []
    let reached: () => void = () => undefined
    const waiting = new Promise<void>((resolve) => (reached = resolve))
    class SlowCentral extends FakeCentral {
      override async *searchAll(): AsyncIterable<Resource> {
        calls.push('searchAll')
        reached()
        await gate
        yield* super.searchAll()
        yield vitalSet('obs-late', 'p1', '2026-11-23T07:00:00Z', { hr: 60 })[0]!
      }
    }
    const slow = new SlowCentral()
    const bus = new EventBus()
    const events: string[] = []
    bus.onAny((name) => events.push(name))
    const engine = createSyncEngine({ db: db(), central: slow, user: { practitionerId: 'pr-nurse', units: ['loc-cardio'] }, log, events: bus })
    const round = engine.syncNow()
    await waiting
    const stopped = engine.stop()
    // A write made just before the sign-out is durable: stopping does not send nor drop it.
    const receipt = recordVitals(db(), { patientId: 'p2', heartRate: 90 }, author)
    release()
    await stopped
    const report = await round
    expect(report).toMatchObject({ ok: false, error: 'STOPPED' })
    expect(calls).toEqual(['searchAll'])
    expect(events).toEqual([])
    expect(readHealth(db(), 'Observation', 'obs-late')).toBeNull()
    expect(listOutbox(db())).toEqual([expect.objectContaining({ idempotencyKey: receipt.writeId, state: 'pending' })])
  })
})
