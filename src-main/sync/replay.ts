import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes'
import { CentralError, type CentralClient } from '../central/types'
import type { Logger } from '../log'
import type { Database } from '../store'
import {
  applyCreated,
  applyUpdated,
  createConflictTask,
  markFailed,
  markSent,
  nextPending,
  recordAttempt,
  provenanceCondition,
  provenanceWriteId,
  WRITE_IDENTIFIER_SYSTEM,
  type OutboxEntry,
} from '../store/cache'

export interface ReplayReport {
  sent: number
  failed: number
  conflicts: number
  /** Patients whose cached rows changed (acknowledged writes). */
  patientIds: Set<string>
  /** The retryable failure that stopped the queue (the central is down): try again later. */
  stoppedBy: CentralError | null
}

/** Failures that say nothing about the write itself: keep it first in line and try again later. */
function isTransient(error: CentralError): boolean {
  return error.retryable || error.code === 'OFFLINE' || error.code === 'UNAUTHENTICATED'
}

function stripVolatile(resource: unknown): unknown {
  if (Array.isArray(resource)) return resource.map(stripVolatile)
  if (!resource || typeof resource !== 'object') return resource
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(resource).sort()) {
    if (key === 'meta' || key === 'text') continue
    out[key] = stripVolatile((resource as Record<string, unknown>)[key])
  }
  return out
}

/** Same content, versions and narrative aside: a 412 on a replayed PUT whose first try the central had applied. */
function sameContent(a: Resource, b: unknown): boolean {
  return JSON.stringify(stripVolatile(a)) === JSON.stringify(stripVolatile(b))
}

function writeIdentifier(resource: Resource): string | null {
  const identifiers = (resource as { identifier?: { system?: string; value?: string }[] }).identifier
  return identifiers?.find((i) => i.system === WRITE_IDENTIFIER_SYSTEM && i.value)?.value ?? null
}

/** The conditional create that makes a replayed POST idempotent: its write identifier, or a Provenance's write tag. */
function createCondition(resource: Resource): string | undefined {
  const writeId = writeIdentifier(resource)
  if (writeId) return `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}`
  const provenanceId = provenanceWriteId(resource)
  return provenanceId ? provenanceCondition(provenanceId) : undefined
}

