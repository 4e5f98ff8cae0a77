import type { ErrorCode, MethodName } from '../contract'
import type { Logger } from '../log'
import type { JournalRecord } from '../rpc/dispatcher'
import type { Database } from '../store'
import { WRITE_IDENTIFIER_SYSTEM, conflictTask, outboxEntry } from '../store/cache'
import { GENESIS_HASH, canonicalJson, entryHash, type ChainedRow } from './chain'
import { extractorFor, type ExtractContext, type JournalAction, type Touch, type WrittenResource } from './extractors'

/** Care: the care relationship. BTG: break the glass (issue 6), under its own reason and time limit. */
export type Purpose = 'care' | 'btg'

/** What the journal keeps of an outcome: success, or the refusal's RPC code. */
export type Outcome = 'success' | ErrorCode

export interface JournalEntry {
  recordedAt: string
  actor: string
  actorRole: string | null
  action: JournalAction
  patientId: string | null
  entity: string | null
  purpose: Purpose
  workstation: string
  detail: { method: MethodName; outcome: Outcome; elements: string[]; count?: number } & Record<string, unknown>
}

/** Who calls: the signed-in professional; null without a session. */
export interface Caller {
  actor: string
  role: string
}

/** The actor recorded for a call refused without a session. */
export const NO_SESSION_ACTOR = 'anonymous'

/** Raised when a read must not be served because it could not be traced (CNIL: traceability before data). */
export class JournalUnavailable extends Error {
  constructor() {
    super('access journal unavailable')
    this.name = 'JournalUnavailable'
  }
}

/** The workstation id: the store's installation id (a random UUID made at creation, no person, no host name). */
export function workstationId(db: Database): string {
  return (db.prepare("SELECT value FROM meta WHERE key = 'installation_id'").pluck().get() as string | undefined) ?? 'unknown'
}

/**
 * Appends entries to the chain in one IMMEDIATE transaction: the previous hash is read under the write lock, so
 * two writers (two windows, a second process) can never chain onto the same entry.
 */
export function appendEntries(db: Database, entries: readonly JournalEntry[]): void {
  if (entries.length === 0) return
  const last = db.prepare('SELECT hash FROM audit_journal ORDER BY seq DESC LIMIT 1').pluck()
  const insert = db.prepare(
    `INSERT INTO audit_journal (recorded_at, actor, actor_role, action, patient_id, entity, purpose, workstation, detail, prev_hash, hash)
     VALUES (@recorded_at, @actor, @actor_role, @action, @patient_id, @entity, @purpose, @workstation, @detail, @prev_hash, @hash)`,
  )
  db.transaction(() => {
    let prev = (last.get() as string | undefined) ?? GENESIS_HASH
    for (const entry of entries) {
      const row: ChainedRow = {
        recorded_at: entry.recordedAt,
        actor: entry.actor,
        actor_role: entry.actorRole,
        action: entry.action,
        patient_id: entry.patientId,
        entity: entry.entity,
        purpose: entry.purpose,
        workstation: entry.workstation,
        detail: canonicalJson(entry.detail),
        prev_hash: prev,
      }
      const hash = entryHash(row)
      insert.run({ ...row, hash })
      prev = hash
    }
  }).immediate()
}

interface Coded {
  code?: { coding?: { code?: string }[] }
  type?: { coding?: { code?: string }[] }
  component?: Coded[]
  section?: Coded[]
  identifier?: { system?: string; value?: string }[]
}

function codesOf(resource: Coded): string[] {
  const own = [...(resource.code?.coding ?? []), ...(resource.type?.coding ?? [])].map((coding) => coding.code)
  const nested = [...(resource.component ?? []), ...(resource.section ?? [])].flatMap(codesOf)
  return [...new Set([...own, ...nested].filter((code): code is string => typeof code === 'string'))]
}

/** The resources of a queued write (a Bundle, or a single resource), with their write identifiers and codes. */
export function writtenResources(body: unknown): WrittenResource[] {
  if (!body || typeof body !== 'object') return []
  const bundle = body as { resourceType?: string; entry?: { resource?: unknown }[] }
  const resources = bundle.resourceType === 'Bundle' ? (bundle.entry ?? []).map((entry) => entry.resource) : [body]
  return resources
    .filter((resource): resource is Coded & { resourceType: string } => typeof (resource as { resourceType?: unknown })?.resourceType === 'string')
    .map((resource) => ({
      resourceType: resource.resourceType,
      writeId: resource.identifier?.find((identifier) => identifier.system === WRITE_IDENTIFIER_SYSTEM)?.value ?? null,
      codes: codesOf(resource),
    }))
}

export interface AccessJournalOptions {
  db: Database
  log: Logger
  /** The signed-in professional, read at each call. */
  who: () => Caller | null
  /** Purpose of an access to this patient; 'care' unless break the glass says otherwise. */
  purpose?: (patientId: string | null) => Purpose
  /** Whether this patient is flagged sensitive (confidential, VIP, penitentiary): the entry's detail says so. */
  sensitive?: (patientId: string) => boolean
  now?: () => Date
}

/**
 * The dispatcher's journal (DESIGN.md §9): one entry per resource a data call returned or changed, one entry
 * without resource for a refused data call. Methods with no extractor (no patient data) are not journaled.
 *
 * When the journal cannot be written: a read is refused (JournalUnavailable → INTERNAL), since serving patient
 * data nobody can trace later is what the CNIL's traceability rule forbids; a write is already durable in the
 * store and its outbox, so it stands, and the failure is logged (codes only) for the DPO's attention.
 */
export function createAccessJournal(options: AccessJournalOptions): (record: JournalRecord) => void {
  const { db, log, who } = options
  const now = options.now ?? (() => new Date())
  const purposeOf = options.purpose ?? (() => 'care' as const)
  let workstation: string | null = null
  const context: ExtractContext = {
    conflictTask: (taskId) => conflictTask(db, taskId),
    written: (writeId) => writtenResources(outboxEntry(db, { idempotencyKey: writeId })?.body),
  }

  return function journal(record) {
    const extractor = extractorFor(record.method)
    if (!extractor) return
    let entries: JournalEntry[] = []
    try {
      workstation ??= workstationId(db)
      const caller = who()
      const base = {
        recordedAt: now().toISOString(),
        actor: caller?.actor ?? NO_SESSION_ACTOR,
        actorRole: caller?.role ?? null,
        action: extractor.action,
        workstation,
      }
      const params = record.params as never
      const touches: Touch[] =
        record.outcome === 'success'
          ? extractor.touched(params, record.result as never, context)
          : [{ patientId: extractor.patientOf(params), entity: null, elements: [] }]
      entries = touches.map((touch) => ({
        ...base,
        patientId: touch.patientId,
        entity: touch.entity,
        purpose: purposeOf(touch.patientId),
        detail: {
          method: record.method,
          outcome: record.outcome,
          elements: touch.elements,
          ...(touch.count !== undefined ? { count: touch.count } : {}),
          ...touch.extra,
          ...(touch.patientId && options.sensitive?.(touch.patientId) ? { sensitive: true } : {}),
        },
      }))
      appendEntries(db, entries)
    } catch (error) {
      log.error('audit.journal.failed', {
        method: record.method,
        outcome: record.outcome,
        entries: entries.length,
        error: error instanceof Error ? error.name : typeof error,
      })
      if (record.outcome === 'success' && extractor.action === 'read') throw new JournalUnavailable()
    }
  }
}
