import type { Observation } from '@medplum/fhirtypes'
import type { VitalSigns } from '../../contract'
import type { Database } from '../migration'
import { EXTRA_VITAL_CODES, readExtraVitals } from '../../clinical/vital-codes'
import { firstCode, LOINC } from './fhir'
import { sql } from './statements'

type VitalField = 'systolic' | 'diastolic' | 'heartRate' | 'temperature' | 'spo2' | 'respiratoryRate'

/** LOINC codes of the FHIR vital-signs profiles (which FR Core's derive from), and what each fills in a set. */
export const VITAL_LOINC = {
  bloodPressure: '85354-9',
  systolic: '8480-6',
  diastolic: '8462-4',
  heartRate: '8867-4',
  temperature: '8310-5',
  spo2: '59408-5',
  spo2Arterial: '2708-6',
  respiratoryRate: '9279-1',
} as const

const SINGLE: Record<string, VitalField> = {
  [VITAL_LOINC.systolic]: 'systolic',
  [VITAL_LOINC.diastolic]: 'diastolic',
  [VITAL_LOINC.heartRate]: 'heartRate',
  [VITAL_LOINC.temperature]: 'temperature',
  [VITAL_LOINC.spo2]: 'spo2',
  [VITAL_LOINC.spo2Arterial]: 'spo2',
  [VITAL_LOINC.respiratoryRate]: 'respiratoryRate',
}

/** Codes stored in health_resource.code that make up a vital-sign set: what a round at the bedside measures. */
export const SET_CODES: readonly string[] = [
  VITAL_LOINC.bloodPressure,
  ...Object.keys(SINGLE),
  EXTRA_VITAL_CODES.supplementalOxygen,
  EXTRA_VITAL_CODES.oxygenFlow,
  EXTRA_VITAL_CODES.consciousness,
  EXTRA_VITAL_CODES.pain,
]
/**
 * Weight and height join the set taken at the same time; on their own (a morning weight) they make a row of the
 * chart's flowsheet, but not the census's "last vital signs".
 */
export const BODY_CODES: readonly string[] = [EXTRA_VITAL_CODES.weight, EXTRA_VITAL_CODES.height]
const list = (codes: readonly string[]): string => codes.map((c) => `'${c}'`).join(', ')
const SET_CODE_LIST = list(SET_CODES)
const ALL_CODE_LIST = list([...SET_CODES, ...BODY_CODES])
const WITHDRAWN: ReadonlySet<string> = new Set(['entered-in-error', 'cancelled'])

function emptySet(takenAt: string): VitalSigns {
  return {
    takenAt,
    systolic: null,
    diastolic: null,
    heartRate: null,
    temperature: null,
    spo2: null,
    respiratoryRate: null,
    pending: false,
  }
}

function fill(set: VitalSigns, observation: Observation): void {
  const code = firstCode(observation.code, LOINC)
  if (code === VITAL_LOINC.bloodPressure) {
    for (const component of observation.component ?? []) {
      const field = SINGLE[firstCode(component.code, LOINC) ?? '']
      const value = component.valueQuantity?.value
      if ((field === 'systolic' || field === 'diastolic') && typeof value === 'number') set[field] = value
    }
    return
  }
  const field = code ? SINGLE[code] : undefined
  const value = observation.valueQuantity?.value
  if (field && typeof value === 'number') set[field] = value
  else Object.assign(set, readExtraVitals(observation))
}

interface VitalRow {
  effective_at: string
  pending: number
  json: string
}

/**
 * The newest `limit` vital-sign sets of a patient, newest first: the observations of one effective time make one
 * set. Two index range scans bounded by LIMIT, whatever the length of the chart: the distinct times first, then
 * the observations between the oldest and the newest of them.
 */
export function latestVitalSets(
  db: Database,
  patientId: string,
  limit: number,
  options: { bodyMeasures?: boolean } = {},
): VitalSigns[] {
  const rowCodes = options.bodyMeasures ? ALL_CODE_LIST : SET_CODE_LIST
  const times = sql(
    db,
    `SELECT DISTINCT effective_at FROM health_resource
     WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'vital-signs' AND effective_at IS NOT NULL
       AND code IN (${rowCodes}) AND (status IS NULL OR status NOT IN ('entered-in-error', 'cancelled'))
     ORDER BY effective_at DESC LIMIT ?`,
  )
    .pluck()
    .all(patientId, limit) as string[]
  if (times.length === 0) return []
  const rows = sql(
    db,
    `SELECT effective_at, pending, json FROM health_resource
     WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'vital-signs'
       AND effective_at >= ? AND effective_at <= ? AND code IN (${ALL_CODE_LIST})`,
  ).all(patientId, times.at(-1), times[0]) as VitalRow[]
  const sets = new Map<string, VitalSigns>(times.map((t) => [t, emptySet(t)]))
  for (const row of rows) {
    const set = sets.get(row.effective_at)
    if (!set) continue
    const observation = JSON.parse(row.json) as Observation
    if (observation.status && WITHDRAWN.has(observation.status)) continue
    fill(set, observation)
    if (row.pending === 1) set.pending = true
  }
  return times.map((t) => sets.get(t) as VitalSigns)
}
