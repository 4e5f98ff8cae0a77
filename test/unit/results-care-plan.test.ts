import type { Bundle, CarePlan, DiagnosticReport, Observation, Procedure, Provenance } from '@medplum/fhirtypes'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CARE_WINDOW_MS, careDue, repeatIntervalMs } from '../../src-main/clinical/care-schedule'
import { isCritical, labFlag } from '../../src-main/clinical/lab-flags'
import { listOutbox, upsertResources } from '../../src-main/store/cache'
import { checkCareTask, listCareTasks } from '../../src-main/store/cache/care-plan'
import { listResults, resultTrend } from '../../src-main/store/cache/results'
import { generateHospital } from '../../src-main/training/hospital'
import { patient, stay, unitTree } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

const H = 3_600_000
const at = (iso: string) => new Date(iso)

describe('laboratory flags', () => {
  const range = { low: 3.5, high: 5, criticalLow: 2.8, criticalHigh: 6 }
  it('places a value against the range and the critical limits, at each boundary', () => {
    expect(labFlag(2.7, range)).toBe('LL')
    expect(labFlag(2.8, range)).toBe('L')
    expect(labFlag(3.4, range)).toBe('L')
    expect(labFlag(3.5, range)).toBe('N')
    expect(labFlag(5, range)).toBe('N')
    expect(labFlag(5.1, range)).toBe('H')
    expect(labFlag(6, range)).toBe('H')
    expect(labFlag(6.1, range)).toBe('HH')
    expect(isCritical(labFlag(6.1, range))).toBe(true)
  })
  it('keeps the laboratory’s own flag, and gives none without a value or a range', () => {
    expect(labFlag(4, range, 'H')).toBe('H')
    expect(labFlag(null, range)).toBeNull()
    expect(labFlag(4, { low: null, high: null })).toBeNull()
    expect(labFlag(12, { low: null, high: 5 })).toBe('H')
    expect(labFlag(40, { low: 60, high: null })).toBe('L')
  })
})

describe('care schedule: due and overdue by the clock', () => {
  const every4h = { anchor: '2026-11-23T08:00:00.000Z', intervalMs: 4 * H }
  it('is upcoming before the window, due within an hour of its slot, overdue after', () => {
    expect(careDue(every4h, [], at('2026-11-23T06:30:00Z'))).toEqual({ state: 'upcoming', dueAt: '2026-11-23T08:00:00.000Z' })
    expect(careDue(every4h, [], at('2026-11-23T07:00:00Z'))).toEqual({ state: 'due', dueAt: '2026-11-23T08:00:00.000Z' })
    expect(careDue(every4h, [], at('2026-11-23T09:00:00Z'))).toEqual({ state: 'due', dueAt: '2026-11-23T08:00:00.000Z' })
    expect(careDue(every4h, [], at('2026-11-23T09:00:01Z')).state).toBe('overdue')
  })
  it('moves to the next slot once checked off', () => {
    expect(careDue(every4h, ['2026-11-23T08:00:00Z'], at('2026-11-23T09:30:00Z'))).toEqual({ state: 'upcoming', dueAt: '2026-11-23T12:00:00.000Z' })
  })
  it('puts a missed slot first while the next is only due, and forgets it once the next is late too', () => {
    expect(careDue(every4h, [], at('2026-11-23T11:30:00Z'))).toEqual({ state: 'overdue', dueAt: '2026-11-23T08:00:00.000Z' })
    expect(careDue(every4h, ['2026-11-23T08:00:00Z'], at('2026-11-23T11:30:00Z'))).toEqual({ state: 'due', dueAt: '2026-11-23T12:00:00.000Z' })
    expect(careDue(every4h, [], at('2026-11-23T13:30:00Z'))).toEqual({ state: 'overdue', dueAt: '2026-11-23T12:00:00.000Z' })
  })
  it('ends with its prescription', () => {
    const ended = { ...every4h, end: '2026-11-23T13:00:00Z' }
    expect(careDue(ended, ['2026-11-23T08:00:00Z', '2026-11-23T12:00:00Z'], at('2026-11-23T15:30:00Z'))).toEqual({ state: 'finished', dueAt: null })
    expect(CARE_WINDOW_MS).toBe(H)
  })
  it('reads FHIR repeats', () => {
    expect(repeatIntervalMs({ frequency: 1, period: 4, periodUnit: 'h' })).toBe(4 * H)
    expect(repeatIntervalMs({ frequency: 3, period: 1, periodUnit: 'd' })).toBe(8 * H)
    expect(repeatIntervalMs({ frequency: 1, period: 1, periodUnit: 'mo' })).toBeNull()
  })
})

let temp: TempStore
const db = () => temp.store.db

function lab(id: string, code: string, value: number, when: string, flag?: string): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display: 'Potassium' }], text: 'Potassium' },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: when,
    valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
    referenceRange: [{ low: { value: 3.5 }, high: { value: 5 } }],
    ...(flag ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: flag }] }] } : {}),
  }
}

const report = (id: string, category: string, extra: Partial<DiagnosticReport>): DiagnosticReport => ({
  resourceType: 'DiagnosticReport',
  id,
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: category }] }],
  code: { text: category === 'LAB' ? 'Ionogramme sanguin' : 'Radiographie thoracique' },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-22T08:00:00Z',
  ...extra,
})

beforeEach(() => {
  temp = openTempStore()
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 1),
    patient({ id: 'p1', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14' }),
    stay('enc-1', 'p1', 'loc-cardio', 'loc-cardio-101-1'),
  ])
})
afterEach(() => temp.cleanup())

