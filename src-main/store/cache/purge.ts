import type { Database } from '../migration'
import { sql } from './statements'

/** Default delay before the cache forgets a patient who left the user's units. */
export const DEFAULT_RETENTION_HOURS = 72

/**
 * Forgets the cached data of patients who left the user's units more than `delayHours` ago: identity, stay,
 * health resources, documents, sync state, and the outbox entries already sent. A patient with a write still
 * to send, refused or in conflict is kept: nothing acknowledged to a user is dropped by a purge.
 *
 * This is the workstation's copy only. How long the record itself is kept (CSP R1112-7: 20 years after the last
 * stay, and the other legal durations) is the central's policy: see docs/retention.md.
 */
export function purgeDeparted(
  db: Database,
  options: { delayHours?: number; now?: Date } = {},
): { patientIds: string[] } {
  const delayHours = options.delayHours ?? DEFAULT_RETENTION_HOURS
  const now = options.now ?? new Date()
  const cutoff = new Date(now.getTime() - delayHours * 3_600_000).toISOString()
  return db.transaction(() => {
    const patientIds = sql(
      db,
      `SELECT a.patient_id FROM administrative a
       WHERE a.departed_at IS NOT NULL AND a.departed_at <= ?
         AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.patient_id = a.patient_id AND o.state IN ('pending', 'failed', 'conflict'))`,
    )
      .pluck()
      .all(cutoff) as string[]
    for (const id of patientIds) {
      sql(db, 'DELETE FROM conflict_task WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM outbox WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM health_resource WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM encounter WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM document WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM sync_state WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM identity WHERE patient_id = ?').run(id)
      sql(db, 'DELETE FROM administrative WHERE patient_id = ?').run(id)
    }
    return { patientIds }
  })()
}
