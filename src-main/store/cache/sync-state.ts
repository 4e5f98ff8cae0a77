import type { Database } from '../migration'
import { refreshPlacement } from './placement'
import { sql } from './statements'

export interface QueryState {
  cursor: string | null
  syncedAt: string
}

export function queryState(db: Database, queryKey: string): QueryState | null {
  const row = sql(db, 'SELECT cursor, synced_at FROM sync_state WHERE query_key = ?').get(queryKey) as
    | { cursor: string | null; synced_at: string }
    | undefined
  return row ? { cursor: row.cursor, syncedAt: row.synced_at } : null
}

/**
 * Records a complete run of a query: `syncedAt` is when it started (the data are at least that fresh); the cursor
 * only moves forward.
 */
export function saveQueryState(
  db: Database,
  queryKey: string,
  state: { patientId?: string | null; cursor: string | null; syncedAt: string },
): void {
  sql(
    db,
    `INSERT INTO sync_state (query_key, patient_id, cursor, synced_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (query_key) DO UPDATE SET patient_id = excluded.patient_id, synced_at = excluded.synced_at,
       cursor = CASE WHEN sync_state.cursor IS NULL OR (excluded.cursor IS NOT NULL AND excluded.cursor > sync_state.cursor)
                     THEN excluded.cursor ELSE sync_state.cursor END`,
  ).run(queryKey, state.patientId ?? null, state.cursor, state.syncedAt)
}

/** The oldest of these queries' last complete runs; null while one of them never completed. */
export function oldestSync(db: Database, queryKeys: readonly string[]): string | null {
  let oldest: string | null = null
  for (const key of queryKeys) {
    const state = queryState(db, key)
    if (!state) return null
    if (oldest === null || state.syncedAt < oldest) oldest = state.syncedAt
  }
  return oldest
}

export function markChartSynced(db: Database, patientId: string, at: string): void {
  sql(db, 'UPDATE administrative SET chart_synced_at = ? WHERE patient_id = ?').run(at, patientId)
}

/**
 * After a complete census of the user's units: the patients listed are here (no departure time); every other
 * cached patient left at `now` unless already marked. Their retention delay runs from that time.
 */
export function recordCensus(db: Database, presentPatientIds: readonly string[], now: string): void {
  const present = JSON.stringify([...new Set(presentPatientIds)])
  db.transaction(() => {
    sql(db, 'UPDATE administrative SET departed_at = NULL WHERE patient_id IN (SELECT value FROM json_each(?))').run(present)
    sql(
      db,
      `UPDATE administrative SET departed_at = ?
       WHERE departed_at IS NULL AND patient_id NOT IN (SELECT value FROM json_each(?))`,
    ).run(now, present)
  })()
}

/**
 * Stays the central no longer lists in the user's units and that could not be re-read: dropped from the cache, so
 * that the census does not show a patient who left. The patients' placement is recomputed from what remains.
 */
export function forgetEncounters(db: Database, encounterIds: readonly string[], now: string): string[] {
  return db.transaction(() => {
    const patients = new Set<string>()
    for (const id of encounterIds) {
      const patientId = sql(db, 'SELECT patient_id FROM encounter WHERE id = ?').pluck().get(id) as string | null | undefined
      sql(db, 'DELETE FROM encounter WHERE id = ?').run(id)
      if (patientId) patients.add(patientId)
    }
    return refreshPlacement(db, patients, now)
  })()
}

/** In-progress stays the cache places in these units (to compare with a fresh census). */
export function cachedStaysIn(db: Database, unitIds: readonly string[]): { patientId: string; encounterId: string }[] {
  const out: { patientId: string; encounterId: string }[] = []
  const statement = sql(db, 'SELECT patient_id, encounter_id FROM administrative WHERE unit_id = ? AND encounter_id IS NOT NULL')
  for (const unitId of new Set(unitIds)) {
    for (const row of statement.all(unitId) as { patient_id: string; encounter_id: string }[]) {
      out.push({ patientId: row.patient_id, encounterId: row.encounter_id })
    }
  }
  return out
}
