import { deepClone, gone, notFound, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core'
import { MemoryRepository, type ReadHistoryOptions, type UpdateResourceOptions } from '@medplum/fhir-router'
import type { Bundle, BundleEntry, Provenance, Resource } from '@medplum/fhirtypes'
import { CareUnitIndex } from './care-units'
import { foldNames, type FoldedNames } from './fold'
import { patientLinks } from './patient-links'
import { isSupportedResourceType } from './resource-types'
import { effectivePageSize, SearchEngine, type SearchPage, type SearchScope, type SearchStore } from './search'

/** MemoryRepository's private storage (4.5.x): read for scans without cloning, truncated to roll back. */
interface MemoryInternals {
  resources: Map<string, Map<string, Resource>>
  history: Map<string, Map<string, Resource[]>>
}

export interface VersionEntry {
  seq: number
  type: string
  id: string
  versionId: string
  lastUpdated: string
  method: 'POST' | 'PUT' | 'DELETE'
  /** The stored version (shared with MemoryRepository's history, never handed out without a clone). */
  resource?: Resource
  /** For a deletion, the version it removed (access checks need its patient). */
  prior?: Resource
}

interface Change {
  type: string
  id: string
  before: Resource | undefined
  historyLength: number
  versionsLength: number
}

export interface TypeHistoryOptions {
  since?: string
  offset?: number
  count?: number
  visible?: (entry: VersionEntry) => boolean
}

export function historyEntry(entry: VersionEntry): BundleEntry {
  return {
    ...(entry.resource ? { resource: deepClone(entry.resource) } : {}),
    request: { method: entry.method, url: entry.method === 'POST' ? entry.type : `${entry.type}/${entry.id}` },
    response: {
      status: entry.method === 'POST' ? '201' : entry.method === 'DELETE' ? '204' : '200',
      etag: `W/"${entry.versionId}"`,
      lastModified: entry.lastUpdated,
    },
  }
}

/**
 * Medplum's in-memory repository with the gaps the training central needs closed:
 * - version ids are 1, 2, 3… per resource and `meta.lastUpdated` strictly increases across writes (except
 *   AuditEvents), so `_lastUpdated=gt<last seen>` never misses a write made in the same millisecond;
 * - history is read from our own version log, newest first, the same on every call (medplum's
 *   `readHistory` reverses its array in place, so its order flips), and includes deletions; type-level history;
 * - a journal lets a transaction be rolled back exactly (medplum's transactions are not atomic);
 * - indexes kept on every write: patient → resources, folded person names, current stays (for access checks).
 */
export class TrainingRepository extends MemoryRepository {
  readonly careUnits = new CareUnitIndex()
  private readonly internals: MemoryInternals
  private readonly log: VersionEntry[] = []
  private readonly versions = new Map<string, VersionEntry[]>()
  private readonly patientIndex = new Map<string, Map<string, Set<string>>>()
  private readonly linksOf = new Map<string, string[]>()
  private readonly names = new Map<string, FoldedNames>()
  private readonly engine: SearchEngine
  private sequence = 0
  private lastStamp = 0
  private generationCounter = 0
  private journal: { logLength: number; changes: Change[] } | undefined

  constructor() {
    super()
    const internals = this as unknown as Partial<MemoryInternals>
    if (!(internals.resources instanceof Map) || !(internals.history instanceof Map)) {
      throw new Error('@medplum/fhir-router MemoryRepository storage is not the one of 4.5.x')
    }
    this.internals = internals as MemoryInternals
    this.engine = new SearchEngine(this.searchStore())
  }

  /** Bumped on every write but AuditEvents: cached search results are valid for one generation. */
  get generation(): number {
    return this.generationCounter
  }

  override clear(): void {
    super.clear()
    this.log.length = 0
    this.versions.clear()
    this.patientIndex.clear()
    this.linksOf.clear()
    this.names.clear()
    this.generationCounter++
  }

  // ---- writes ---------------------------------------------------------------------------------------------

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    return (await this.store(resource)) as WithId<T>
  }

  /** medplum checks If-Match, then calls createResource (ours) to store the new version. */
  override updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    return super.updateResource(resource, options)
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const before = this.current(resourceType, id)
    if (!before) throw new OperationOutcomeError(notFound)
    this.remember(resourceType, id, before)
    await super.deleteResource(resourceType, id)
    this.append({
      type: resourceType,
      id,
      versionId: String(this.lastVersion(resourceType, id) + 1),
      lastUpdated: this.stamp(resourceType),
      method: 'DELETE',
      prior: before,
    })
    this.reindex(resourceType, id, before, undefined)
  }

  /**
   * Bulk insert without validation (the caller vouches for the resources): one timestamp for the whole load.
   * The store adopts the resources' content — the caller must not mutate them afterwards. Types the server does
   * not serve are refused up front, so nothing is half-loaded.
   */
  async loadTrusted(resources: readonly Resource[]): Promise<void> {
    const unsupported = resources.find((r) => !isSupportedResourceType(r.resourceType))
    if (unsupported) throw new Error(`load: unsupported resource type ${unsupported.resourceType}`)
    const missingId = resources.findIndex((r) => !r.id)
    if (missingId >= 0) throw new Error(`load: resource #${missingId} has no id`)
    const stamp = this.stamp('load')
    for (const resource of resources) this.insertTrusted(resource as WithId<Resource>, stamp)
  }

  /**
   * The load path writes medplum's maps directly and adopts the resource's content (only the top level is
   * copied, to set meta): medplum's createResource runs a cleaning stringify and two deep clones per resource,
   * three times the cost of the whole insert. Every answer is cloned on the way out, so clients never share it.
   */
  private insertTrusted(resource: WithId<Resource>, lastUpdated: string): void {
    const { resourceType: type, id } = resource
    const before = this.current(type, id)
    const hadVersions = (this.versions.get(`${type}/${id}`)?.length ?? 0) > 0
    const versionId = String(this.lastVersion(type, id) + 1)
    const stored: Resource = { ...resource, meta: { ...resource.meta, versionId, lastUpdated } }
    this.remember(type, id, before)
    let table = this.internals.resources.get(type)
    if (!table) this.internals.resources.set(type, (table = new Map()))
    table.set(id, stored)
    let byId = this.internals.history.get(type)
    if (!byId) this.internals.history.set(type, (byId = new Map()))
    let versions = byId.get(id)
    if (!versions) byId.set(id, (versions = []))
    versions.push(stored)
    this.append({ type, id, versionId, lastUpdated, method: hadVersions ? 'PUT' : 'POST', resource: stored })
    this.reindex(type, id, before, stored)
  }

  private async store(resource: Resource): Promise<WithId<Resource>> {
    const type = resource.resourceType
    const id = resource.id ?? this.generateId()
    const before = this.current(type, id)
    const hadVersions = (this.versions.get(`${type}/${id}`)?.length ?? 0) > 0
    const versionId = String(this.lastVersion(type, id) + 1)
    const lastUpdated = this.stamp(type)
    this.remember(type, id, before)
    const created = await super.createResource({ ...resource, id, meta: { ...resource.meta, versionId, lastUpdated } })
    const stored = this.current(type, id) as Resource
    this.append({ type, id, versionId, lastUpdated, method: hadVersions ? 'PUT' : 'POST', resource: stored })
    this.reindex(type, id, before, stored)
    return created
  }

  private stamp(type: string): string {
    const now = Date.now()
    this.lastStamp = type === 'AuditEvent' ? Math.max(now, this.lastStamp) : Math.max(now, this.lastStamp + 1)
    return new Date(this.lastStamp).toISOString()
  }

  private lastVersion(type: string, id: string): number {
    const entries = this.versions.get(`${type}/${id}`)
    return entries?.length ? Number((entries[entries.length - 1] as VersionEntry).versionId) : 0
  }

  private append(entry: Omit<VersionEntry, 'seq'>): void {
    const full: VersionEntry = { ...entry, seq: ++this.sequence }
    this.log.push(full)
    const key = `${entry.type}/${entry.id}`
    let entries = this.versions.get(key)
    if (!entries) this.versions.set(key, (entries = []))
    entries.push(full)
  }

  /**
   * The patients a resource is indexed under. A Provenance names no patient itself: it belongs to the patients of
   * what it attests (as access.ts decides), so that it is found by `target`, `agent` or `recorded` searches.
   */
  private patientsOfStored(resource: Resource): string[] {
    const links = patientLinks(resource) ?? []
    if (resource.resourceType !== 'Provenance' || links.length > 0) return links
    const patients = new Set<string>()
    for (const target of (resource as Provenance).target ?? []) {
      const [type, id] = (target.reference ?? '').split('/')
      const stored = type && id ? this.current(type, id) : undefined
      for (const patientId of stored ? (patientLinks(stored) ?? []) : []) patients.add(patientId)
    }
    return [...patients]
  }

  private reindex(type: string, id: string, before: Resource | undefined, after: Resource | undefined): void {
    const key = `${type}/${id}`
    const oldLinks = this.linksOf.get(key) ?? []
    const newLinks = after ? this.patientsOfStored(after) : []
    for (const patientId of oldLinks) {
      if (!newLinks.includes(patientId)) this.patientIndex.get(patientId)?.get(type)?.delete(id)
    }
    for (const patientId of newLinks) {
      let byType = this.patientIndex.get(patientId)
      if (!byType) this.patientIndex.set(patientId, (byType = new Map()))
      let ids = byType.get(type)
      if (!ids) byType.set(type, (ids = new Set()))
      ids.add(id)
    }
    if (newLinks.length) this.linksOf.set(key, newLinks)
    else this.linksOf.delete(key)

    const folded = after ? foldNames(after) : undefined
    if (folded) this.names.set(key, folded)
    else this.names.delete(key)

    this.careUnits.onWrite(before, after)
    if (type !== 'AuditEvent') this.generationCounter++
  }

  // ---- transactions ---------------------------------------------------------------------------------------

  /** Starts recording changes so that rollback() can undo them; callers serialize requests (one at a time). */
  beginJournal(): void {
    if (this.journal) throw new Error('a transaction is already open')
    this.journal = { logLength: this.log.length, changes: [] }
  }

  commitJournal(): void {
    this.journal = undefined
  }

  /** Puts back every resource the open transaction touched, as it was: current version, history and indexes. */
  rollbackJournal(): void {
    const journal = this.journal
    this.journal = undefined
    if (!journal) return
    for (const change of journal.changes.reverse()) {
      const { type, id, before } = change
      let table = this.internals.resources.get(type)
      if (!table) this.internals.resources.set(type, (table = new Map()))
      const current = table.get(id)
      if (before) table.set(id, before)
      else table.delete(id)
      const history = this.internals.history.get(type)?.get(id)
      if (history) history.length = change.historyLength
      const key = `${type}/${id}`
      const entries = this.versions.get(key)
      if (entries) {
        entries.length = change.versionsLength
        if (!entries.length) this.versions.delete(key)
      }
      this.reindex(type, id, current, before)
    }
    this.log.length = journal.logLength
  }

  private remember(type: string, id: string, before: Resource | undefined): void {
    if (!this.journal) return
    this.journal.changes.push({
      type,
      id,
      before,
      historyLength: this.internals.history.get(type)?.get(id)?.length ?? 0,
      versionsLength: this.versions.get(`${type}/${id}`)?.length ?? 0,
    })
  }

  // ---- reads ----------------------------------------------------------------------------------------------

  /** The stored current version, not cloned: for checks only, never to hand out. */
  current(type: string, id: string): Resource | undefined {
    return this.internals.resources.get(type)?.get(id)
  }

  /** The last stored content of a resource, deleted or not (access checks on history need it). */
  lastContent(type: string, id: string): Resource | undefined {
    const entries = this.versions.get(`${type}/${id}`) ?? []
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as VersionEntry
      if (entry.resource) return entry.resource
      if (entry.prior) return entry.prior
    }
    return undefined
  }

  override async readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    if (!this.current(resourceType, id) && this.versions.get(`${resourceType}/${id}`)?.length) {
      throw new OperationOutcomeError(gone)
    }
    return super.readResource<T>(resourceType, id)
  }

  override async readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<T> {
    const entry = this.versions.get(`${resourceType}/${id}`)?.find((e) => e.versionId === versionId)
    if (!entry) throw new OperationOutcomeError(notFound)
    if (!entry.resource) throw new OperationOutcomeError(gone)
    return deepClone(entry.resource) as T
  }

  override async readHistory<T extends Resource>(
    resourceType: string,
    id: string,
    options?: ReadHistoryOptions,
  ): Promise<Bundle<T>> {
    const entries = this.versions.get(`${resourceType}/${id}`)
    if (!entries?.length) throw new OperationOutcomeError(notFound)
    const offset = Math.max(0, options?.offset ?? 0)
    const count = effectivePageSize(options?.limit)
    const newestFirst = [...entries].reverse()
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: entries.length,
      entry: newestFirst.slice(offset, offset + count).map(historyEntry),
    } as Bundle<T>
  }

  /** Every version of every resource of a type, newest first (writes are stamped in log order). */
  readTypeHistory(resourceType: string, options: TypeHistoryOptions = {}): { entries: VersionEntry[]; total: number } {
    const offset = Math.max(0, options.offset ?? 0)
    const count = effectivePageSize(options.count)
    const selected: VersionEntry[] = []
    let total = 0
    for (let i = this.log.length - 1; i >= 0; i--) {
      const entry = this.log[i] as VersionEntry
      if (options.since && entry.lastUpdated < options.since) break
      if (entry.type !== resourceType) continue
      if (options.visible && !options.visible(entry)) continue
      if (total >= offset && selected.length < count) selected.push(entry)
      total++
    }
    return { entries: selected, total }
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return searchBundle(this.searchPage(searchRequest)) as Bundle<WithId<T>>
  }

  searchPage(request: SearchRequest, scope?: SearchScope): SearchPage {
    return this.engine.run(request, scope)
  }

  private searchStore(): SearchStore {
    const internals = this.internals
    const versions = this.versions
    const patientIndex = this.patientIndex
    const names = this.names
    const repository = this as TrainingRepository
    const none: string[] = []
    const noResources: Resource[] = []
    return {
      get generation() {
        return repository.generation
      },
      all: (type) => internals.resources.get(type)?.values() ?? noResources,
      get: (type, id) => internals.resources.get(type)?.get(id),
      idsOfPatient: (patientId, type) => patientIndex.get(patientId)?.get(type) ?? none,
      foldedNames: (type, id) => names.get(`${type}/${id}`),
      sequenceOf: (type, id) => versions.get(`${type}/${id}`)?.at(-1)?.seq ?? 0,
    }
  }
}

export function searchBundle(page: SearchPage): Bundle {
  const entry: BundleEntry[] = [
    ...page.matches.map((r) => ({ resource: deepClone(r), search: { mode: 'match' as const } })),
    ...page.included.map((r) => ({ resource: deepClone(r), search: { mode: 'include' as const } })),
  ]
  if (page.includedTruncated) {
    entry.push({
      resource: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'warning',
            code: 'too-costly',
            diagnostics: 'Included resources were cut; narrow the search or page with a smaller _count',
          },
        ],
      },
      search: { mode: 'outcome' },
    })
  }
  return { resourceType: 'Bundle', type: 'searchset', total: page.total, ...(entry.length ? { entry } : {}) }
}
