import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { METHOD_REQUIREMENTS } from '../../src-main/access/methods'
import {
  EXTRACTORS,
  GENESIS_HASH,
  appendEntries,
  canonicalJson,
  createAccessJournal,
  entryHash,
  exportJournal,
  toAuditEvent,
  verifyChain,
  workstationId,
  type JournalEntry,
} from '../../src-main/audit'
import type { JournalRow } from '../../src-main/audit/export'
import { CentralError, type CentralClient } from '../../src-main/central/types'
import type { Chart, MethodName, PatientSummary, Role, SessionState } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { createDispatcher, type Handlers } from '../../src-main/rpc/dispatcher'
import { RpcFailure } from '../../src-main/rpc/failure'
import { unusedHandlers } from '../fixtures/handlers'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

let temp: TempStore
beforeEach(() => {
  temp = openTempStore('chevet-audit-')
})
afterEach(() => temp.cleanup())

const ctx = { origin: 'test' }

function entry(n: number, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    recordedAt: `2026-11-23T10:00:${String(n).padStart(2, '0')}.000Z`,
    actor: 'prac-1',
    actorRole: 'infirmier',
    action: 'read',
    patientId: `pat-${n}`,
    entity: `Patient/pat-${n}`,
    purpose: 'care',
    workstation: 'ws-1',
    detail: { method: 'chart.open', outcome: 'success', elements: ['familyName', 'birthDate'] },
    ...over,
  }
}

interface Row extends JournalRow {
  exported_at: string | null
}
const rows = (): Row[] => temp.store.db.prepare('SELECT * FROM audit_journal ORDER BY seq').all() as Row[]

function unlock(): void {
  // What someone holding the key would do first: the append-only triggers stand in the way.
  temp.store.db.exec('DROP TRIGGER audit_journal_no_update; DROP TRIGGER audit_journal_no_delete;')
}

describe('hash chain', () => {
  it('writes canonical JSON: keys sorted at every level, undefined left out', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: null }], c: 'é' }, u: undefined })).toBe(
      '{"a":{"c":"é","d":[1,{"y":null,"z":1}]},"b":1}',
    )
  })

  it('chains each entry on the previous hash, the first on 64 zeros, with SHA-256 over the canonical fields', () => {
    appendEntries(temp.store.db, [entry(1), entry(2)])
    appendEntries(temp.store.db, [entry(3)])
    const [first, second, third] = rows()
    expect(first!.prev_hash).toBe(GENESIS_HASH)
    expect(second!.prev_hash).toBe(first!.hash)
    expect(third!.prev_hash).toBe(second!.hash)
    const expected = createHash('sha256')
      .update(
        canonicalJson({
          recorded_at: first!.recorded_at,
          actor: 'prac-1',
          actor_role: 'infirmier',
          action: 'read',
          patient_id: 'pat-1',
          entity: 'Patient/pat-1',
          purpose: 'care',
          workstation: 'ws-1',
          detail: first!.detail,
          prev_hash: GENESIS_HASH,
        }),
      )
      .digest('hex')
    expect(first!.hash).toBe(expected)
    expect(entryHash(third!)).toBe(third!.hash)
    expect(verifyChain(temp.store.db)).toEqual({ ok: true, entries: 3, head: third!.hash })
  })

  it('an empty journal verifies, with the zero head', () => {
    expect(verifyChain(temp.store.db)).toEqual({ ok: true, entries: 0, head: GENESIS_HASH })
  })

  it('two connections appending in turn never fork the chain', () => {
    const other = temp.reopen()
    for (let i = 0; i < 10; i++) appendEntries(i % 2 ? other.db : temp.store.db, [entry(i), entry(i + 20)])
    const all = rows()
    expect(all).toHaveLength(20)
    expect(new Set(all.map((r) => r.prev_hash)).size).toBe(20)
    expect(verifyChain(temp.store.db).ok).toBe(true)
  })

  it('is append-only: updating or deleting a row is refused, marking it exported is not', () => {
    appendEntries(temp.store.db, [entry(1)])
    const db = temp.store.db
    expect(() => db.prepare("UPDATE audit_journal SET patient_id = 'x'").run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM audit_journal').run()).toThrow(/append-only/)
    db.prepare("UPDATE audit_journal SET exported_at = '2026-11-23T11:00:00Z'").run()
    expect(verifyChain(db).ok).toBe(true)
  })

  it('names a changed row (hash), the row after a removed one (prev_hash) and a cut tail', () => {
    appendEntries(temp.store.db, [1, 2, 3, 4, 5].map((n) => entry(n)))
    unlock()
    const db = temp.store.db
    db.prepare("UPDATE audit_journal SET actor = 'someone-else' WHERE seq = 3").run()
    expect(verifyChain(db)).toMatchObject({ ok: false, broken: { check: 'hash', seq: 3 } })
    db.prepare("UPDATE audit_journal SET actor = 'prac-1' WHERE seq = 3").run()
    expect(verifyChain(db).ok).toBe(true)

    db.prepare('DELETE FROM audit_journal WHERE seq = 2').run()
    expect(verifyChain(db)).toMatchObject({ ok: false, broken: { check: 'prev_hash', seq: 3, previousSeq: 1 } })

    const tail = openTempStore('chevet-audit-tail-')
    try {
      appendEntries(tail.store.db, [1, 2, 3].map((n) => entry(n)))
      tail.store.db.exec('DROP TRIGGER audit_journal_no_delete')
      tail.store.db.prepare('DELETE FROM audit_journal WHERE seq = 3').run()
      expect(verifyChain(tail.store.db)).toMatchObject({ ok: false, broken: { check: 'tail', seq: 2, lastIssued: 3 } })
    } finally {
      tail.cleanup()
    }
  })

  it('a row re-hashed after a change breaks the link of the next one', () => {
    appendEntries(temp.store.db, [1, 2, 3].map((n) => entry(n)))
    unlock()
    const db = temp.store.db
    const second = rows()[1]!
    const forged = { ...second, patient_id: 'pat-99' }
    db.prepare('UPDATE audit_journal SET patient_id = ?, hash = ? WHERE seq = 2').run('pat-99', entryHash(forged))
    expect(verifyChain(db)).toMatchObject({ ok: false, broken: { check: 'prev_hash', seq: 3, previousSeq: 2 } })
  })
})

