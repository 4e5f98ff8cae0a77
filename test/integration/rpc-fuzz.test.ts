import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extractorFor } from '../../src-main/audit/extractors'
import { composeServices, type Services } from '../../src-main/compose'
import { loadConfig } from '../../src-main/config'
import { MAX_REQUEST_BYTES, methods, type RpcResponse } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { envKeyVault } from '../../src-main/store/key-vault'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'

/*
 * Issue 10, RPC fuzzing against the real composed services (compose.ts with its store, session, journal and a
 * training central over loopback HTTP), signed out. 10,000 generated calls, malformed at every level the
 * dispatcher checks: not JSON, wrong request shape, unknown methods (prototype names included), params of the
 * wrong type, missing or extra fields, `__proto__` / `constructor` keys, huge strings, deep nesting. Expected:
 * - a call the contract refuses (request shape, method, params, or over MAX_REQUEST_BYTES) → INVALID;
 * - a generated call that happens to be well-formed → UNAUTHENTICATED for a session method (nobody is signed in);
 *   well-formed calls to public methods (sign-in, lock, status…) are never sent: they would really run (a PIN
 *   tried on a card);
 * - no throw, no other code, the process alive, Object.prototype untouched;
 * - no state change: every table identical (rows hashed) except the access journal, which gains exactly one
 *   refusal entry (outcome UNAUTHENTICATED, no actor) per well-formed call to a journaled method, and nothing
 *   for an INVALID one (the dispatcher refuses those before the journal).
 * test/unit/dispatcher.test.ts already fuzzes the bare dispatcher; this one is about the composed services.
 */

const CALLS = 10_000
const SEED = Number(process.env.CHEVET_FUZZ_SEED ?? 20261123)

let dir: string
let central: TrainingCentral
let services: Services

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-fuzz-'))
  const log = createMemoryLogger()
  central = await startTrainingCentral({ dir: path.join(dir, 'central'), hospital: { pastPatients: 10, heavyObservations: 0 }, log })
  const config = loadConfig({ CHEVET_DATA_DIR: path.join(dir, 'data'), CHEVET_CENTRAL_URL: central.fhirUrl, CHEVET_TRAINING_DIR: path.join(dir, 'central') })
  services = await composeServices({ config, shell: 'browser-host', keyVault: envKeyVault(randomBytes(32).toString('hex')), log })
}, 180_000)

afterAll(async () => {
  await services?.close()
  await central?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** mulberry32: a small seeded generator, so a failure can be replayed with CHEVET_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const METHOD_NAMES = Object.keys(methods) as (keyof typeof methods)[]
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']

function deep(depth: number, leaf: unknown): unknown {
  let value = leaf
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value }
  return value
}

/** JSON.parse makes `__proto__` an own key, as a hostile renderer's JSON would. */
function withKey(key: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  return JSON.parse(`{${[...Object.keys(base).map((k) => `${JSON.stringify(k)}:${JSON.stringify(base[k])}`), `${JSON.stringify(key)}:${JSON.stringify(value)}`].join(',')}}`) as Record<string, unknown>
}

type Kind = 'raw' | 'shape' | 'method' | 'params-type' | 'params-field' | 'proto-key' | 'huge' | 'deep'

function generator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const int = (n: number) => Math.floor(random() * n)
  const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + int(0x2fff))).join('')
  const scalar = (): unknown => pick([0, -1, 1.5, Number.MAX_SAFE_INTEGER, '', 'x', text(8), true, false, null, [], [1, 'a'], {}])
  const fields = ['patientId', 'query', 'slotId', 'pin', 'text', 'kind', 'id', 'reason', 'limit', 'refresh', 'taskId', 'choice', 'vitals', 'filters']

  return function next(): { kind: Kind; raw: unknown } {
    const kind = pick<Kind>(['raw', 'shape', 'method', 'params-type', 'params-field', 'proto-key', 'huge', 'deep'])
    const method = pick(METHOD_NAMES)
    switch (kind) {
      case 'raw':
        return { kind, raw: pick(['', '{', '[]', 'null', '42', '"auth.signIn"', '{"method":', text(20), `{"method":"${method}","params":}`, '\u0000\u0001']) }
      case 'shape':
        return {
          kind,
          raw: pick<unknown>([
            null,
            42,
            'x',
            [method, {}],
            {},
            { params: {} },
            { method: 42 },
            { method: '' },
            { method: 'x'.repeat(101) },
            { method, params: {}, extra: 1 },
            { method: [method] },
            withKey('__proto__', { method }),
          ]),
        }
      case 'method':
        return { kind, raw: { method: pick([...PROTOTYPE_NAMES, text(int(30) + 1), `${method}.x`, method.toUpperCase(), ` ${method}`, 'system.', '.']), params: {} } }
      case 'params-type':
        return { kind, raw: { method, params: pick<unknown>([42, 'x', true, [], [{}], -0, text(5)]) } }
      case 'params-field': {
        const params: Record<string, unknown> = {}
        for (let i = int(4); i > 0; i--) params[pick(fields)] = scalar()
        return { kind, raw: random() < 0.1 ? { method } : { method, params } }
      }
      case 'proto-key':
        return {
          kind,
          raw: {
            method,
            params: withKey(pick(['__proto__', 'constructor', 'prototype']), pick<unknown>([{ polluted: true }, { prototype: { polluted: true } }, 'x', null]), random() < 0.5 ? { patientId: 'pat-0001' } : {}),
          },
        }
      case 'huge':
        return random() < 0.5
          ? { kind, raw: { method, params: { [pick(fields)]: 'A'.repeat(MAX_REQUEST_BYTES + int(1000)) } } }
          : { kind, raw: { method, params: { [pick(fields)]: 'B'.repeat(int(200_000) + 1000) } } }
      case 'deep':
        return { kind, raw: { method, params: { [pick(fields)]: deep(pick([50, 500, 2000]), scalar()) } } }
    }
  }
}

