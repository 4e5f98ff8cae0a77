import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Chart as ChartSchema, CensusEntry as CensusSchema } from '../../src-main/contract'
import { migrations } from '../../src-main/store'
import {
  census,
  chart,
  enqueue,
  purgeDeparted,
  recordCensus,
  recordVitals,
  upsertResources,
} from '../../src-main/store/cache'
import { allergy, condition, ins, lab, patient, stay, unitTree, versioned, vitalSet } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

let temp: TempStore

beforeEach(() => {
  temp = openTempStore()
})

afterEach(() => {
  temp.cleanup()
})

const db = () => temp.store.db

function seedWard(): void {
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 3),
    ...unitTree('loc-pedia', 'Pédiatrie', 2, 4),
    patient({ id: 'p-helene', family: 'DURAND', given: ['Hélène', 'Marie'], birthDate: '1946-03-14', ins: ins('2460320004123'), ipp: '90000001' }),
    patient({ id: 'p-francois', family: 'LEFÈVRE', given: ['François'], sex: 'male', birthDate: '1952-10-02', status: 'VALI', ins: ins('1521020033045'), ipp: '90000002' }),
    patient({ id: 'p-zoe', family: "N'DIAYE", given: ['Zoé', 'Lou'], birthDate: '2026-03-18', ipp: '90000003', status: 'PROV' }),
    patient({ id: 'p-gone', family: 'ROUX', given: ['Mickaël'], sex: 'male', birthDate: '1990-07-07', ipp: '90000004' }),
    stay('enc-helene', 'p-helene', 'loc-cardio', 'loc-cardio-102-1'),
    stay('enc-francois', 'p-francois', 'loc-cardio', 'loc-cardio-101-2'),
    stay('enc-zoe', 'p-zoe', 'loc-pedia', 'loc-pedia-401-1'),
    stay('enc-gone', 'p-gone', 'loc-cardio', 'loc-cardio-103-1', 'finished'),
    ...vitalSet('v1', 'p-helene', '2026-11-22T06:00:00Z', { bp: [128, 76], hr: 72, temp: 37.1, spo2: 96, rr: 16, weight: 61 }),
    ...vitalSet('v2', 'p-helene', '2026-11-23T07:00:00+01:00', { bp: [141, 82], hr: 88, spo2: 94 }),
    ...vitalSet('v3', 'p-francois', '2026-11-22T20:00:00Z', { hr: 110, temp: 38.4 }),
    lab('l1', 'p-helene', '2026-11-21T07:00:00Z', '2823-3', 'Potassium', 5.4, 'mmol/L', [3.5, 5], 'H'),
    lab('l2', 'p-helene', '2026-11-22T07:00:00Z', '2823-3', 'Potassium', 4.6, 'mmol/L', [3.5, 5], 'N'),
    lab('l3', 'p-helene', '2026-11-22T07:00:00Z', '33762-6', 'NT-proBNP', 2400, 'pg/mL', [null, 450], 'H'),
    allergy('a1', 'p-helene', 'Pénicillines', 'high', 'Choc anaphylactique'),
    allergy('a2', 'p-helene', 'Latex', 'low', 'Urticaire', 'inactive'),
    condition('c1', 'p-helene', 'I50.9', 'Insuffisance cardiaque'),
    condition('c2', 'p-helene', 'J18.9', 'Pneumopathie', 'resolved'),
  ])
}

