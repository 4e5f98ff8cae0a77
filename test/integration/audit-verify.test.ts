import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AuditEvent } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AUDIT_JOURNAL_SYSTEM, createAccessJournal, exportJournal, verifyChain } from '../../src-main/audit'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { createDispatcher, type Dispatch } from '../../src-main/rpc/dispatcher'
import { RpcFailure } from '../../src-main/rpc/failure'
import { openStore } from '../../src-main/store'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer } from '../../src-main/training/fhir-server'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'
import { unusedHandlers } from '../fixtures/handlers'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral } from '../fixtures/sync/training'

// The access journal end to end: entries written by the real dispatcher over the real store and sync engine, exported
// to the training central in a sync round, then tampered with by someone holding the key; `chevet audit verify`,
// run as the command a hospital IT person types, names the broken entry.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const launcher = path.join(root, 'bin', 'chevet.mjs')

let hospital: TrainingHospital
let server: FhirServer
let temp: TempStore
let engine: SyncEngine
let dispatch: Dispatch
let practitionerId: string
const ctx = { origin: 'test' }

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function auditVerify(...args: string[]): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHEVET_')))
  const env = { ...clean, CHEVET_DATA_DIR: temp.dir, CHEVET_DB_KEY: temp.key.toString('hex') }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, 'audit', 'verify', ...args], { cwd: temp.dir, env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const count = (): number => temp.store.db.prepare('SELECT count(*) FROM audit_journal').pluck().get() as number

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 40, heavyObservations: 2_000 })
  const doctor = hospital.staff.find((s) => s.key === 'medecin')!
  practitionerId = doctor.practitionerId
  server = await startTrainingCentral({ hospital, user: { id: doctor.practitionerId, units: doctor.units, role: 'medecin' } })
  temp = openTempStore('chevet-audit-int-')
  const log = createMemoryLogger()
  engine = createSyncEngine({
    db: temp.store.db,
    central: clientFor(server.url),
    user: { practitionerId: doctor.practitionerId, units: doctor.units },
    log,
    events: new EventBus(),
  })
  expect((await engine.syncNow()).ok).toBe(true)
  dispatch = createDispatcher({
    log,
    sessionState: () => 'active',
    sessionRole: () => 'medecin',
    journal: createAccessJournal({ db: temp.store.db, log, who: () => ({ actor: doctor.practitionerId, role: 'medecin' }) }),
    handlers: {
      ...unusedHandlers(),
      'census.list': () => ({ units: [], entries: engine.census(), dataAsOf: engine.dataAsOf() }),
      'chart.open': (params) => {
        const chart = engine.chart(params.patientId)
        if (!chart) throw new RpcFailure('NOT_FOUND', 'chart not in the cache')
        return chart
      },
      'vitals.record': (params) => engine.recordVitals(params),
    },
  })
}, 120_000)

afterAll(async () => {
  await engine?.stop()
  await server?.close()
  temp?.cleanup()
})

