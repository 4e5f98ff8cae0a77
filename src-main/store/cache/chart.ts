import type { AllergyIntolerance, Condition, Observation } from '@medplum/fhirtypes'
import type { Chart, LabResult } from '../../contract'
import type { Database } from '../migration'
import { conceptLabel, firstCode, LOINC } from './fhir'
import { patientSummary } from './summary'
import { sql } from './statements'
import { latestNews2 } from './news2'
import { latestVitalSets } from './vitals'
import { spo2ScaleOf } from '../../records/store'

export interface ChartLimits {
  /** Newest vital-sign sets (default 50). */
  vitalSets?: number
  /** Newest laboratory results (default 100). */
  results?: number
}

const INTERPRETATIONS: ReadonlySet<string> = new Set(['N', 'H', 'L', 'HH', 'LL'])
const INACTIVE: ReadonlySet<string> = new Set(['inactive', 'resolved', 'remission'])
const NOT_TRUE: ReadonlySet<string> = new Set(['entered-in-error', 'refuted'])

function labResult(id: string, observation: Observation, effectiveAt: string | null): LabResult {
  const range = observation.referenceRange?.[0]
  const flag = firstCode(observation.interpretation?.[0])
  const quantity = observation.valueQuantity
  return {
    id,
    code: firstCode(observation.code, LOINC) ?? '',
    label: conceptLabel(observation.code) ?? '',
    value: typeof quantity?.value === 'number' ? quantity.value : null,
    valueText: observation.valueString ?? conceptLabel(observation.valueCodeableConcept) ?? null,
    unit: quantity?.unit ?? quantity?.code ?? null,
    low: typeof range?.low?.value === 'number' ? range.low.value : null,
    high: typeof range?.high?.value === 'number' ? range.high.value : null,
    interpretation: flag && INTERPRETATIONS.has(flag) ? (flag as LabResult['interpretation']) : null,
    effectiveAt,
  }
}

function latestResults(db: Database, patientId: string, limit: number): LabResult[] {
  const rows = sql(
    db,
    `SELECT id, effective_at, json FROM health_resource
     WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'laboratory'
     ORDER BY effective_at DESC LIMIT ?`,
  ).all(patientId, limit) as { id: string; effective_at: string | null; json: string }[]
  const out: LabResult[] = []
  for (const row of rows) {
    const observation = JSON.parse(row.json) as Observation
    if (observation.status === 'entered-in-error' || observation.status === 'cancelled') continue
    out.push(labResult(row.id, observation, row.effective_at))
  }
  return out
}

function rowsOf<T>(db: Database, patientId: string, type: string, limit: number): T[] {
  return (
    sql(
      db,
      `SELECT json FROM health_resource WHERE patient_id = ? AND resource_type = ?
       ORDER BY effective_at DESC LIMIT ?`,
    )
      .pluck()
      .all(patientId, type, limit) as string[]
  ).map((json) => JSON.parse(json) as T)
}

/** The patient's allergies and intolerances that hold (active, not refuted): the banner's, and the census flag. */
export function allergies(db: Database, patientId: string): Chart['allergies'] {
  return rowsOf<AllergyIntolerance>(db, patientId, 'AllergyIntolerance', 200)
    .filter((a) => !INACTIVE.has(firstCode(a.clinicalStatus) ?? '') && !NOT_TRUE.has(firstCode(a.verificationStatus) ?? ''))
    .map((a) => {
      const manifestation = a.reaction?.[0]?.manifestation?.[0]
      return {
        substance: conceptLabel(a.code) ?? '',
        criticality: a.criticality ?? null,
        reaction: manifestation ? conceptLabel(manifestation) : null,
      }
    })
}

function conditions(db: Database, patientId: string): Chart['conditions'] {
  return rowsOf<Condition>(db, patientId, 'Condition', 200)
    .filter((c) => !INACTIVE.has(firstCode(c.clinicalStatus) ?? '') && !NOT_TRUE.has(firstCode(c.verificationStatus) ?? ''))
    .map((c) => ({ code: firstCode(c.code) ?? '', label: conceptLabel(c.code) ?? '' }))
}

/**
 * A patient's chart as the cache holds it. Every part is an indexed read bounded by a LIMIT, so a chart with
 * 50,000 observations opens as fast as a short one. Null when the patient is not cached.
 */
export function chart(db: Database, patientId: string, limits: ChartLimits = {}): Chart | null {
  const patient = patientSummary(db, patientId)
  if (!patient) return null
  const dataAsOf = sql(db, 'SELECT chart_synced_at FROM administrative WHERE patient_id = ?').pluck().get(patientId) as
    | string
    | null
    | undefined
  const vitals = latestVitalSets(db, patientId, limits.vitalSets ?? 50, { bodyMeasures: true })
  // Scale 2 while a clinician has charted hypercapnic respiratory failure for this patient (records/fhir.ts).
  const spo2Scale = spo2ScaleOf(db, patientId)
  return {
    patient,
    allergies: allergies(db, patientId),
    conditions: conditions(db, patientId),
    vitals,
    news2: latestNews2(vitals, patient.birthDate, spo2Scale),
    spo2Scale,
    results: latestResults(db, patientId, limits.results ?? 100),
    fromCache: true,
    dataAsOf: dataAsOf ?? null,
  }
}
