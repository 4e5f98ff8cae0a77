import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Observation } from '@medplum/fhirtypes'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { openStore } from '../../src-main/store'
import { listOutbox, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { createSyncEngine } from '../../src-main/sync'
import type { FhirServer } from '../../src-main/training/fhir-server'
import { generateHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral } from '../fixtures/sync/training'

// Issue 10, crash safety: 20 times, the workstation's sync engine (rounds back to back against the training
// central) and its outbox writes are killed with SIGKILL at a random moment, on the same database. After each kill
// the database passes `PRAGMA integrity_check` and reopens; at the end the reopened app replays what is left, and
// every acknowledged write is at the central exactly once.

const WORKER = fileURLToPath(new URL('../fixtures/sync/crash-worker.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TRIALS = 20

let server: FhirServer
let temp: TempStore
let env: Record<string, string>

/** A small deterministic generator (mulberry32): the kill moments are printed and the same on every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

beforeAll(async () => {
  const hospital = generateHospital({ pastPatients: 40, heavyObservations: 0 })
  const nurse = hospital.staff.find((s) => s.key === 'infirmier')!
  server = await startTrainingCentral({ hospital, user: { id: nurse.practitionerId, units: nurse.units, role: 'infirmier' } })
  const patients = hospital.currentStays.filter((s) => nurse.units.includes(s.unitId)).slice(0, 3).map((s) => s.patientId)
  temp = openTempStore('chevet-crash-safety-')
  temp.store.close()
  env = {
    CHEVET_TEST_DB: temp.file,
    CHEVET_TEST_KEY: temp.key.toString('hex'),
    CENTRAL_URL: server.url,
    PRACTITIONER: nurse.practitionerId,
    UNITS: nurse.units.join(','),
    PATIENTS: patients.join(','),
  }
})

afterAll(async () => {
  await server?.close()
  temp?.cleanup()
})

/** Runs the worker and kills it `afterMs` after it is ready; returns the write ids it acknowledged. */
async function crashOnce(afterMs: number, first: boolean): Promise<{ acked: string[]; finished: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env, FIRST_SYNC: first ? '1' : '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const acked: string[] = []
  let finished = false
  let stderr = ''
  let buffer = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const closed = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)))
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    let newline: number
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), afterMs)
      else if (line === 'done') finished = true
      else if (line.startsWith('ack ')) acked.push(line.slice(4))
    }
  })
  const signal = await closed
  clearTimeout(guard)
  if (signal !== 'SIGKILL' && !finished) throw new Error(`worker ended without being killed: ${stderr.slice(0, 800)}`)
  return { acked, finished }
}

it(`loses no acknowledged write over ${TRIALS} SIGKILLs during sync and outbox writes, and the database stays sound`, async () => {
  const next = random(20261123)
  const acknowledged: string[] = []
  for (let trial = 1; trial <= TRIALS; trial++) {
    const afterMs = Math.round(150 + next() * 1_500)
    const { acked, finished } = await crashOnce(afterMs, trial === 1)
    acknowledged.push(...acked)
    const reopened = openStore({ file: temp.file, key: temp.key })
    try {
      expect(reopened.db.pragma('integrity_check', { simple: true }), `trial ${trial}`).toBe('ok')
      // Every write acknowledged so far is in the outbox (still to send, or sent and kept), none lost.
      const outbox = new Map(listOutbox(reopened.db).map((entry) => [entry.idempotencyKey, entry.state]))
      expect(acknowledged.filter((writeId) => !outbox.has(writeId)), `trial ${trial}`).toEqual([])
      const toSend = [...outbox.values()].filter((state) => state === 'pending').length
      console.log(`crash trial ${trial}: killed ${afterMs} ms after ready, ${acked.length} writes acknowledged, ${toSend} still to send${finished ? ' (worker had finished)' : ''}`)
    } finally {
      reopened.close()
    }
  }
  expect(acknowledged.length).toBeGreaterThan(TRIALS)

  // The app starts again on the same data and replays what is left (bounded number of rounds).
  const store = openStore({ file: temp.file, key: temp.key })
  const engine = createSyncEngine({
    db: store.db,
    central: clientFor(server.url),
    user: { practitionerId: env.PRACTITIONER!, units: env.UNITS!.split(',') },
    events: new EventBus(),
    log: createMemoryLogger(),
    intervalMs: 60_000,
  })
  try {
    for (let round = 0; round < 10 && listOutbox(store.db, ['pending']).length > 0; round++) await engine.syncNow()
    expect(listOutbox(store.db, ['pending', 'failed', 'conflict'])).toEqual([])
  } finally {
    await engine.stop()
    store.close()
  }

  // At the central: every acknowledged write, each exactly once (its identifiers carry the write id).
  const central = clientFor(server.url)
  const seen = new Map<string, number>()
  for (const patientId of env.PATIENTS!.split(',')) {
    for await (const resource of central.searchAll('Observation', { patient: patientId, _count: '1000' })) {
      for (const identifier of (resource as Observation).identifier ?? []) {
        if (identifier.system === WRITE_IDENTIFIER_SYSTEM && identifier.value) seen.set(identifier.value, (seen.get(identifier.value) ?? 0) + 1)
      }
    }
  }
  const missing = acknowledged.filter((writeId) => ![...seen.keys()].some((value) => value.startsWith(`${writeId}-`)))
  expect(missing).toEqual([])
  const duplicated = [...seen.entries()].filter(([, count]) => count > 1)
  expect(duplicated).toEqual([])
  console.log(`crash safety: ${acknowledged.length} acknowledged writes over ${TRIALS} kills, all at the central once (${seen.size} observations)`)
}, 900_000)
