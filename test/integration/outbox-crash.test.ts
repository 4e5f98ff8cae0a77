import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it } from 'vitest'
import { openStore } from '../../src-main/store'
import { listOutbox } from '../../src-main/store/cache'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

// Nothing acknowledged is lost across kill -9: a child process queues 1,000 vitals writes (one transaction each)
// and prints `ack <key>` after each commit; it is killed with SIGKILL midway, and every acknowledged key must be
// in the outbox of the reopened database.

const WRITER = fileURLToPath(new URL('../fixtures/sync/outbox-writer.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
let temp: TempStore | null = null

afterEach(() => temp?.cleanup())

it('keeps every acknowledged write of a process killed with SIGKILL in the middle of 1,000', async () => {
  temp = openTempStore('chevet-crash-')
  // The child opens the file itself: this process must not hold it.
  temp.store.close()
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER], {
    cwd: ROOT,
    env: { ...process.env, CHEVET_TEST_DB: temp.file, CHEVET_TEST_KEY: temp.key.toString('hex'), COUNT: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const acked: string[] = []
  let stderr = ''
  let buffer = ''
  let done = false
  const started = Date.now()
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  )
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const killedAt = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`fewer than 200 acks within 60 s (${acked.length}); stderr: ${stderr.slice(0, 500)}`))
    }, 60_000)
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        if (line.startsWith('ack ')) acked.push(line.slice(4))
        if (line === 'done') done = true
      }
      if (acked.length >= 200 && !child.killed) {
        child.kill('SIGKILL')
        clearTimeout(timer)
        resolve(acked.length)
      }
    })
    child.once('exit', () => {
      clearTimeout(timer)
      if (acked.length < 200) reject(new Error(`writer exited after ${acked.length} acks; stderr: ${stderr.slice(0, 500)}`))
    })
  })
  const { signal } = await exited
  // Acks already in the pipe when the signal left count too: they were printed after their commit.
  const finalAcks = acked.length
  console.log(
    `crash test: SIGKILL after ${killedAt} acks (${Date.now() - started} ms); ${finalAcks} acks read in all; writer finished: ${done}`,
  )
  expect(signal).toBe('SIGKILL')
  expect(done).toBe(false)
  expect(finalAcks).toBeLessThan(1000)

  const reopened = openStore({ file: temp.file, key: temp.key })
  try {
    expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok')
    const queued = new Set(listOutbox(reopened.db).map((e) => e.idempotencyKey))
    const lost = acked.filter((key) => !queued.has(key))
    expect(lost).toEqual([])
    // At most the one write that committed while its ack was being printed comes without an ack.
    expect(queued.size - finalAcks).toBeGreaterThanOrEqual(0)
    expect(queued.size - finalAcks).toBeLessThanOrEqual(1)
    // Each queued write kept its local Observations, pending, in the same transaction.
    const pending = reopened.db.prepare("SELECT count(DISTINCT substr(write_id, 1, 36)) FROM health_resource WHERE pending = 1").pluck().get()
    expect(pending).toBe(queued.size)
    console.log(`crash test: ${queued.size} writes in the reopened outbox, 0 acknowledged lost, integrity ok`)
  } finally {
    reopened.close()
  }
})