const patient = (id: string, over: Partial<PatientSummary> = {}): PatientSummary => ({
  id,
  familyName: 'DURAND',
  givenName: 'Hélène',
  birthName: null,
  sex: 'female',
  birthDate: '1950-02-03',
  ins: null,
  identityStatus: 'PROV',
  ipp: '123',
  unit: { id: 'u1', name: 'Cardiologie' },
  room: '101',
  bed: '101-1',
  admittedAt: '2026-11-20T08:00:00Z',
  ...over,
})

const vitals = { takenAt: '2026-11-23T08:00:00Z', systolic: 120, diastolic: 80, heartRate: 72, temperature: null, spo2: 97, respiratoryRate: null, pending: false }

const chart = (id: string): Chart => ({
  patient: patient(id),
  allergies: [{ substance: 'Pénicilline', criticality: 'high', reaction: null }],
  conditions: [],
  vitals: [vitals, { ...vitals, temperature: 38.2 }],
  results: [
    { id: 'obs-k', code: '2823-3', label: 'Potassium', value: 4.1, valueText: null, unit: 'mmol/L', low: 3.5, high: 5, interpretation: 'N', effectiveAt: null },
  ],
  fromCache: true,
  dataAsOf: null,
})

describe('extractors', () => {
  it('exist for exactly the methods the habilitation matrix says touch patient data', () => {
    const data = (Object.keys(METHOD_REQUIREMENTS) as MethodName[]).filter((m) => METHOD_REQUIREMENTS[m] !== 'none').sort()
    expect(Object.keys(EXTRACTORS).sort()).toEqual(data)
  })

  it('chart.open: the patient, one entry per section without ids, one per result, element names only', () => {
    const context = { conflictTask: () => null, written: () => [] }
    const touched = EXTRACTORS['chart.open']!.touched({ patientId: 'p1' }, chart('p1'), context)
    expect(touched.map((t) => t.entity)).toEqual(['Patient/p1', 'AllergyIntolerance', 'Observation', 'Observation/obs-k'])
    expect(touched[0]!.elements).toEqual(['admittedAt', 'bed', 'birthDate', 'familyName', 'givenName', 'identityStatus', 'ipp', 'room', 'sex', 'unit'])
    expect(touched[2]).toMatchObject({ count: 2, elements: ['diastolic', 'heartRate', 'spo2', 'systolic', 'takenAt', 'temperature'] })
    const text = JSON.stringify(touched)
    for (const value of ['DURAND', 'Hélène', 'Pénicilline', '4.1', '1950']) expect(text).not.toContain(value)
  })

  it('census.list: one entry per patient listed, lastVitals named when returned', () => {
    const context = { conflictTask: () => null, written: () => [] }
    const touched = EXTRACTORS['census.list']!.touched(
      {},
      { units: [], entries: [{ patient: patient('a'), lastVitals: vitals }, { patient: patient('b'), lastVitals: null }], dataAsOf: null },
      context,
    )
    expect(touched.map((t) => [t.patientId, t.elements.includes('lastVitals')])).toEqual([
      ['a', true],
      ['b', false],
    ])
  })
})