describe('access journal', () => {
  it('journals the census, a chart and a vital-sign set through the dispatcher; the chain verifies', async () => {
    const census = await dispatch({ method: 'census.list', params: {} }, ctx)
    if (!census.ok) throw new Error(census.error.message)
    const entries = (census.value as { entries: { patient: { id: string } }[] }).entries
    expect(entries.length).toBeGreaterThan(0)
    expect(count()).toBe(entries.length)

    const patientId = entries[0]!.patient.id
    expect((await dispatch({ method: 'chart.open', params: { patientId } }, ctx)).ok).toBe(true)
    const written = await dispatch({ method: 'vitals.record', params: { patientId, heartRate: 88, systolic: 130, diastolic: 85 } }, ctx)
    if (!written.ok) throw new Error(written.error.message)
    const writeId = (written.value as { writeId: string }).writeId
    const created = temp.store.db
      .prepare("SELECT entity FROM audit_journal WHERE action = 'create' AND patient_id = ? ORDER BY seq")
      .pluck()
      .all(patientId) as string[]
    // The set's Observations, and the Provenance that signs them (issue 7: every write carries one).
    const observations = created.filter((entity) => entity.startsWith('Observation/'))
    expect(observations.length).toBeGreaterThanOrEqual(2)
    for (const entity of observations) expect(entity).toMatch(new RegExp(`^Observation/local-${writeId}-`))
    expect(created.filter((entity) => entity.startsWith('Provenance'))).toHaveLength(1)
    expect(created.length).toBe(observations.length + 1)
    expect(await dispatch({ method: 'chart.open', params: { patientId: 'not-in-cache' } }, ctx)).toMatchObject({ error: { code: 'NOT_FOUND' } })
    console.log(`journal: ${count()} entries after census (${entries.length} patients), one chart, one vital-sign set, one refusal`)

    const run = await auditVerify()
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`^OK : ${count()} entrées, tête [0-9a-f]{64}`))
    const json = await auditVerify('--json')
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, entries: count() })
  })

  it('exports the journal to the central in the sync round, as AuditEvents with the chain; an unreachable central keeps it', async () => {
    const offline = await exportJournal({ db: temp.store.db, central: clientFor('http://127.0.0.1:9/fhir'), log: createMemoryLogger() })
    expect(offline).toMatchObject({ exported: 0, remaining: count() })
    expect(offline.error).not.toBeNull()

    const round = await engine.syncNow()
    expect(round.ok).toBe(true)
    const unexported = temp.store.db.prepare('SELECT count(*) FROM audit_journal WHERE exported_at IS NULL').pluck().get()
    expect(unexported).toBe(0)

    const found = await server.repo.search<AuditEvent>({ resourceType: 'AuditEvent', count: 1000 })
    const ours = (found.entry ?? []).map((e) => e.resource!).filter((event) => event.entity?.some((e) => e.type?.system === AUDIT_JOURNAL_SYSTEM))
    expect(ours).toHaveLength(count())
    const hashes = new Set(ours.map((event) => event.entity?.flatMap((e) => e.detail ?? []).find((d) => d.type === 'hash')?.valueString))
    const local = temp.store.db.prepare('SELECT hash FROM audit_journal').pluck().all() as string[]
    expect([...hashes].sort()).toEqual([...local].sort())
    expect(ours.every((event) => event.agent?.[0]?.who?.reference === `Practitioner/${practitionerId}`)).toBe(true)
    console.log(`exported ${ours.length} AuditEvents to the training central`)
  })

  it('a row changed by someone holding the key: `chevet audit verify` exits 1 and names it; a deleted row is named too', async () => {
    const attacker = openStore({ file: temp.file, key: temp.key })
    try {
      attacker.db.exec('DROP TRIGGER audit_journal_no_update; DROP TRIGGER audit_journal_no_delete;')
      const seqs = attacker.db.prepare('SELECT seq FROM audit_journal ORDER BY seq').pluck().all() as number[]
      const changed = seqs[Math.floor(seqs.length / 2)]!
      const original = attacker.db.prepare('SELECT actor FROM audit_journal WHERE seq = ?').pluck().get(changed) as string
      attacker.db.prepare("UPDATE audit_journal SET actor = 'someone-else' WHERE seq = ?").run(changed)

      const broken = await auditVerify()
      expect(broken.code).toBe(1)
      expect(broken.stdout).toContain(`seq ${changed} `)
      expect(broken.stdout).toMatch(/ROMPU : .*hash ne correspond plus à son contenu/)
      console.log(`changed row → ${broken.stdout.trim()}`)

      attacker.db.prepare('UPDATE audit_journal SET actor = ? WHERE seq = ?').run(original, changed)
      expect((await auditVerify()).code).toBe(0)

      const removed = seqs[3]!
      attacker.db.prepare('DELETE FROM audit_journal WHERE seq = ?').run(removed)
      const gap = await auditVerify('--json')
      expect(gap.code).toBe(1)
      expect(JSON.parse(gap.stdout)).toMatchObject({ ok: false, broken: { check: 'prev_hash', seq: seqs[4], previousSeq: seqs[2] } })
      const text = await auditVerify()
      expect(text.stdout).toContain(`entrée seq ${removed} absente`)
      console.log(`deleted row → ${text.stdout.trim()}`)
      expect(verifyChain(temp.store.db).ok).toBe(false)
    } finally {
      attacker.close()
    }
  })
})
