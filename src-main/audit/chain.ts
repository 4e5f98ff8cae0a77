import { createHash } from 'node:crypto'
import type { Database } from '../store'

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** The chained columns of an audit_journal row, as stored (detail is the stored JSON text, or null). */
export interface ChainedRow {
  recorded_at: string
  actor: string
  actor_role: string | null
  action: string
  patient_id: string | null
  entity: string | null
  purpose: string | null
  workstation: string | null
  detail: string | null
  prev_hash: string
}

/** JSON with object keys sorted at every level: one text per value, whatever the order it was built in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`
}

/**
 * SHA-256 (hex) over the canonical JSON of the row's chained columns, prev_hash included: changing any column,
 * or the entry before it, changes the hash. seq and exported_at are left out (the export mark changes later).
 */
export function entryHash(row: ChainedRow): string {
  const fields: ChainedRow = {
    recorded_at: row.recorded_at,
    actor: row.actor,
    actor_role: row.actor_role,
    action: row.action,
    patient_id: row.patient_id,
    entity: row.entity,
    purpose: row.purpose,
    workstation: row.workstation,
    detail: row.detail,
    prev_hash: row.prev_hash,
  }
  return createHash('sha256').update(canonicalJson(fields), 'utf8').digest('hex')
}

export type ChainBreak =
  /** The row's hash is not the hash of its content: the row was changed. */
  | { check: 'hash'; seq: number; recordedAt: string }
  /** The row does not follow the previous one: a row before it was removed, or inserted, or re-chained. */
  | { check: 'prev_hash'; seq: number; recordedAt: string; previousSeq: number | null }
  /** The last entries were removed: the sequence counter went further than the last row. */
  | { check: 'tail'; seq: number; recordedAt: string; lastIssued: number }

export type ChainReport = { ok: true; entries: number; head: string } | { ok: false; entries: number; broken: ChainBreak }

/** A whole audit_journal row (exported_at aside). */
export interface JournalRow extends ChainedRow {
  seq: number
  hash: string
}

/** Walks the whole journal in order; stops at the first broken entry. */
export function verifyChain(db: Database): ChainReport {
  let previous: { seq: number; hash: string; recordedAt: string } | null = null
  let entries = 0
  const rows = db.prepare('SELECT * FROM audit_journal ORDER BY seq').iterate() as IterableIterator<JournalRow>
  for (const row of rows) {
    entries++
    const expectedPrev = previous?.hash ?? GENESIS_HASH
    if (row.prev_hash !== expectedPrev) {
      rows.return?.()
      return { ok: false, entries, broken: { check: 'prev_hash', seq: row.seq, recordedAt: row.recorded_at, previousSeq: previous?.seq ?? null } }
    }
    if (entryHash(row) !== row.hash) {
      rows.return?.()
      return { ok: false, entries, broken: { check: 'hash', seq: row.seq, recordedAt: row.recorded_at } }
    }
    previous = { seq: row.seq, hash: row.hash, recordedAt: row.recorded_at }
  }
  // AUTOINCREMENT keeps the highest seq ever issued: rows cut from the end leave it ahead of the last row.
  const issued = (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_journal'").pluck().get() as number | undefined) ?? 0
  if (issued > (previous?.seq ?? 0)) {
    return {
      ok: false,
      entries,
      broken: { check: 'tail', seq: previous?.seq ?? 0, recordedAt: previous?.recordedAt ?? '', lastIssued: issued },
    }
  }
  return { ok: true, entries, head: previous?.hash ?? GENESIS_HASH }
}

/** Hash of the last entry (GENESIS_HASH for an empty journal). */
export function chainHead(db: Database): string {
  return (db.prepare('SELECT hash FROM audit_journal ORDER BY seq DESC LIMIT 1').pluck().get() as string | undefined) ?? GENESIS_HASH
}
