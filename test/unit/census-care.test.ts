import type { CarePlan, Procedure } from '@medplum/fhirtypes'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { METHOD_REQUIREMENTS } from '../../src-main/access/methods'
import type { ResultOf } from '../../src-main/contract'
import { census, upsertResources } from '../../src-main/store/cache'
import { CARE_ACTIVITY_EXTENSION, CARE_SLOT_EXTENSION } from '../../src-main/store/cache/care-plan'
import { allergy, patient, stay, unitTree } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

// The census's allergy flag and care tasks due (issue 7): counted from the cache at the census's clock, and left
// out of the answer for a role the habilitation matrix does not let read them.

let temp: TempStore
const db = () => temp.store.db
const NOW = new Date('2026-11-23T10:10:00Z')

function plan(id: string, patientId: string, activities: { id: string; everyHours: number; start: string }[]): CarePlan {
  return {
    resourceType: 'CarePlan',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-20T00:00:00Z' },
    activity: activities.map((a) => ({
      id: a.id,
      detail: {
        status: 'scheduled',
        description: `Soin ${a.id}`,
        scheduledTiming: { repeat: { frequency: 1, period: a.everyHours, periodUnit: 'h', boundsPeriod: { start: a.start } } },
      },
    })),
  }
}

function checkOff(id: string, patientId: string, planId: string, activityId: string, slot: string): Procedure {
  return {
    resourceType: 'Procedure',
    id,
    status: 'completed',
    basedOn: [{ reference: `CarePlan/${planId}` }],
    extension: [
      { url: CARE_ACTIVITY_EXTENSION, valueString: activityId },
      { url: CARE_SLOT_EXTENSION, valueDateTime: slot },
    ],
    code: { text: 'Soin' },
    subject: { reference: `Patient/${patientId}` },
    performedDateTime: slot,
  }
}

beforeEach(() => {
  temp = openTempStore()
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 2),
    patient({ id: 'p1', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14' }),
    patient({ id: 'p2', family: 'LEFÈVRE', given: ['François'], birthDate: '1952-10-02' }),
    stay('enc-1', 'p1', 'loc-cardio', 'loc-cardio-101-1'),
    stay('enc-2', 'p2', 'loc-cardio', 'loc-cardio-101-2'),
    allergy('a1', 'p1', 'amoxicilline', 'high', 'Urticaire'),
    allergy('a2', 'p1', 'latex', 'low', 'Eczéma'),
    allergy('a3', 'p1', 'iode', 'low', 'Prurit', 'inactive'),
    // p1: every 4 h from 02:00 → slot 10:00 open and not done (due); every 8 h from 00:00 → the 08:00 slot is more
    // than an hour late (overdue); every 2 h from 00:00 → the 10:00 slot is done.
    plan('cp1', 'p1', [
      { id: 'pansement', everyHours: 4, start: '2026-11-23T02:00:00Z' },
      { id: 'glycemie', everyHours: 8, start: '2026-11-23T00:00:00Z' },
      { id: 'constantes', everyHours: 2, start: '2026-11-23T00:00:00Z' },
    ]),
    checkOff('pr1', 'p1', 'cp1', 'constantes', '2026-11-23T10:00:00.000Z'),
    checkOff('pr2', 'p1', 'cp1', 'pansement', '2026-11-23T06:00:00.000Z'),
  ])
})

afterEach(() => temp.cleanup())

describe('census: allergies and care tasks due', () => {
  it('counts the allergies that hold and the tasks due and overdue at the census clock', () => {
    const entries = census(db(), ['loc-cardio'], { now: NOW })
    const p1 = entries.find((e) => e.patient.id === 'p1')!
    const p2 = entries.find((e) => e.patient.id === 'p2')!
    expect(p1.allergies).toBe(2)
    expect(p1.tasksDue).toEqual({ due: 1, overdue: 1 })
    expect(p2.allergies).toBe(0)
    expect(p2.tasksDue).toEqual({ due: 0, overdue: 0 })
    // At 16:30 nothing more has been done: the 8-hourly task's 08:00 slot was missed and comes first (overdue),
    // and the 4-hourly and 2-hourly tasks are late too.
    const later = census(db(), ['loc-cardio'], { now: new Date('2026-11-23T16:30:00Z') }).find((e) => e.patient.id === 'p1')!
    expect(later.tasksDue).toEqual({ due: 0, overdue: 3 })
  })

  it('is left out for a role that may not read allergies or the prescribed plan', () => {
    const value: ResultOf<'census.list'> = { units: [], dataAsOf: null, entries: census(db(), ['loc-cardio'], { now: NOW }) }
    const requirement = METHOD_REQUIREMENTS['census.list']
    if (requirement === 'none') throw new Error('census.list touches patient data')
    const withoutObservations = requirement.masks?.['sante.observations']?.(value)
    expect(withoutObservations?.entries.every((e) => e.allergies === undefined && e.news2 === undefined)).toBe(true)
    const withoutPlan = requirement.masks?.['sante.prescriptions']?.(value)
    expect(withoutPlan?.entries.every((e) => e.tasksDue === undefined)).toBe(true)
    expect(withoutPlan?.entries.find((e) => e.patient.id === 'p1')?.allergies).toBe(2)
  })
})
