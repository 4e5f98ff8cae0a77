import type { Bundle, Observation } from '@medplum/fhirtypes'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ACVPU_SYSTEM, readExtraVitals, VITAL_SIGN_LOCAL_SYSTEM } from '../../src-main/clinical/vital-codes'
import { Chart as ChartSchema, CensusEntry as CensusSchema, RecordVitalsParams } from '../../src-main/contract'
import { census, chart, recordVitals, upsertResources } from '../../src-main/store/cache'
import { patient, stay, unitTree, vitalSet } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

/** Issue 7: air/O2, ACVPU, pain, weight and height through the write path and back; NEWS2 in census and chart. */

let temp: TempStore
beforeEach(() => {
  temp = openTempStore()
})
afterEach(() => {
  temp.cleanup()
})
const db = () => temp.store.db

function seed(): void {
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 3),
    ...unitTree('loc-pedia', 'Pédiatrie', 2, 4),
    patient({ id: 'p-adult', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14', ipp: '90000001' }),
    patient({ id: 'p-child', family: 'MARTIN', given: ['Zoé'], birthDate: '2020-03-18', ipp: '90000003' }),
    stay('enc-adult', 'p-adult', 'loc-cardio', 'loc-cardio-102-1'),
    stay('enc-child', 'p-child', 'loc-pedia', 'loc-pedia-401-1'),
    // Six parameters only: no air/O2 nor ACVPU, so no NEWS2 from it.
    ...vitalSet('v1', 'p-adult', '2026-11-22T06:00:00Z', { bp: [128, 76], hr: 72, temp: 37.1, spo2: 96, rr: 16 }),
  ])
}

const FULL = {
  systolic: 88,
  diastolic: 50,
  heartRate: 125,
  temperature: 39.2,
  spo2: 90,
  respiratoryRate: 26,
  supplementalOxygen: true,
  oxygenFlow: 4,
  consciousness: 'C' as const,
  pain: 6,
  weight: 61.5,
  height: 163,
}

/** The Observations of the newest vital-sign set: a set may be queued in parts (`<key>`, `<key>-2`), each with its Provenance. */
function queuedObservations(): Observation[] {
  const newest = db().prepare("SELECT idempotency_key FROM outbox WHERE kind = 'vitals.record' ORDER BY seq DESC LIMIT 1").pluck().get() as string
  const key = newest.slice(0, 36)
  const bodies = db()
    .prepare("SELECT body FROM outbox WHERE kind = 'vitals.record' AND (idempotency_key = ? OR idempotency_key LIKE ? || '-%') ORDER BY seq")
    .pluck()
    .all(key, key) as string[]
  return bodies
    .flatMap((body) => (JSON.parse(body) as Bundle).entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Observation => r?.resourceType === 'Observation')
}

const byCode = (observations: Observation[], code: string): Observation | undefined =>
  observations.find((o) => o.code.coding?.some((c) => c.code === code))