/** What the contract says of a call, independently of the services: INVALID, or the method it names. */
function contractVerdict(raw: unknown): { invalid: true } | { invalid: false; method: keyof typeof methods } {
  let request = raw
  if (typeof raw === 'string') {
    if (raw.length > MAX_REQUEST_BYTES) return { invalid: true }
    try {
      request = JSON.parse(raw)
    } catch {
      return { invalid: true }
    }
  } else {
    try {
      if ((JSON.stringify(raw)?.length ?? 0) > MAX_REQUEST_BYTES) return { invalid: true }
    } catch {
      return { invalid: true }
    }
  }
  if (!request || typeof request !== 'object' || Array.isArray(request)) return { invalid: true }
  const keys = Object.keys(request)
  const { method, params } = request as { method?: unknown; params?: unknown }
  if (keys.some((k) => k !== 'method' && k !== 'params') || typeof method !== 'string' || method.length < 1 || method.length > 100) return { invalid: true }
  if (!Object.prototype.hasOwnProperty.call(methods, method)) return { invalid: true }
  const name = method as keyof typeof methods
  return methods[name].params.safeParse(params ?? {}).success ? { invalid: false, method: name } : { invalid: true }
}

/** Every table's rows, hashed (the journal apart): what "no state change" compares. */
function snapshot(): { tables: Record<string, string>; journal: { detail: string; actor: string }[] } {
  const db = services.store.db
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name)
  const tables: Record<string, string> = {}
  for (const name of names) {
    if (name === 'audit_journal') continue
    // The journal's AUTOINCREMENT counter moves with the journal, checked below.
    const query = name === 'sqlite_sequence' ? "SELECT * FROM sqlite_sequence WHERE name != 'audit_journal'" : `SELECT * FROM "${name}"`
    const rows = db.prepare(query).raw().all()
    tables[name] = `${rows.length}:${createHash('sha256').update(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : Buffer.isBuffer(v) ? v.toString('hex') : v))).digest('hex')}`
  }
  const journal = db.prepare('SELECT detail, actor FROM audit_journal ORDER BY seq').all() as { detail: string; actor: string }[]
  return { tables, journal }
}

describe('RPC fuzzing of the composed services', () => {
  it(`answers ${CALLS} malformed calls INVALID (well-formed ones UNAUTHENTICATED), without a crash or a state change`, async () => {
    const next = generator(prng(SEED))
    const before = snapshot()
    expect(Object.keys(before.tables).length).toBeGreaterThan(5)
    const outcomes = new Map<string, number>()
    const byKind = new Map<string, number>()
    const msByKind = new Map<string, number>()
    const unexpected: string[] = []
    let wellFormed = 0
    let journaledRefusals = 0
    let sent = 0
    const started = performance.now()
    while (sent < CALLS) {
      const { kind, raw } = next()
      const verdict = contractVerdict(raw)
      // A well-formed public call would really run (a PIN tried on a card, a lock, an e-CPS start): never sent.
      if (!verdict.invalid && methods[verdict.method].access !== 'session') continue
      sent += 1
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1)
      let answer: RpcResponse
      const callStarted = performance.now()
      try {
        answer = await services.dispatch(raw, { origin: 'fuzz' })
      } catch (error) {
        unexpected.push(`${kind}: threw ${String(error)}`)
        continue
      } finally {
        msByKind.set(kind, (msByKind.get(kind) ?? 0) + performance.now() - callStarted)
      }
      const code = answer.ok ? 'ok' : answer.error.code
      outcomes.set(code, (outcomes.get(code) ?? 0) + 1)
      const expected = verdict.invalid ? 'INVALID' : 'UNAUTHENTICATED'
      if (!verdict.invalid) {
        wellFormed += 1
        if (code === 'UNAUTHENTICATED' && extractorFor(verdict.method)) journaledRefusals += 1
      }
      if (code !== expected && unexpected.length < 20) unexpected.push(`${kind}: expected ${expected}, got ${code} for ${JSON.stringify(raw)?.slice(0, 200)}`)
    }
    const ms = Math.round(performance.now() - started)
    console.log(
      `rpc fuzz (seed ${SEED}): ${sent} calls in ${ms} ms — by kind ${JSON.stringify(Object.fromEntries(byKind))} ` +
        `(ms in dispatch ${JSON.stringify(Object.fromEntries([...msByKind].map(([k, v]) => [k, Math.round(v)])))}); ` +
        `answers ${JSON.stringify(Object.fromEntries(outcomes))}; ${wellFormed} well-formed, ${journaledRefusals} journaled refusals`,
    )
    expect(unexpected).toEqual([])
    expect(outcomes.get('INVALID') ?? 0).toBe(sent - wellFormed)
    expect(outcomes.get('UNAUTHENTICATED') ?? 0).toBe(wellFormed)
    for (const kind of ['raw', 'shape', 'method', 'params-type', 'params-field', 'proto-key', 'huge', 'deep']) expect(byKind.get(kind) ?? 0).toBeGreaterThan(500)

    // No prototype pollution reached this process.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()

    const after = snapshot()
    expect(after.tables).toEqual(before.tables)
    const added = after.journal.slice(before.journal.length)
    expect(added).toHaveLength(journaledRefusals)
    for (const entry of added) expect(JSON.parse(entry.detail)).toMatchObject({ outcome: 'UNAUTHENTICATED' })

    // Still serving: a well-formed public call answers.
    const status = await services.dispatch({ method: 'session.status', params: {} }, { origin: 'fuzz' })
    expect(status).toMatchObject({ ok: true, value: { state: 'signed-out' } })
  }, 300_000)
})