describe('the dispatcher and the journal', () => {
  function setup(options: { handlers?: Partial<Handlers>; state?: SessionState; role?: Role | null } = {}) {
    const log = createMemoryLogger()
    let state: SessionState = options.state ?? 'active'
    const journal = createAccessJournal({
      db: temp.store.db,
      log,
      who: () => (state === 'signed-out' ? null : { actor: 'prac-7', role: options.role ?? 'infirmier' }),
      now: () => new Date('2026-11-23T12:00:00Z'),
    })
    const dispatch = createDispatcher({
      handlers: { ...unusedHandlers(), ...options.handlers },
      log,
      sessionState: () => state,
      sessionRole: () => (state === 'signed-out' ? null : (options.role ?? 'infirmier')),
      journal,
    })
    return { dispatch, log, setState: (s: SessionState) => (state = s) }
  }

  it('journals a chart opened: who, role, workstation, patient, resources, purpose care, success', async () => {
    const { dispatch } = setup({ handlers: { 'chart.open': (p) => chart(p.patientId) } })
    expect((await dispatch({ method: 'chart.open', params: { patientId: 'p1' } }, ctx)).ok).toBe(true)
    const all = rows()
    expect(all).toHaveLength(4)
    expect(all[0]).toMatchObject({
      actor: 'prac-7',
      actor_role: 'infirmier',
      action: 'read',
      patient_id: 'p1',
      entity: 'Patient/p1',
      purpose: 'care',
      workstation: workstationId(temp.store.db),
      recorded_at: '2026-11-23T12:00:00.000Z',
    })
    expect(JSON.parse(all[0]!.detail!)).toMatchObject({ method: 'chart.open', outcome: 'success' })
    expect(verifyChain(temp.store.db).ok).toBe(true)
  })

  it('journals what the role was shown: a secretary’s chart has no vitals nor results, so no entries for them', async () => {
    const { dispatch } = setup({ role: 'secretaire', handlers: { 'chart.open': (p) => chart(p.patientId) } })
    expect((await dispatch({ method: 'chart.open', params: { patientId: 'p1' } }, ctx)).ok).toBe(true)
    expect(rows().map((r) => r.entity)).toEqual(['Patient/p1'])
  })

  it('journals refusals of data calls as one entry without resource, with the refusal code', async () => {
    const { dispatch, setState } = setup({
      role: 'secretaire',
      handlers: {
        'chart.open': () => {
          throw new RpcFailure('FORBIDDEN', 'patient outside your units')
        },
      },
    })
    expect(await dispatch({ method: 'vitals.record', params: { patientId: 'p2', heartRate: 80 } }, ctx)).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect(await dispatch({ method: 'chart.open', params: { patientId: 'p3' } }, ctx)).toMatchObject({ error: { code: 'FORBIDDEN' } })
    setState('locked')
    expect(await dispatch({ method: 'chart.open', params: { patientId: 'p4' } }, ctx)).toMatchObject({ error: { code: 'LOCKED' } })
    setState('signed-out')
    expect(await dispatch({ method: 'census.list', params: {} }, ctx)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
    expect(rows().map((r) => [r.action, r.patient_id, r.entity, JSON.parse(r.detail!).outcome, r.actor])).toEqual([
      ['create', 'p2', null, 'FORBIDDEN', 'prac-7'],
      ['read', 'p3', null, 'FORBIDDEN', 'prac-7'],
      ['read', 'p4', null, 'LOCKED', 'prac-7'],
      ['read', null, null, 'UNAUTHENTICATED', 'anonymous'],
    ])
  })

  it('does not journal methods without patient data', async () => {
    const { dispatch } = setup({ handlers: { 'sync.status': () => ({ connectivity: 'online' as const, dataAsOf: null, pendingWrites: 0, conflicts: 0 }) } })
    expect((await dispatch({ method: 'sync.status', params: {} }, ctx)).ok).toBe(true)
    expect(rows()).toHaveLength(0)
  })

  it('when the journal cannot be written: a read is refused (INTERNAL), a write stands; both logged without patient data', async () => {
    let wrote = 0
    const { dispatch, log } = setup({
      handlers: {
        'chart.open': (p) => chart(p.patientId),
        'vitals.record': () => {
          wrote++
          return { writeId: 'w1', state: 'queued' as const }
        },
      },
    })
    temp.store.db.exec("CREATE TRIGGER full BEFORE INSERT ON audit_journal BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    expect(await dispatch({ method: 'chart.open', params: { patientId: 'p1' } }, ctx)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'access journal unavailable' },
    })
    expect(await dispatch({ method: 'vitals.record', params: { patientId: 'p1', heartRate: 80 } }, ctx)).toEqual({
      ok: true,
      value: { writeId: 'w1', state: 'queued' },
    })
    expect(wrote).toBe(1)
    const failures = log.lines.filter((l) => l.event === 'audit.journal.failed')
    expect(failures.map((l) => l.fields.method)).toEqual(['chart.open', 'vitals.record'])
    expect(JSON.stringify(log.lines)).not.toMatch(/p1|DURAND/)
  })
})

