import { randomUUID } from 'node:crypto'
import type { ConflictTask } from '../../contract'
import type { Database } from '../migration'
import { markConflict, type OutboxEntry } from './outbox'
import { sql } from './statements'

export type Resolution = 'keepMine' | 'takeTheirs'

export interface ConflictRecord extends ConflictTask {
  outboxSeq: number
  localBaseVersion: string | null
  centralVersion: string | null
  centralLastUpdated: string | null
  resolvedAt: string | null
  resolution: Resolution | null
}

interface Row {
  id: string
  outbox_seq: number
  resource_type: string
  resource_id: string
  patient_id: string | null
  local_base_version: string | null
  central_version: string | null
  central_last_updated: string | null
  summary: string
  created_at: string
  resolved_at: string | null
  resolution: Resolution | null
}

function toRecord(row: Row): ConflictRecord {
  return {
    id: row.id,
    kind: 'conflict',
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    patientId: row.patient_id,
    createdAt: row.created_at,
    summary: row.summary,
    outboxSeq: row.outbox_seq,
    localBaseVersion: row.local_base_version,
    centralVersion: row.central_version,
    centralLastUpdated: row.central_last_updated,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
  }
}

/**
 * Turns a write the central refused with 412 into a task for the user, in one transaction with the outbox state:
 * the change stays queued (state `conflict`) until someone chooses; it is never overwritten silently. The
 * summary names versions and dates only, never clinical content.
 */
export function createConflictTask(
  db: Database,
  entry: OutboxEntry,
  central: { versionId: string | null; lastUpdated: string | null } | null,
  now = new Date().toISOString(),
): ConflictRecord {
  const id = randomUUID()
  const resourceId = entry.resourceId ?? ''
  const theirs = central?.versionId ? `v${central.versionId}` : 'v?'
  const summary =
    `${entry.resourceType}/${resourceId} : poste v${entry.ifMatch ?? '?'} modifiée, central ${theirs}` +
    (central?.lastUpdated ? ` (${central.lastUpdated})` : '')
  db.transaction(() => {
    markConflict(db, entry.seq, `412: central ${theirs}`, now)
    sql(
      db,
      `INSERT INTO conflict_task (id, outbox_seq, resource_type, resource_id, patient_id, local_base_version,
         central_version, central_last_updated, summary, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      entry.seq,
      entry.resourceType,
      resourceId,
      entry.patientId,
      entry.ifMatch,
      central?.versionId ?? null,
      central?.lastUpdated ?? null,
      summary,
      now,
    )
  })()
  return conflictTask(db, id) as ConflictRecord
}

export function conflictTask(db: Database, id: string): ConflictRecord | null {
  const row = sql(db, 'SELECT * FROM conflict_task WHERE id = ?').get(id) as Row | undefined
  return row ? toRecord(row) : null
}

/** Open tasks, oldest first, in the contract's shape. */
export function openConflictTasks(db: Database): ConflictTask[] {
  const rows = sql(db, 'SELECT * FROM conflict_task WHERE resolved_at IS NULL ORDER BY created_at, rowid').all() as Row[]
  return rows.map((row) => {
    const { id, kind, resourceType, resourceId, patientId, createdAt, summary } = toRecord(row)
    return { id, kind, resourceType, resourceId, patientId, createdAt, summary }
  })
}

export function openConflictCount(db: Database): number {
  return sql(db, 'SELECT count(*) FROM conflict_task WHERE resolved_at IS NULL').pluck().get() as number
}

export function markResolved(db: Database, id: string, resolution: Resolution, now = new Date().toISOString()): void {
  sql(db, 'UPDATE conflict_task SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL').run(
    now,
    resolution,
    id,
  )
}
