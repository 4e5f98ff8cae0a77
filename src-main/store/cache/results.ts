import type { DiagnosticReport, Observation } from '@medplum/fhirtypes'
import { labFlag, type LabFlag } from '../../clinical/lab-flags'
import type { LabPanel, LabResult, ReportText, ResultsList, ResultTrend } from '../../contract'
import type { Database } from '../migration'
import { conceptLabel, firstCode, LOINC, referencedId, textOf } from './fhir'
import { sql } from './statements'

/** Newest reports and laboratory observations read for one chart; older ones stay at the central. */
const REPORT_LIMIT = 200
const OBSERVATION_LIMIT = 2000
const UNGROUPED_LIMIT = 100
const TREND_LIMIT = 500
const FLAGS: ReadonlySet<string> = new Set(['N', 'H', 'L', 'HH', 'LL'])
const NOT_SHOWN: ReadonlySet<string> = new Set(['entered-in-error', 'cancelled'])

export function labResultOf(id: string, observation: Observation, effectiveAt: string | null): LabResult {
  const range = observation.referenceRange?.[0]
  const reported = firstCode(observation.interpretation?.[0])
  const quantity = observation.valueQuantity
  const value = typeof quantity?.value === 'number' ? quantity.value : null
  const low = typeof range?.low?.value === 'number' ? range.low.value : null
  const high = typeof range?.high?.value === 'number' ? range.high.value : null
  return {
    id,
    code: firstCode(observation.code, LOINC) ?? firstCode(observation.code) ?? '',
    label: conceptLabel(observation.code) ?? '',
    value,
    valueText: observation.valueString ?? conceptLabel(observation.valueCodeableConcept) ?? null,
    unit: quantity?.unit ?? quantity?.code ?? null,
    low,
    high,
    // The laboratory's flag when it sent one; otherwise the value against the range.
    interpretation: labFlag(value, { low, high }, reported && FLAGS.has(reported) ? (reported as LabFlag) : null),
    effectiveAt,
  }
}

interface Row {
  id: string
  effective_at: string | null
  category: string | null
  json: string
}

function reportText(row: Row, report: DiagnosticReport): ReportText {
  return {
    id: row.id,
    kind: row.category === 'RAD' || row.category === 'imaging' ? 'imaging' : 'other',
    label: conceptLabel(report.code) ?? '',
    effectiveAt: row.effective_at,
    status: textOf(report.status),
    performer: Array.isArray(report.performer) ? textOf(report.performer[0]?.display) : null,
    conclusion: textOf(report.conclusion),
  }
}

/** A patient's reports: laboratory ones grouped by panel with their results, the others as text. */
export function listResults(db: Database, patientId: string): ResultsList {
  const observations = sql(
    db,
    `SELECT id, effective_at, category, json FROM health_resource
     WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'laboratory'
     ORDER BY effective_at DESC LIMIT ?`,
  ).all(patientId, OBSERVATION_LIMIT) as Row[]
  const byId = new Map<string, LabResult>()
  for (const row of observations) {
    const observation = JSON.parse(row.json) as Observation
    if (NOT_SHOWN.has(observation.status ?? '')) continue
    byId.set(row.id, labResultOf(row.id, observation, row.effective_at))
  }
  const reports = sql(
    db,
    `SELECT id, effective_at, category, json FROM health_resource
     WHERE patient_id = ? AND resource_type = 'DiagnosticReport'
     ORDER BY effective_at DESC LIMIT ?`,
  ).all(patientId, REPORT_LIMIT) as Row[]
  const panels: LabPanel[] = []
  const texts: ReportText[] = []
  const grouped = new Set<string>()
  for (const row of reports) {
    const report = JSON.parse(row.json) as DiagnosticReport
    if (NOT_SHOWN.has(report.status ?? '')) continue
    const resultIds = (report.result ?? []).map((r) => referencedId(r, 'Observation')).filter((id): id is string => !!id)
    if (row.category === 'LAB' || (resultIds.length > 0 && !report.conclusion)) {
      const results = resultIds.map((id) => byId.get(id)).filter((r): r is LabResult => r !== undefined)
      for (const id of resultIds) grouped.add(id)
      if (results.length === 0) continue
      panels.push({ id: row.id, label: conceptLabel(report.code) ?? '', effectiveAt: row.effective_at, status: report.status ?? null, results })
    } else {
      texts.push(reportText(row, report))
    }
  }
  const ungrouped = [...byId.values()].filter((r) => !grouped.has(r.id)).slice(0, UNGROUPED_LIMIT)
  return { panels, ungrouped, reports: texts }
}

/** The numeric values of one analyte, oldest first, with the reference range of the newest. */
export function resultTrend(db: Database, patientId: string, code: string): ResultTrend {
  const rows = sql(
    db,
    `SELECT id, effective_at, category, json FROM health_resource
     WHERE patient_id = ? AND resource_type = 'Observation' AND category = 'laboratory' AND code = ?
     ORDER BY effective_at DESC LIMIT ?`,
  ).all(patientId, code, TREND_LIMIT) as Row[]
  const results = rows
    .map((row) => ({ row, observation: JSON.parse(row.json) as Observation }))
    .filter(({ observation }) => !NOT_SHOWN.has(observation.status ?? ''))
    .map(({ row, observation }) => labResultOf(row.id, observation, row.effective_at))
  const newest = results[0]
  return {
    code,
    label: newest?.label ?? '',
    unit: newest?.unit ?? null,
    low: newest?.low ?? null,
    high: newest?.high ?? null,
    points: results
      .filter((r) => r.value !== null && r.effectiveAt !== null)
      .map((r) => ({ at: r.effectiveAt as string, value: r.value as number, interpretation: r.interpretation }))
      .reverse(),
  }
}