/** The central's copy of each created entry: the returned resource, else ours with the id and version it assigned. */
function createdResources(request: Bundle, response: Bundle): Resource[] {
  const sent = request.entry ?? []
  const answers = response.entry ?? []
  if (answers.length !== sent.length) {
    throw new CentralError('INTERNAL', `transaction answer has ${answers.length} entries for ${sent.length}`, null, false)
  }
  return sent.map((entry: BundleEntry, index) => {
    const answer = answers[index] as BundleEntry
    if (answer.resource?.id && answer.resource.resourceType === entry.resource?.resourceType) return answer.resource
    const location = answer.response?.location ?? ''
    const match = /(?:^|\/)([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/.exec(location)
    if (!entry.resource || !match || match[1] !== entry.resource.resourceType) {
      throw new CentralError('INTERNAL', 'transaction answer without the created resource', null, false)
    }
    const lastModified = answer.response?.lastModified
    return {
      ...entry.resource,
      id: match[2],
      meta: { ...(entry.resource.meta ?? {}), ...(match[3] ? { versionId: match[3] } : {}), ...(lastModified ? { lastUpdated: lastModified } : {}) },
    } as Resource
  })
}

/** Sends one entry and stores the central's answer in the cache, marking the entry sent, in one transaction. */
async function send(db: Database, central: CentralClient, entry: OutboxEntry, now: string): Promise<void> {
  if (entry.method === 'TRANSACTION') {
    const bundle = entry.body as Bundle
    const response = await central.transaction(bundle)
    const created = createdResources(bundle, response)
    db.transaction(() => {
      for (const resource of created) applyCreated(db, resource, now)
      markSent(db, entry.seq, now)
    })()
    return
  }
  const resource = entry.body as Resource
  if (entry.method === 'POST') {
    const ifNoneExist = createCondition(resource)
    const result = await central.create(resource, ifNoneExist ? { ifNoneExist } : {})
    db.transaction(() => {
      applyCreated(db, result.resource, now)
      markSent(db, entry.seq, now)
    })()
    return
  }
  const result = await central.update({ ...resource, id: entry.resourceId as string }, entry.ifMatch ? { ifMatch: entry.ifMatch } : {})
  db.transaction(() => {
    applyUpdated(db, result.resource, now)
    markSent(db, entry.seq, now)
  })()
}

/** 412 on an update: either our own earlier try that the central applied, or a real conflict for the user. */
async function onConflict(db: Database, central: CentralClient, entry: OutboxEntry, now: string, log: Logger): Promise<'sent' | 'conflict'> {
  const current = await central.read(entry.resourceType as Resource['resourceType'], entry.resourceId as string)
  if (sameContent(current, { ...(entry.body as Resource), id: entry.resourceId })) {
    db.transaction(() => {
      applyUpdated(db, current, now)
      markSent(db, entry.seq, now)
    })()
    return 'sent'
  }
  const task = createConflictTask(db, entry, { versionId: current.meta?.versionId ?? null, lastUpdated: current.meta?.lastUpdated ?? null }, now)
  log.warn('sync.outbox.conflict', { seq: entry.seq, kind: entry.kind, resourceType: entry.resourceType, task: task.id })
  return 'conflict'
}

/**
 * Replays the outbox in order (FIFO by sequence), one write at a time. Stops at the first failure that may pass
 * (central down, token missing): that write stays first in line. A 412 on an update becomes a conflict task and
 * the queue goes on; a write the central refuses for good (INVALID, FORBIDDEN…) is kept as `failed` with its code
 * and the queue goes on. Nothing is ever dropped.
 */
export async function replayOutbox(options: {
  db: Database
  central: CentralClient
  log: Logger
  now: () => Date
  /** Stop after this many sends (the caller yields between batches); default: until the queue is empty. */
  max?: number
}): Promise<ReplayReport> {
  const { db, central, log } = options
  const report: ReplayReport = { sent: 0, failed: 0, conflicts: 0, patientIds: new Set(), stoppedBy: null }
  for (let done = 0; options.max === undefined || done < options.max; done++) {
    const entry = nextPending(db)
    if (!entry) break
    const now = options.now().toISOString()
    try {
      await send(db, central, entry, now)
      report.sent++
    } catch (error) {
      if (!(error instanceof CentralError)) {
        // A bug of ours, not the central's answer: keep the write, visible, and let the queue go on.
        log.error('sync.outbox.bug', { seq: entry.seq, kind: entry.kind, error: (error as Error)?.name ?? 'unknown' })
        markFailed(db, entry.seq, 'INTERNAL', (error as Error)?.message ?? String(error), now)
        report.failed++
        continue
      }
      if (isTransient(error)) {
        recordAttempt(db, entry.seq, error.code, error.message, now)
        report.stoppedBy = error
        log.info('sync.outbox.paused', { seq: entry.seq, code: error.code, status: error.status })
        break
      }
      if (error.code === 'CONFLICT' && entry.method === 'PUT') {
        try {
          const outcome = await onConflict(db, central, entry, now, log)
          if (outcome === 'sent') report.sent++
          else report.conflicts++
        } catch (readError) {
          if (readError instanceof CentralError && isTransient(readError)) {
            recordAttempt(db, entry.seq, readError.code, readError.message, now)
            report.stoppedBy = readError
            break
          }
          // The central's version cannot be read (gone, forbidden): the conflict is still the user's to see.
          createConflictTask(db, entry, null, now)
          report.conflicts++
        }
      } else {
        markFailed(db, entry.seq, error.code, error.message, now)
        log.warn('sync.outbox.failed', { seq: entry.seq, kind: entry.kind, code: error.code, status: error.status })
        report.failed++
      }
    }
    if (entry.patientId) report.patientIds.add(entry.patientId)
  }
  return report
}
