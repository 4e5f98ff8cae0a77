import type { Encounter, Location, Patient, Practitioner, Resource } from '@medplum/fhirtypes'
import type { Database } from '../migration'
import { healthColumns } from './columns'
import { firstCode, normalizeInstant, parseReference, referencedId } from './fhir'
import { patientTraits } from './patient-traits'
import { refreshPlacement } from './placement'
import { sql } from './statements'

export interface UpsertResult {
  /** Patients whose cached data changed (for `data.changed`). */
  patientIds: Set<string>
  written: number
  /** Same version as cached, older than cached, or held by a pending local write. */
  skipped: number
  /** Newest meta.lastUpdated among the resources given (the next incremental cursor). */
  maxLastUpdated: string | null
  /** Resources not stored (too large, too deeply nested, or not readable as their type): the caller logs them. */
  refused: RefusedResource[]
}

export type RefusalReason = 'too-large' | 'too-deep' | 'unreadable'
export interface RefusedResource {
  resourceType: string
  reason: RefusalReason
}

/**
 * A cached resource is at most this many characters of JSON (about 4 MB): far above any chart text, attachments
 * excepted (they are read from the central on demand, never cached whole). A central that sends more is broken or
 * hostile; storing it would bloat every read of the chart and the encrypted cache.
 */
export const MAX_CACHED_RESOURCE_CHARS = 4 * 1024 * 1024
/** FHIR resources nest a dozen levels at most; deeper is an attack on the recursive readers. */
export const MAX_CACHED_RESOURCE_DEPTH = 32

/**
 * Why a resource must not enter the cache, or null. Walks it with an early exit instead of serialising it, so a
 * 10 MB string costs one length read; the count approximates JSON.stringify's length (quotes and commas aside).
 */
export function admissionProblem(resource: unknown): 'too-large' | 'too-deep' | null {
  const budget = { left: MAX_CACHED_RESOURCE_CHARS, tooDeep: false }
  return fits(resource, 0, budget) ? null : budget.tooDeep ? 'too-deep' : 'too-large'
}

function fits(value: unknown, depth: number, budget: { left: number; tooDeep: boolean }): boolean {
  if (typeof value === 'string') budget.left -= value.length + 2
  else if (value === null || typeof value !== 'object') budget.left -= 8
  else if (depth >= MAX_CACHED_RESOURCE_DEPTH) {
    budget.tooDeep = true
    return false
  } else if (Array.isArray(value)) {
    for (const child of value) if (!fits(child, depth + 1, budget)) return false
  } else {
    for (const key in value) {
      budget.left -= key.length + 4
      if (!fits((value as Record<string, unknown>)[key], depth + 1, budget)) return false
    }
  }
  return budget.left >= 0
}

/** An SQLite failure (disk full, I/O) must stop the batch; a TypeError from a resource of the wrong shape must not. */
function isSqliteError(error: unknown): boolean {
  return error instanceof Error && error.name === 'SqliteError'
}

interface Cached {
  version_id: string | null
  last_updated: string | null
  pending?: number
}

/** Nothing to do when the cached copy is the same version, or newer than the one received. */
function unchanged(cached: Cached | undefined, resource: Resource): boolean {
  if (!cached) return false
  const version = resource.meta?.versionId ?? null
  const lastUpdated = resource.meta?.lastUpdated ?? null
  if (version !== null && cached.version_id === version && cached.last_updated === lastUpdated) return true
  return cached.last_updated !== null && lastUpdated !== null && lastUpdated < cached.last_updated
}

const IDNPS = 'urn:oid:1.2.250.1.71.4.2.1'
const RPPS = 'https://rpps.esante.gouv.fr'

/**
 * Stores resources received from the central (or built locally) in their segment: Patient → identity and
 * administrative, Encounter → encounter + where the patient is now, Location → location, Practitioner →
 * professional, everything else → health_resource with its indexed columns. One transaction for the lot.
 */
export function upsertResources(db: Database, resources: Iterable<Resource>, options: { now?: string } = {}): UpsertResult {
  const now = options.now ?? new Date().toISOString()
  const list = Array.isArray(resources) ? (resources as Resource[]) : [...resources]
  try {
    return upsertBatch(db, list, now, false)
  } catch (error) {
    if (!(error instanceof UnreadableResource)) throw error
    // Rare: the batch was rolled back; again with a savepoint per resource, which costs a third more.
    return upsertBatch(db, list, now, true)
  }
}

/** A resource of the wrong shape made a writer throw (a TypeError, not an SQLite failure). */
class UnreadableResource extends Error {}