describe('FHIR mapping of the added vital signs', () => {
  it('queues air/O2 with its flow, ACVPU, pain, weight and height as coded Observations', () => {
    seed()
    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T12:00:00Z', ...FULL }, { practitionerId: 'pr-1' })
    const observations = queuedObservations()
    expect(observations).toHaveLength(10)

    const o2 = byCode(observations, 'oxygenotherapie')!
    expect(o2.code.coding?.[0]?.system).toBe(VITAL_SIGN_LOCAL_SYSTEM)
    expect(o2.valueBoolean).toBe(true)
    expect(o2.component?.[0]?.code.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '3151-8' })
    expect(o2.component?.[0]?.valueQuantity).toMatchObject({ value: 4, code: 'L/min', system: 'http://unitsofmeasure.org' })

    const acvpu = byCode(observations, '67775-7')!
    expect(acvpu.valueCodeableConcept?.coding?.[0]).toMatchObject({ system: ACVPU_SYSTEM, code: 'C' })
    expect(byCode(observations, '72514-3')?.valueQuantity).toMatchObject({ value: 6, code: '{score}' })
    expect(byCode(observations, '29463-7')?.valueQuantity).toMatchObject({ value: 61.5, code: 'kg' })
    expect(byCode(observations, '8302-2')?.valueQuantity).toMatchObject({ value: 163, code: 'cm' })
    expect(byCode(observations, '29463-7')?.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bodyweight'])
    for (const o of observations) {
      expect(o.category?.[0]?.coding?.[0]?.code).toBe('vital-signs')
      expect(o.performer).toEqual([{ reference: 'Practitioner/pr-1' }])
    }
  })

  it('reads back what it wrote, and air as supplementalOxygen false without a flow', () => {
    seed()
    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T12:00:00Z', ...FULL }, { practitionerId: 'pr-1' })
    const [newest] = chart(db(), 'p-adult')!.vitals
    expect(newest).toMatchObject({ ...FULL, takenAt: '2026-11-23T12:00:00.000Z', pending: true })

    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T14:00:00Z', supplementalOxygen: false, consciousness: 'A' }, { practitionerId: 'pr-1' })
    const [air] = chart(db(), 'p-adult')!.vitals
    expect(air).toMatchObject({ supplementalOxygen: false, consciousness: 'A' })
    expect(air?.oxygenFlow).toBeUndefined()
  })

  it('reads a bare LOINC 3151-8 flow from another system: above 0 is oxygen, 0 is air', () => {
    const flow = (value: number): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '3151-8' }] },
      valueQuantity: { value, unit: 'L/min' },
    })
    expect(readExtraVitals(flow(2))).toEqual({ supplementalOxygen: true, oxygenFlow: 2 })
    expect(readExtraVitals(flow(0))).toEqual({ supplementalOxygen: false })
  })

  it('refuses a flow without oxygen, a pain above 10 and an unknown ACVPU level', () => {
    const base = { patientId: 'p-adult' }
    expect(RecordVitalsParams.safeParse({ ...base, oxygenFlow: 3 }).success).toBe(false)
    expect(RecordVitalsParams.safeParse({ ...base, supplementalOxygen: false, oxygenFlow: 3 }).success).toBe(false)
    expect(RecordVitalsParams.safeParse({ ...base, pain: 11 }).success).toBe(false)
    expect(RecordVitalsParams.safeParse({ ...base, consciousness: 'X' }).success).toBe(false)
    expect(RecordVitalsParams.safeParse({ ...base, weight: 70 }).success).toBe(true)
  })

  it('keeps a lone weight out of the census set but shows it as a flowsheet row of the chart', () => {
    seed()
    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T07:00:00Z', weight: 60.2 }, { practitionerId: 'pr-1' })
    expect(census(db(), ['loc-cardio'])[0]?.lastVitals?.takenAt).toBe('2026-11-22T06:00:00.000Z')
    expect(chart(db(), 'p-adult')!.vitals[0]).toMatchObject({ takenAt: '2026-11-23T07:00:00.000Z', weight: 60.2, heartRate: null })
  })
})

describe('NEWS2 in the census and the chart', () => {
  it('has none until a set is complete, then scores the newest complete set', () => {
    seed()
    expect(census(db(), ['loc-cardio'])[0]?.news2).toBeNull()
    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T12:00:00Z', ...FULL }, { practitionerId: 'pr-1' })
    const [entry] = census(db(), ['loc-cardio'])
    CensusSchema.parse(entry)
    // RR 26 → 3, SpO2 90 → 3, O2 → 2, SBP 88 → 3, HR 125 → 2, C → 3, T 39.2 → 2.
    expect(entry?.news2).toEqual({
      takenAt: '2026-11-23T12:00:00.000Z',
      spo2Scale: 1,
      aggregate: 18,
      anySingleThree: true,
      band: 'news-high',
      risk: 'high',
      response: 'news2.response.emergency',
    })

    // A later partial recheck does not hide the score of the last complete set.
    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T13:00:00Z', heartRate: 80 }, { practitionerId: 'pr-1' })
    const c = chart(db(), 'p-adult')!
    ChartSchema.parse(c)
    expect(c.vitals[0]?.takenAt).toBe('2026-11-23T13:00:00.000Z')
    expect(c.news2).toMatchObject({ takenAt: '2026-11-23T12:00:00.000Z', aggregate: 18 })
    expect(c.spo2Scale).toBe(1)
  })

  it('raises the single-parameter 3 on its own, with the urgent ward response', () => {
    seed()
    const calm = { systolic: 125, diastolic: 75, heartRate: 72, temperature: 37, spo2: 97, respiratoryRate: 16, supplementalOxygen: false }
    recordVitals(db(), { patientId: 'p-adult', takenAt: '2026-11-23T12:00:00Z', ...calm, consciousness: 'V' }, { practitionerId: 'pr-1' })
    expect(census(db(), ['loc-cardio'])[0]?.news2).toMatchObject({
      aggregate: 3,
      anySingleThree: true,
      band: 'news-low-medium',
      response: 'news2.response.urgentWard',
    })
  })

  it('gives no NEWS2 for a child, whose set is complete all the same', () => {
    seed()
    recordVitals(db(), { patientId: 'p-child', takenAt: '2026-11-23T12:00:00Z', ...FULL, weight: 20, height: 110 }, { practitionerId: 'pr-1' })
    const [entry] = census(db(), ['loc-pedia'])
    expect(entry?.lastVitals).toMatchObject({ consciousness: 'C', supplementalOxygen: true })
    expect(entry?.news2).toBeNull()
    expect(chart(db(), 'p-child')!.news2).toBeNull()
  })
})