describe('results from the cache', () => {
  it('groups laboratory results by their report, flags them, and reads imaging conclusions', () => {
    upsertResources(db(), [
      lab('o1', '2823-3', 6.3, '2026-11-22T08:00:00Z', 'HH'),
      lab('o2', '2823-3', 3.1, '2026-11-20T08:00:00Z'),
      lab('o3', '2823-3', 4.2, '2026-11-18T08:00:00Z'),
      report('dr1', 'LAB', { result: [{ reference: 'Observation/o1' }] }),
      report('dr2', 'RAD', { conclusion: 'Pas de foyer.', performer: [{ display: 'Service d’imagerie médicale' }] }),
    ])
    const list = listResults(db(), 'p1')
    expect(list.panels).toHaveLength(1)
    expect(list.panels[0]).toMatchObject({ label: 'Ionogramme sanguin', results: [{ id: 'o1', interpretation: 'HH', unit: 'mmol/L', low: 3.5, high: 5 }] })
    // Not in a report: still shown, flagged from its range.
    expect(list.ungrouped.map((r) => [r.id, r.interpretation])).toEqual([['o2', 'L'], ['o3', 'N']])
    expect(list.reports).toEqual([expect.objectContaining({ kind: 'imaging', label: 'Radiographie thoracique', conclusion: 'Pas de foyer.' })])
    const trend = resultTrend(db(), 'p1', '2823-3')
    expect(trend.points.map((p) => p.value)).toEqual([4.2, 3.1, 6.3])
    expect(trend).toMatchObject({ low: 3.5, high: 5, unit: 'mmol/L' })
  })
})

describe('care plan in the cache', () => {
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    id: 'cp1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    activity: [
      {
        id: 'act-1',
        detail: {
          status: 'in-progress',
          code: { text: 'Glycémie capillaire' },
          scheduledTiming: { repeat: { boundsPeriod: { start: '2026-11-23T08:00:00Z' }, frequency: 3, period: 1, periodUnit: 'd' } },
        },
      },
    ],
  }

  it('lists the tasks and queues a check-off as a Procedure with its Provenance in one outbox entry', () => {
    upsertResources(db(), [plan])
    expect(listCareTasks(db(), 'p1')).toEqual([
      expect.objectContaining({ carePlanId: 'cp1', activityId: 'act-1', label: 'Glycémie capillaire', schedule: { anchor: '2026-11-23T08:00:00Z', intervalMs: 8 * H, end: null }, checks: [] }),
    ])
    const receipt = checkCareTask(
      db(),
      { patientId: 'p1', carePlanId: 'cp1', activityId: 'act-1', slot: '2026-11-23T16:00:00.000Z' },
      { practitionerId: 'pr-nurse', displayName: 'Anaïs PERRIN' },
      { now: at('2026-11-23T16:10:00Z') },
    )
    expect(receipt.state).toBe('queued')
    const [task] = listCareTasks(db(), 'p1')
    expect(task?.checks).toEqual([{ slot: '2026-11-23T16:00:00.000Z', doneAt: '2026-11-23T16:10:00.000Z', authorName: 'Anaïs PERRIN', pending: true }])
    const entries = listOutbox(db())
    expect(entries).toHaveLength(1)
    const bundle = entries[0]?.body as Bundle
    const [procedure, provenance] = (bundle.entry ?? []).map((e) => e.resource) as [Procedure, Provenance]
    expect(procedure).toMatchObject({ resourceType: 'Procedure', status: 'completed', basedOn: [{ reference: 'CarePlan/cp1' }], encounter: { reference: 'Encounter/enc-1' } })
    expect(provenance.target[0]?.reference).toBe(bundle.entry?.[0]?.fullUrl)
    expect(provenance.agent[0]?.who).toEqual({ reference: 'Practitioner/pr-nurse', display: 'Anaïs PERRIN' })
  })

  it('refuses an activity or a plan the patient does not have', () => {
    upsertResources(db(), [plan])
    const author = { practitionerId: 'pr-nurse', displayName: 'X' }
    expect(() => checkCareTask(db(), { patientId: 'p1', carePlanId: 'cp1', activityId: 'act-9', slot: '2026-11-23T16:00:00Z' }, author)).toThrow(/activity/)
    expect(() => checkCareTask(db(), { patientId: 'p2', carePlanId: 'cp1', activityId: 'act-1', slot: '2026-11-23T16:00:00Z' }, author)).toThrow(/CarePlan/)
    expect(listOutbox(db())).toHaveLength(0)
  })
})

describe('training care plans', () => {
  it('gives every current inpatient one active plan, deterministically, with past check-offs by a nurse', () => {
    const a = generateHospital({ pastPatients: 0, heavyObservations: 0 })
    const plans = a.resources.filter((r): r is CarePlan => r.resourceType === 'CarePlan')
    expect(plans).toHaveLength(a.currentPatientIds.length)
    expect(new Set(plans.map((p) => p.subject.reference))).toEqual(new Set(a.currentPatientIds.map((id) => `Patient/${id}`)))
    const checks = a.resources.filter((r): r is Procedure => r.resourceType === 'Procedure' && (r.basedOn ?? []).length > 0)
    expect(checks.length).toBeGreaterThan(plans.length)
    expect(checks.every((p) => Date.parse(p.performedDateTime ?? '') <= Date.parse(a.now))).toBe(true)
    const b = generateHospital({ pastPatients: 0, heavyObservations: 0 })
    expect(JSON.stringify(b.resources.filter((r) => r.resourceType === 'CarePlan'))).toBe(JSON.stringify(plans))
  })
})
