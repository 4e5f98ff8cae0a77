import type { CensusEntry } from '../../contract'
import type { Database } from '../migration'
import { sql } from './statements'
import { SUMMARY_SELECT, toSummary, type SummaryRow } from './summary'
import { latestNews2 } from './news2'
import { latestVitalSets } from './vitals'
import { spo2ScaleOf } from '../../records/store'
import { careDueCounts } from './care-plan'
import { allergies } from './chart'

/** Sets looked through for the newest complete one (a partial recheck often follows a full round). */
const NEWS2_LOOKBACK = 6

const byLabel = new Intl.Collator('fr', { numeric: true, sensitivity: 'base' })

/**
 * The patients staying in these units (an in-progress stay, per the cache), in unit then bed order, each with
 * the newest vital-sign set, the NEWS2 of the newest complete one, the allergy count and the care tasks due now.
 */
export function census(db: Database, unitIds: readonly string[], options: { now?: Date } = {}): CensusEntry[] {
  const now = options.now ?? new Date()
  const rows: SummaryRow[] = []
  const statement = sql(db, `${SUMMARY_SELECT} WHERE a.unit_id = ? AND a.encounter_id IS NOT NULL`)
  for (const unitId of new Set(unitIds)) rows.push(...(statement.all(unitId) as SummaryRow[]))
  rows.sort(
    (x, y) =>
      byLabel.compare(x.unit_name ?? x.unit_id ?? '', y.unit_name ?? y.unit_id ?? '') ||
      byLabel.compare(x.bed_name ?? x.room_name ?? '\uffff', y.bed_name ?? y.room_name ?? '\uffff') ||
      x.sort_key.localeCompare(y.sort_key),
  )
  return rows.map((row) => {
    const sets = latestVitalSets(db, row.patient_id, NEWS2_LOOKBACK)
    const patient = toSummary(row)
    return {
      patient,
      lastVitals: sets[0] ?? null,
      news2: latestNews2(sets, patient.birthDate, spo2ScaleOf(db, row.patient_id)),
      allergies: allergies(db, row.patient_id).length,
      tasksDue: careDueCounts(db, row.patient_id, now),
    }
  })
}