describe('schema', () => {
  it('migrates to the latest version with STRICT cache tables and their indexes', () => {
    expect(temp.store.schemaVersion).toBe(migrations.at(-1)!.version)
    expect(temp.store.schemaVersion).toBeGreaterThanOrEqual(2)
    const tables = db().prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all() as { name: string; sql: string }[]
    const byName = new Map(tables.map((t) => [t.name, t.sql]))
    for (const name of ['identity', 'identity_token', 'administrative', 'encounter', 'location', 'health_resource', 'outbox', 'conflict_task', 'sync_state']) {
      expect(byName.get(name), name).toMatch(/STRICT/)
    }
    const indexes = db().prepare("SELECT name FROM sqlite_master WHERE type = 'index'").pluck().all() as string[]
    expect(indexes).toEqual(expect.arrayContaining(['identity_token_patient', 'identity_ins', 'administrative_ipp', 'administrative_bed', 'health_resource_chart', 'outbox_state']))
    expect(db().pragma('integrity_check', { simple: true })).toBe('ok')
  })

  it('reopens an existing cache without migrating again', () => {
    seedWard()
    temp.store.close()
    const again = temp.reopen()
    expect(again.schemaVersion).toBe(migrations.at(-1)!.version)
    expect(again.db.prepare('SELECT count(*) FROM identity').pluck().get()).toBe(4)
  })
})

