import type { Observation } from '@medplum/fhirtypes'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { listOutbox, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer } from '../../src-main/training/fhir-server'
import { generateHospital } from '../../src-main/training/hospital'
import { startFaultProxy, type FaultMode, type FaultProxy } from '../fixtures/net/fault-proxy'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral, waitFor } from '../fixtures/sync/training'

// Issue 10, central faults: a TCP proxy on 127.0.0.1 between the workstation and the training central refuses,
// swallows, delays and cuts connections following a bounded script. The workstation must say it is degraded within
// 5 s, stay calm (no storm of errors, no flapping), keep every write, and replay each exactly once when the link is
// back — including a write whose answer was cut after the central had stored it.

let server: FhirServer
let proxy: FaultProxy
let temp: TempStore
let engine: SyncEngine
let patients: string[]
const log = createMemoryLogger()
const changes: { at: number; state: string }[] = []

beforeAll(async () => {
  const hospital = generateHospital({ pastPatients: 40, heavyObservations: 0 })
  const nurse = hospital.staff.find((s) => s.key === 'infirmier')!
  server = await startTrainingCentral({ hospital, user: { id: nurse.practitionerId, units: nurse.units, role: 'infirmier' } })
  proxy = await startFaultProxy(Number(new URL(server.url).port))
  patients = hospital.currentStays.filter((s) => nurse.units.includes(s.unitId)).slice(0, 2).map((s) => s.patientId)
  temp = openTempStore('chevet-faults-')
  const events = new EventBus()
  events.onAny((name, payload) => {
    if (name === 'connectivity.changed') changes.push({ at: Date.now(), state: (payload as { state: string }).state })
  })
  engine = createSyncEngine({
    db: temp.store.db,
    central: clientFor(server.url.replace(`:${new URL(server.url).port}`, `:${proxy.port}`)),
    user: { practitionerId: nurse.practitionerId, units: nurse.units },
    events,
    log,
    intervalMs: 60_000,
    sendWaitMs: 1_000,
  })
  engine.start()
  await engine.syncNow()
}, 180_000)

afterAll(async () => {
  await engine?.stop()
  await proxy?.close()
  await server?.close()
  temp?.cleanup()
})

const state = (): string => engine.connectivity

async function record(n: number, from: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const receipt = await engine.recordVitals({ patientId: patients[(from + i) % patients.length]!, heartRate: 70 + i, respiratoryRate: 16 })
    ids.push(receipt.writeId)
  }
  return ids
}

async function fault(mode: FaultMode, forMs: number, delayMs = 0): Promise<void> {
  proxy.mode = mode
  proxy.delayMs = delayMs
  proxy.cutAll()
  await new Promise((resolve) => setTimeout(resolve, forMs))
}

it('goes degraded within 5 s, keeps calm and every write, and replays each write once when the link is back', async () => {
  expect(state()).toBe('online')
  const written = await record(3, 0)

  // The answer to a write is cut after the central stored it: the workstation does not know, and keeps it queued.
  proxy.mode = 'cutResponse'
  proxy.cutAll()
  const cut = await record(2, 3)
  written.push(...cut)
  const direct = clientFor(server.url)
  const stored = await direct.search<Observation>('Observation', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${cut[0]}-hr` })
  expect(stored.resources).toHaveLength(1)
  expect(listOutbox(temp.store.db, ['pending', 'failed']).map((entry) => entry.idempotencyKey)).toContain(cut[0])
  proxy.mode = 'pass'
  await waitFor(() => state() === 'online', 5_000, 20)

  // Connections refused: degraded within 5 s of the fault.
  const faultStart = Date.now()
  const logBefore = log.lines.length
  const changesBefore = changes.length
  proxy.mode = 'refuse'
  proxy.cutAll()
  const noticedMs = await waitFor(() => state() === 'degraded', 5_000, 20)
  console.log(`central faults: degraded noticed ${noticedMs} ms after the connections were refused`)
  expect(noticedMs).toBeLessThanOrEqual(5_000)

  // Still working while degraded: writes are kept.
  written.push(...(await record(5, 5)))
  await fault('blackhole', 4_000)
  await fault('delay', 4_000, 3_000)
  await fault('refuse', 2_000)
  const faultMs = Date.now() - faultStart
  expect(state()).toBe('degraded')
  // No flapping: one change to degraded for the whole faulty period, whatever the kind of fault.
  expect(changes.slice(changesBefore).map((c) => c.state)).toEqual(['degraded'])
  // No storm: a few log lines per second of fault at most, whatever their level (retries and probes included).
  const lines = log.lines.slice(logBefore)
  const noisy = lines.filter((line) => line.level !== 'info')
  console.log(
    `central faults: ${lines.length} log lines (${noisy.length} warnings/errors) over ${faultMs} ms of faults; connections ${JSON.stringify(proxy.accepted)}`,
  )
  expect(lines.length).toBeLessThanOrEqual(Math.ceil(faultMs / 1000) * 3)
  expect(listOutbox(temp.store.db, ['pending']).length).toBeGreaterThanOrEqual(5)

  // The link is back: online within 5 s, and the queue drains.
  proxy.mode = 'pass'
  const backMs = await waitFor(() => state() === 'online', 5_000, 20)
  console.log(`central faults: online again ${backMs} ms after the link came back`)
  await waitFor(() => listOutbox(temp.store.db, ['pending', 'failed']).length === 0, 30_000, 100)
  expect(listOutbox(temp.store.db, ['conflict'])).toEqual([])

  // At the central: every write, once (the cut one included: its replay found it by its identifier).
  const central = clientFor(server.url)
  const count = new Map<string, number>()
  for (const patientId of patients) {
    for await (const resource of central.searchAll('Observation', { patient: patientId, _count: '1000' })) {
      for (const identifier of (resource as Observation).identifier ?? []) {
        if (identifier.system !== WRITE_IDENTIFIER_SYSTEM || !identifier.value) continue
        const writeId = written.find((id) => identifier.value!.startsWith(`${id}-`))
        if (writeId) count.set(identifier.value, (count.get(identifier.value) ?? 0) + 1)
      }
    }
  }
  for (const writeId of written) {
    expect([...count.keys()].some((value) => value.startsWith(`${writeId}-`)), writeId).toBe(true)
  }
  expect([...count.entries()].filter(([, n]) => n !== 1)).toEqual([])
  // Two observations (heart rate, respiratory rate) per set.
  expect(count.size).toBe(written.length * 2)
}, 120_000)
