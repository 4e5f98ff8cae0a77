import type { Database } from '../migration'
import { sql } from './statements'

export type OutboxMethod = 'POST' | 'PUT' | 'TRANSACTION'
export type OutboxState = 'pending' | 'sent' | 'failed' | 'conflict' | 'discarded'

export interface OutboxWrite {
  /** A UUID; also carried by the resources written (identifier `urn:chevet:write|<key>…`). */
  idempotencyKey: string
  /** What the user did, e.g. `vitals.record` (logged; never clinical content). */
  kind: string
  method: OutboxMethod
  /** `Bundle` for a transaction. */
  resourceType: string
  /** The resource updated (PUT). */
  resourceId?: string | null
  /** Version the change was made on (PUT `If-Match`). */
  ifMatch?: string | null
  patientId: string | null
  body: unknown
}

export interface OutboxEntry {
  seq: number
  idempotencyKey: string
  kind: string
  method: OutboxMethod
  resourceType: string
  resourceId: string | null
  ifMatch: string | null
  patientId: string | null
  body: unknown
  state: OutboxState
  attempts: number
  errorCode: string | null
  errorMessage: string | null
  createdAt: string
  updatedAt: string
  sentAt: string | null
}

interface Row {
  seq: number
  idempotency_key: string
  kind: string
  method: OutboxMethod
  resource_type: string
  resource_id: string | null
  if_match: string | null
  patient_id: string | null
  body: string
  state: OutboxState
  attempts: number
  error_code: string | null
  error_message: string | null
  created_at: string
  updated_at: string
  sent_at: string | null
}

function toEntry(row: Row): OutboxEntry {
  return {
    seq: row.seq,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    method: row.method,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    ifMatch: row.if_match,
    patientId: row.patient_id,
    body: JSON.parse(row.body) as unknown,
    state: row.state,
    attempts: row.attempts,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  }
}

/**
 * Queues one write. Call it inside the transaction that makes the local change, so that both commit or neither
 * does; on its own it runs in a transaction of its own. Either way, when the outermost transaction returns the
 * entry is committed (WAL + synchronous=FULL: it survives a crash or a power cut). A reused idempotency key
 * throws (UNIQUE): the same write is never queued twice.
 */
export function enqueue(db: Database, write: OutboxWrite, now = new Date().toISOString()): number {
  return db.transaction(() => {
    const info = sql(
      db,
      `INSERT INTO outbox (idempotency_key, kind, method, resource_type, resource_id, if_match, patient_id, body,
         state, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    ).run(
      write.idempotencyKey,
      write.kind,
      write.method,
      write.resourceType,
      write.resourceId ?? null,
      write.ifMatch ?? null,
      write.patientId,
      JSON.stringify(write.body),
      now,
      now,
    )
    return Number(info.lastInsertRowid)
  })()
}

/** The oldest write still to send (FIFO by sequence). */
export function nextPending(db: Database): OutboxEntry | null {
  const row = sql(db, "SELECT * FROM outbox WHERE state = 'pending' ORDER BY seq LIMIT 1").get() as Row | undefined
  return row ? toEntry(row) : null
}

export function outboxEntry(db: Database, key: { seq?: number; idempotencyKey?: string }): OutboxEntry | null {
  const row = (
    key.seq !== undefined
      ? sql(db, 'SELECT * FROM outbox WHERE seq = ?').get(key.seq)
      : sql(db, 'SELECT * FROM outbox WHERE idempotency_key = ?').get(key.idempotencyKey)
  ) as Row | undefined
  return row ? toEntry(row) : null
}

export function listOutbox(db: Database, states?: readonly OutboxState[]): OutboxEntry[] {
  const rows = sql(db, 'SELECT * FROM outbox ORDER BY seq').all() as Row[]
  return rows.map(toEntry).filter((e) => !states || states.includes(e.state))
}

function setState(
  db: Database,
  seq: number,
  state: OutboxState,
  now: string,
  error: { code: string; message: string } | null,
): void {
  sql(
    db,
    `UPDATE outbox SET state = ?, error_code = ?, error_message = ?, updated_at = ?,
       sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
     WHERE seq = ?`,
  ).run(state, error?.code ?? null, error?.message ?? null, now, state, now, seq)
}

export function markSent(db: Database, seq: number, now = new Date().toISOString()): void {
  setState(db, seq, 'sent', now, null)
}

/** A failure the central will not change its mind about (INVALID, FORBIDDEN…): kept, with its code, for the user. */
export function markFailed(db: Database, seq: number, code: string, message: string, now = new Date().toISOString()): void {
  setState(db, seq, 'failed', now, { code, message: message.slice(0, 500) })
}

export function markConflict(db: Database, seq: number, message: string, now = new Date().toISOString()): void {
  setState(db, seq, 'conflict', now, { code: 'CONFLICT', message: message.slice(0, 500) })
}

export function markDiscarded(db: Database, seq: number, now = new Date().toISOString()): void {
  setState(db, seq, 'discarded', now, null)
}

/** A try that may succeed later (central down): the entry stays first in line. */
export function recordAttempt(db: Database, seq: number, code: string, message: string, now = new Date().toISOString()): void {
  sql(
    db,
    `UPDATE outbox SET attempts = attempts + 1, error_code = ?, error_message = ?, updated_at = ? WHERE seq = ?`,
  ).run(code, message.slice(0, 500), now, seq)
}

/** Back in line (keep mine after a conflict): same sequence number, so it goes before younger writes. */
export function requeue(db: Database, seq: number, ifMatch: string | null, now = new Date().toISOString()): void {
  sql(
    db,
    `UPDATE outbox SET state = 'pending', if_match = ?, error_code = NULL, error_message = NULL, updated_at = ?
     WHERE seq = ?`,
  ).run(ifMatch, now, seq)
}

export interface OutboxCounts {
  pending: number
  failed: number
  conflict: number
}

export function outboxCounts(db: Database): OutboxCounts {
  const rows = sql(
    db,
    "SELECT state, count(*) AS n FROM outbox WHERE state IN ('pending', 'failed', 'conflict') GROUP BY state",
  ).all() as { state: OutboxState; n: number }[]
  const counts: OutboxCounts = { pending: 0, failed: 0, conflict: 0 }
  for (const row of rows) if (row.state in counts) counts[row.state as keyof OutboxCounts] = row.n
  return counts
}