describe('resources', () => {
  it('keeps version ids and ignores an older or identical version', () => {
    const v2 = versioned(patient({ id: 'p1', family: 'DURAND', given: ['Hélène'] }), '2', '2026-11-23T10:00:00.000Z')
    const v1 = versioned(patient({ id: 'p1', family: 'DUPONT', given: ['Hélène'] }), '1', '2026-11-22T10:00:00.000Z')
    expect(upsertResources(db(), [v2]).written).toBe(1)
    const again = upsertResources(db(), [v2, v1])
    expect(again).toMatchObject({ written: 0, skipped: 2, maxLastUpdated: '2026-11-23T10:00:00.000Z' })
    expect(db().prepare('SELECT version_id, family_name FROM identity WHERE patient_id = ?').get('p1')).toEqual({ version_id: '2', family_name: 'DURAND' })
  })

  it('accepts an Observation before its Patient, and a Practitioner in the professional table', () => {
    const result = upsertResources(db(), [
      ...vitalSet('early', 'p-later', '2026-11-22T06:00:00Z', { hr: 70 }),
      { resourceType: 'Practitioner', id: 'pr-1', identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.1', value: '810001234567' }], name: [{ family: 'MARTIN' }] },
    ])
    expect(result.written).toBe(2)
    expect(db().prepare("SELECT patient_id FROM health_resource WHERE id = 'early-hr'").pluck().get()).toBe('p-later')
    expect(db().prepare("SELECT national_id FROM professional WHERE id = 'pr-1'").pluck().get()).toBe('810001234567')
  })
})

describe('census', () => {
  it('lists the in-progress stays of the units, in bed order, with the newest vital-sign set', () => {
    seedWard()
    const entries = census(db(), ['loc-cardio'])
    for (const entry of entries) CensusSchema.parse(entry)
    expect(entries.map((e) => [e.patient.familyName, e.patient.bed, e.patient.room])).toEqual([
      ['LEFÈVRE', '101-2', '101'],
      ['DURAND', '102-1', '102'],
    ])
    const helene = entries[1]!
    expect(helene.patient.unit).toEqual({ id: 'loc-cardio', name: 'Cardiologie' })
    expect(helene.patient.admittedAt).toBe('2026-11-20T08:00:00.000Z')
    // 07:00+01:00 is 06:00Z on the 23rd: newer than the 22nd's set, whatever the offset.
    expect(helene.lastVitals).toEqual({
      takenAt: '2026-11-23T06:00:00.000Z',
      systolic: 141,
      diastolic: 82,
      heartRate: 88,
      temperature: null,
      spo2: 94,
      respiratoryRate: null,
      pending: false,
    })
    expect(census(db(), ['loc-pedia']).map((e) => e.patient.id)).toEqual(['p-zoe'])
    expect(census(db(), ['loc-cardio', 'loc-pedia'])).toHaveLength(3)
  })

  it('shows the INS of qualified identities only (RNIV)', () => {
    seedWard()
    const byId = new Map(census(db(), ['loc-cardio', 'loc-pedia']).map((e) => [e.patient.id, e.patient]))
    expect(byId.get('p-helene')).toMatchObject({ ins: ins('2460320004123'), identityStatus: 'QUAL', ipp: '90000001' })
    expect(byId.get('p-francois')).toMatchObject({ ins: null, identityStatus: 'VALI' })
    expect(byId.get('p-zoe')).toMatchObject({ ins: null, identityStatus: 'PROV' })
  })

  it('moves a patient when the stay changes and drops them at discharge', () => {
    seedWard()
    upsertResources(db(), [versioned(stay('enc-francois', 'p-francois', 'loc-cardio', 'loc-cardio-103-2'), '2', '2026-11-23T09:00:00Z')])
    expect(census(db(), ['loc-cardio']).find((e) => e.patient.id === 'p-francois')?.patient.bed).toBe('103-2')
    upsertResources(db(), [versioned(stay('enc-francois', 'p-francois', 'loc-cardio', 'loc-cardio-103-2', 'finished'), '3', '2026-11-23T10:00:00Z')])
    expect(census(db(), ['loc-cardio']).map((e) => e.patient.id)).toEqual(['p-helene'])
  })
})

describe('chart', () => {
  it('gives allergies, active conditions, vital-sign sets and results newest first, in the contract shape', () => {
    seedWard()
    const c = ChartSchema.parse(chart(db(), 'p-helene'))
    expect(c.patient).toMatchObject({ familyName: 'DURAND', givenName: 'Hélène', bed: '102-1' })
    expect(c.allergies).toEqual([{ substance: 'Pénicillines', criticality: 'high', reaction: 'Choc anaphylactique' }])
    expect(c.conditions).toEqual([{ code: 'I50.9', label: 'Insuffisance cardiaque' }])
    expect(c.vitals.map((v) => v.takenAt)).toEqual(['2026-11-23T06:00:00.000Z', '2026-11-22T06:00:00.000Z'])
    expect(c.vitals[1]).toMatchObject({ systolic: 128, diastolic: 76, heartRate: 72, temperature: 37.1, spo2: 96, respiratoryRate: 16 })
    // Two results of the same draw, then the older potassium.
    expect(c.results.slice(0, 2).map((r) => [r.code, r.value, r.interpretation]).sort()).toEqual([
      ['2823-3', 4.6, 'N'],
      ['33762-6', 2400, 'H'],
    ])
    expect(c.results[2]).toMatchObject({ code: '2823-3', value: 5.4, interpretation: 'H', low: 3.5, high: 5 })
    expect(c.results.find((r) => r.code === '33762-6')).toMatchObject({ label: 'NT-proBNP', unit: 'pg/mL', low: null, high: 450 })
    expect(c.results.at(-1)?.effectiveAt).toBe('2026-11-21T07:00:00.000Z')
    expect(c.fromCache).toBe(true)
    expect(chart(db(), 'nobody')).toBeNull()
  })

  it('marks a set pending while its write is in the outbox', () => {
    seedWard()
    recordVitals(db(), { patientId: 'p-helene', takenAt: '2026-11-23T12:00:00Z', heartRate: 91, temperature: 38.2 }, { practitionerId: 'pr-1' })
    const [newest] = chart(db(), 'p-helene')!.vitals
    expect(newest).toMatchObject({ takenAt: '2026-11-23T12:00:00.000Z', heartRate: 91, temperature: 38.2, pending: true })
  })

  it('reads a 50,000-observation chart through the index, bounded by its LIMITs', () => {
    seedWard()
    const start = Date.parse('2026-06-15T00:00:00Z')
    const heavy = []
    for (let i = 0; i < 50_000; i++) {
      const at = new Date(start + Math.floor(i / 3) * 15 * 60_000).toISOString()
      const kind = i % 3
      heavy.push(
        ...(kind === 0
          ? vitalSet(`h${i}`, 'p-helene', at, { bp: [130, 80] })
          : kind === 1
            ? vitalSet(`h${i}`, 'p-helene', at, { hr: 70 + (i % 20) })
            : [lab(`h${i}-lab`, 'p-helene', at, '2823-3', 'Potassium', 4 + (i % 10) / 10, 'mmol/L', [3.5, 5], 'N')]),
      )
    }
    const inserted = Date.now()
    upsertResources(db(), heavy)
    const insertMs = Date.now() - inserted
    const times: number[] = []
    let c = chart(db(), 'p-helene')!
    for (let i = 0; i < 20; i++) {
      const t = performance.now()
      c = chart(db(), 'p-helene')!
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    console.log(`heavy chart: 50,000 observations inserted in ${insertMs} ms; chart() median ${times[10]!.toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms`)
    expect(c.vitals).toHaveLength(50)
    expect(c.results).toHaveLength(100)
    expect(c.vitals[0]).toMatchObject({ systolic: 130, diastolic: 80 })
    const plan = (sql: string, ...params: unknown[]) =>
      (db().prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ')
    const vitalsPlan = plan(
      `SELECT DISTINCT effective_at FROM health_resource WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'vital-signs'
       AND effective_at IS NOT NULL AND code IN ('85354-9', '8867-4') ORDER BY effective_at DESC LIMIT 50`,
      'p-helene',
    )
    expect(vitalsPlan).toMatch(/USING INDEX health_resource_(chart|code)/)
    expect(vitalsPlan).not.toMatch(/SCAN health_resource(?! USING)/)
    // Inserting 50,000 observations is the slow part (several seconds on a busy CI machine); speed is the bench's job.
  }, 120_000)
})

describe('retention', () => {
  it('purges patients who left more than 72 h ago, never one with a write still to send', () => {
    seedWard()
    const t0 = new Date('2026-11-20T12:00:00Z')
    recordCensus(db(), ['p-helene', 'p-francois'], t0.toISOString())
    // p-zoe and p-gone have left at t0; p-zoe has a write that the central has not acknowledged.
    enqueue(db(), { idempotencyKey: 'k-zoe', kind: 'vitals.record', method: 'POST', resourceType: 'Observation', patientId: 'p-zoe', body: { resourceType: 'Observation' } })
    expect(purgeDeparted(db(), { now: new Date(t0.getTime() + 71 * 3_600_000) }).patientIds).toEqual([])
    expect(purgeDeparted(db(), { now: new Date(t0.getTime() + 73 * 3_600_000) }).patientIds).toEqual(['p-gone'])
    const count = (table: string, id: string) => db().prepare(`SELECT count(*) FROM ${table} WHERE patient_id = ?`).pluck().get(id)
    for (const table of ['identity', 'identity_token', 'administrative', 'encounter', 'health_resource']) expect(count(table, 'p-gone')).toBe(0)
    expect(count('identity', 'p-zoe')).toBe(1)
    expect(count('identity', 'p-helene')).toBe(1)
    // Back in the unit: the clock stops; the 12-hour delay of another setting applies from the next departure.
    recordCensus(db(), ['p-helene', 'p-francois', 'p-zoe'], new Date(t0.getTime() + 74 * 3_600_000).toISOString())
    db().prepare("UPDATE outbox SET state = 'sent' WHERE idempotency_key = 'k-zoe'").run()
    expect(purgeDeparted(db(), { now: new Date(t0.getTime() + 200 * 3_600_000) }).patientIds).toEqual([])
    recordCensus(db(), ['p-helene'], new Date(t0.getTime() + 200 * 3_600_000).toISOString())
    expect(purgeDeparted(db(), { delayHours: 12, now: new Date(t0.getTime() + 213 * 3_600_000) }).patientIds.sort()).toEqual(['p-francois', 'p-zoe'])
    expect(db().prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(0)
  })
})