function upsertBatch(db: Database, resources: readonly Resource[], now: string, isolate: boolean): UpsertResult {
  const result: UpsertResult = { patientIds: new Set(), written: 0, skipped: 0, maxLastUpdated: null, refused: [] }
  const placements = new Set<string>()
  db.transaction(() => {
    for (const resource of resources) {
      const lastUpdated = resource.meta?.lastUpdated
      if (lastUpdated && (result.maxLastUpdated === null || lastUpdated > result.maxLastUpdated)) {
        result.maxLastUpdated = lastUpdated
      }
      if (!resource.id) throw new Error(`${resource.resourceType} without id cannot be cached`)
      const problem = admissionProblem(resource)
      if (problem) {
        result.refused.push({ resourceType: String(resource.resourceType), reason: problem })
        continue
      }
      let patientId: string | null | undefined
      try {
        // Isolated: a savepoint per resource, so one that fails half-written leaves nothing and the others go in.
        patientId = isolate ? db.transaction(() => writeOne(db, resource, now, placements))() : writeOne(db, resource, now, placements)
      } catch (error) {
        if (isSqliteError(error)) throw error
        if (!isolate) throw new UnreadableResource('unreadable resource', { cause: error })
        result.refused.push({ resourceType: String(resource.resourceType), reason: 'unreadable' })
        continue
      }
      if (patientId === undefined) {
        result.skipped++
        continue
      }
      result.written++
      if (patientId) result.patientIds.add(patientId)
    }
    for (const patientId of refreshPlacement(db, placements, now)) result.patientIds.add(patientId)
  })()
  return result
}

/** Returns the patient touched (null for reference data), or undefined when nothing was written. */
function writeOne(db: Database, resource: Resource, now: string, placements: Set<string>): string | null | undefined {
  switch (resource.resourceType) {
    case 'Patient':
      return writePatient(db, resource, now)
    case 'Encounter':
      return writeEncounter(db, resource, now, placements)
    case 'Location':
      return writeLocation(db, resource, now)
    case 'Practitioner':
      return writePractitioner(db, resource, now)
    default:
      return writeHealth(db, resource, now)
  }
}

function writePatient(db: Database, patient: Patient, now: string): string | undefined {
  const id = patient.id as string
  const cached = sql(db, 'SELECT version_id, last_updated FROM identity WHERE patient_id = ?').get(id) as Cached | undefined
  if (unchanged(cached, patient)) return undefined
  const t = patientTraits(patient)
  sql(
    db,
    `INSERT INTO identity (patient_id, version_id, last_updated, identity_status, ins, ins_oid, family_name, given_name,
       birth_family_name, birth_given_names, sex, birth_date, sort_key, json, fetched_at)
     VALUES (@id, @version, @lastUpdated, @status, @ins, @insOid, @family, @given, @birthFamily, @birthGiven, @sex,
       @birthDate, @sortKey, @json, @now)
     ON CONFLICT (patient_id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
       identity_status = excluded.identity_status, ins = excluded.ins, ins_oid = excluded.ins_oid,
       family_name = excluded.family_name, given_name = excluded.given_name,
       birth_family_name = excluded.birth_family_name, birth_given_names = excluded.birth_given_names,
       sex = excluded.sex, birth_date = excluded.birth_date, sort_key = excluded.sort_key, json = excluded.json,
       fetched_at = excluded.fetched_at`,
  ).run({
    id,
    version: patient.meta?.versionId ?? null,
    lastUpdated: patient.meta?.lastUpdated ?? null,
    status: t.identityStatus,
    ins: t.ins,
    insOid: t.insOid,
    family: t.familyName,
    given: t.givenName,
    birthFamily: t.birthFamilyName,
    birthGiven: t.birthGivenNames,
    sex: t.sex,
    birthDate: t.birthDate,
    sortKey: t.sortKey,
    json: JSON.stringify(patient),
    now,
  })
  if (cached) sql(db, 'DELETE FROM identity_token WHERE patient_id = ?').run(id)
  const token = sql(db, 'INSERT OR IGNORE INTO identity_token (token, sort_key, patient_id) VALUES (?, ?, ?)')
  for (const word of t.tokens) token.run(word, t.sortKey, id)
  sql(
    db,
    `INSERT INTO administrative (patient_id, ipp, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (patient_id) DO UPDATE SET ipp = excluded.ipp, updated_at = excluded.updated_at`,
  ).run(id, t.ipp, now)
  return id
}

function writeEncounter(db: Database, encounter: Encounter, now: string, placements: Set<string>): string | null | undefined {
  const cached = sql(db, 'SELECT version_id, last_updated, patient_id FROM encounter WHERE id = ?').get(encounter.id) as
    | (Cached & { patient_id: string | null })
    | undefined
  if (unchanged(cached, encounter)) return undefined
  const patientId = referencedId(encounter.subject, 'Patient')
  sql(
    db,
    `INSERT INTO encounter (id, version_id, last_updated, patient_id, status, period_start, json, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
       patient_id = excluded.patient_id, status = excluded.status, period_start = excluded.period_start,
       json = excluded.json, fetched_at = excluded.fetched_at`,
  ).run(
    encounter.id,
    encounter.meta?.versionId ?? null,
    encounter.meta?.lastUpdated ?? null,
    patientId,
    encounter.status ?? null,
    normalizeInstant(encounter.period?.start),
    JSON.stringify(encounter),
    now,
  )
  if (patientId) placements.add(patientId)
  // A stay moved to another patient (identity merge): the former one's placement is recomputed too.
  if (cached?.patient_id && cached.patient_id !== patientId) placements.add(cached.patient_id)
  return patientId
}

