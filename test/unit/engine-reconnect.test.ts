import type { Resource } from '@medplum/fhirtypes'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { CentralError } from '../../src-main/central/types'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { listOutbox, upsertResources } from '../../src-main/store/cache'
import { createSyncEngine } from '../../src-main/sync'
import { FakeCentral } from '../fixtures/sync/fake-central'
import { patient, stay, unitTree } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

// A write made while a ping answered too slowly (degraded) during a long chart prefetch is sent as soon as the
// central answers again, not at the next round: the round under way has already replayed the outbox.

let temp: TempStore
const db = () => temp.store.db

beforeEach(() => {
  temp = openTempStore()
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 1),
    patient({ id: 'p1', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14' }),
    stay('enc-1', 'p1', 'loc-cardio', 'loc-cardio-101-1'),
  ])
})

afterEach(() => temp.cleanup())

async function until(probe: () => boolean, ms: number): Promise<boolean> {
  const start = Date.now()
  while (Date.now() - start < ms) {
    if (probe()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return probe()
}

it('sends a write made while degraded once back online, while a long round is still under way', async () => {
  let release: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (release = resolve))
  let prefetching = false
  class BusyCentral extends FakeCentral {
    pingFails = false
    override async ping(): Promise<void> {
      if (this.pingFails) throw new CentralError('OFFLINE', 'ping timed out', null, true)
    }
    // The chart prefetch of a full hospital: it lasts until the test releases it.
    override async *searchAll(): AsyncIterable<Resource> {
      prefetching = true
      await gate
      yield* super.searchAll()
    }
  }
  const central = new BusyCentral()
  const engine = createSyncEngine({
    db: db(),
    central,
    user: { practitionerId: 'pr-nurse', units: ['loc-cardio'] },
    log: createMemoryLogger(),
    events: new EventBus(),
    pingIntervalMs: 30,
    degradedPingIntervalMs: 30,
    intervalMs: 600_000,
    sendWaitMs: 200,
  })
  try {
    engine.start()
    expect(await until(() => engine.connectivity === 'online', 2_000)).toBe(true)
    const round = engine.syncNow()
    expect(await until(() => prefetching, 2_000)).toBe(true)

    central.pingFails = true
    expect(await until(() => engine.connectivity === 'degraded', 2_000)).toBe(true)
    const receipt = await engine.recordVitals({ patientId: 'p1', heartRate: 88 })
    expect(receipt.state).toBe('queued')

    central.pingFails = false
    const sent = await until(() => listOutbox(db()).every((e) => e.state === 'sent'), 2_000)
    // Sent while the prefetch is still blocked: the outbox did not wait for the round.
    expect(sent).toBe(true)
    expect(central.log).toContain('TRANSACTION')
    release()
    await round
  } finally {
    release()
    await engine.stop()
  }
})