describe('export', () => {
  function fakeCentral(answer: (bundle: unknown) => Promise<unknown>): CentralClient & { bundles: unknown[] } {
    const bundles: unknown[] = []
    const never = () => Promise.reject(new Error('not used'))
    return {
      bundles,
      baseUrl: 'http://127.0.0.1:1/fhir',
      ping: never,
      read: never,
      search: never,
      searchAll: () => ({ [Symbol.asyncIterator]: () => ({ next: never }) }),
      create: never,
      update: never,
      transaction: async (bundle) => {
        bundles.push(bundle)
        return (await answer(bundle)) as never
      },
    }
  }

  it('sends unexported entries as AuditEvents in batches, marks them, and keeps them when the central refuses', async () => {
    appendEntries(temp.store.db, [1, 2, 3, 4, 5].map((n) => entry(n)))
    const log = createMemoryLogger()
    const down = fakeCentral(() => Promise.reject(new CentralError('OFFLINE', 'unreachable', null, true)))
    expect(await exportJournal({ db: temp.store.db, central: down, log, batchSize: 2 })).toEqual({ exported: 0, remaining: 5, error: 'OFFLINE' })
    expect(rows().every((r) => r.exported_at === null)).toBe(true)

    const up = fakeCentral(async () => ({ resourceType: 'Bundle', type: 'transaction-response' }))
    expect(await exportJournal({ db: temp.store.db, central: up, log, batchSize: 2 })).toEqual({ exported: 5, remaining: 0, error: null })
    expect(up.bundles).toHaveLength(3)
    expect(rows().every((r) => r.exported_at !== null)).toBe(true)
    expect(verifyChain(temp.store.db).ok).toBe(true)
    expect(await exportJournal({ db: temp.store.db, central: up, log })).toEqual({ exported: 0, remaining: 0, error: null })
    expect(up.bundles).toHaveLength(3)
  })

  it('an AuditEvent carries the agent, the resource, the patient, the purpose and the chain (hash, prev, head)', () => {
    appendEntries(temp.store.db, [entry(1, { entity: 'Observation/local-w1-hr', detail: { method: 'vitals.record', outcome: 'success', elements: ['8867-4'] } })])
    const row = rows()[0]!
    const event = toAuditEvent(row, 'f'.repeat(64))
    expect(event).toMatchObject({
      action: 'R',
      outcome: '0',
      recorded: row.recorded_at,
      agent: [{ who: { reference: 'Practitioner/prac-1' }, requestor: true }],
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
    })
    expect(event.entity?.[0]?.what).toEqual({ type: 'Observation', identifier: { system: 'urn:chevet:write', value: 'w1-hr' } })
    expect(event.entity?.[1]?.what).toEqual({ reference: 'Patient/pat-1' })
    const chain = Object.fromEntries((event.entity?.[2]?.detail ?? []).map((d) => [d.type, d.valueString]))
    expect(chain).toMatchObject({ seq: '1', hash: row.hash, prev_hash: GENESIS_HASH, chain_head: 'f'.repeat(64) })
  })
})