function writeLocation(db: Database, location: Location, now: string): null | undefined {
  const cached = sql(db, 'SELECT version_id, last_updated FROM location WHERE id = ?').get(location.id) as Cached | undefined
  if (unchanged(cached, location)) return undefined
  sql(
    db,
    `INSERT INTO location (id, version_id, last_updated, name, parent_id, physical_type, json, fetched_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
       name = excluded.name, parent_id = excluded.parent_id, physical_type = excluded.physical_type,
       json = excluded.json, fetched_at = excluded.fetched_at`,
  ).run(
    location.id,
    location.meta?.versionId ?? null,
    location.meta?.lastUpdated ?? null,
    location.name ?? null,
    parseReference(location.partOf)?.id ?? null,
    firstCode(location.physicalType),
    JSON.stringify(location),
    now,
  )
  return null
}

function writePractitioner(db: Database, practitioner: Practitioner, now: string): null {
  const identifiers = practitioner.identifier ?? []
  const nationalId =
    identifiers.find((i) => i.system === IDNPS)?.value ?? identifiers.find((i) => i.system === RPPS)?.value ?? null
  const name = practitioner.name?.[0]
  sql(
    db,
    `INSERT INTO professional (id, national_id, family_name, given_name, json, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET national_id = excluded.national_id, family_name = excluded.family_name,
       given_name = excluded.given_name, json = excluded.json, updated_at = excluded.updated_at`,
  ).run(practitioner.id, nationalId, name?.family ?? '', name?.given?.[0] ?? null, JSON.stringify(practitioner), now)
  return null
}

function writeHealth(db: Database, resource: Resource, now: string): string | null | undefined {
  const cached = sql(db, 'SELECT version_id, last_updated, pending FROM health_resource WHERE resource_type = ? AND id = ?').get(
    resource.resourceType,
    resource.id,
  ) as Cached | undefined
  // A local change waiting in the outbox owns its row until the central answers (or a conflict is resolved).
  if (cached?.pending === 1 || unchanged(cached, resource)) return undefined
  const c = healthColumns(resource)
  if (c.writeId) {
    // The central's copy of one of our own writes replaces the local copy made while it was queued.
    sql(db, 'DELETE FROM health_resource WHERE write_id = ? AND resource_type = ? AND id != ?').run(
      c.writeId,
      resource.resourceType,
      resource.id,
    )
  }
  putHealth(db, resource, c, { pending: false, now })
  return c.patientId
}

/** Inserts or replaces one health resource row as given (no version check). */
export function putHealth(
  db: Database,
  resource: Resource,
  c: ReturnType<typeof healthColumns>,
  options: { pending: boolean; now: string },
): void {
  sql(
    db,
    `INSERT INTO health_resource (resource_type, id, version_id, last_updated, patient_id, category, code, effective_at,
       status, write_id, pending, json, fetched_at)
     VALUES (@type, @id, @version, @lastUpdated, @patientId, @category, @code, @effectiveAt, @status, @writeId, @pending,
       @json, @now)
     ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id,
       last_updated = excluded.last_updated, patient_id = excluded.patient_id, category = excluded.category,
       code = excluded.code, effective_at = excluded.effective_at, status = excluded.status,
       write_id = excluded.write_id, pending = excluded.pending, json = excluded.json, fetched_at = excluded.fetched_at`,
  ).run({
    type: resource.resourceType,
    id: resource.id,
    version: resource.meta?.versionId ?? null,
    lastUpdated: resource.meta?.lastUpdated ?? null,
    patientId: c.patientId,
    category: c.category,
    code: c.code,
    effectiveAt: c.effectiveAt,
    status: c.status,
    writeId: c.writeId,
    pending: options.pending ? 1 : 0,
    json: JSON.stringify(resource),
    now: options.now,
  })
}

/** The cached JSON of one health resource, with whether a local change is pending on it. */
export function readHealth<T extends Resource>(
  db: Database,
  type: T['resourceType'],
  id: string,
): { resource: T; pending: boolean; patientId: string | null } | null {
  const row = sql(db, 'SELECT json, pending, patient_id FROM health_resource WHERE resource_type = ? AND id = ?').get(type, id) as
    | { json: string; pending: number; patient_id: string | null }
    | undefined
  return row ? { resource: JSON.parse(row.json) as T, pending: row.pending === 1, patientId: row.patient_id } : null
}
