import {
  badRequest,
  forbidden,
  normalizeOperationOutcome,
  notFound,
  OperationOutcomeError,
  validateResource,
  type SearchRequest,
  type WithId,
} from '@medplum/core'
import { FhirRepository, type CreateResourceOptions, type UpdateResourceOptions } from '@medplum/fhir-router'
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes'
import { AUDIT_READER_ROLES, type PatientAccess } from './access'
import { REFERENCE_DATA_TYPES, isSupportedResourceType } from './resource-types'
import { historyEntry, searchBundle, type TrainingRepository, type VersionEntry } from './repository'
import { effectivePageSize } from './search'

export type TouchAction = 'read' | 'search' | 'create' | 'update' | 'delete'

/** A resource a request reached, for its AuditEvent. */
export interface Touched {
  reference: string
  action: TouchAction
  patients: string[]
}

export interface PageInfo {
  offset: number
  count: number
  total: number
}

/** Structure checks (medplum's validator; value-set bindings are not checked). Throws a 400 OperationOutcome. */
export function validateIncoming(resource: Resource): void {
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') {
    throw new OperationOutcomeError(badRequest('Body is not a FHIR resource'))
  }
  if (!isSupportedResourceType(resource.resourceType)) {
    throw new OperationOutcomeError(badRequest(`Unsupported resource type ${resource.resourceType}`))
  }
  try {
    validateResource(resource)
  } catch (err) {
    throw new OperationOutcomeError(normalizeOperationOutcome(err))
  }
}

/** medplum's `forbidden` (its id gives the 403) with the reason a developer needs; no patient data in it. */
function refuse(message: string): OperationOutcomeError {
  return new OperationOutcomeError({
    ...forbidden,
    issue: [{ severity: 'error', code: 'forbidden', details: { text: 'Forbidden' }, diagnostics: message }],
  })
}

/**
 * The repository as one user sees it, handed to medplum's router for one request: every read, search and write
 * — including each entry of a batch or transaction, which the router runs itself — passes the access checks here
 * and is noted for the request's AuditEvent.
 */
export class ScopedRepository extends FhirRepository<undefined> {
  readonly touched: Touched[] = []
  /** Set when a PUT created the resource (answered 201, not 200). */
  createdByUpdate = false
  lastPage: PageInfo | undefined

  constructor(
    private readonly base: TrainingRepository,
    private readonly access: PatientAccess,
  ) {
    super()
  }

  setMode(): void {
    // One in-memory store: no reader/writer split.
  }

  generateId(): string {
    return this.base.generateId()
  }

  withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    // Atomicity is the HTTP layer's journal (see transaction.ts); requests are already serialized.
    return callback(undefined)
  }

  private touch(resource: Resource, action: TouchAction): void {
    this.touched.push({
      reference: `${resource.resourceType}/${resource.id}`,
      action,
      patients: this.access.patientsOf(resource) ?? [],
    })
  }

  private ensureReadable(resource: Resource | undefined): void {
    if (resource && !this.access.canRead(resource)) {
      throw refuse('No care relationship with this patient (or role not allowed)')
    }
  }

  private ensureWritable(type: string, incoming: Resource | undefined, existing: Resource | undefined): void {
    if (REFERENCE_DATA_TYPES.has(type)) throw refuse(`${type} is reference data, maintained by the hospital`)
    if (type === 'AuditEvent' && existing) throw refuse('AuditEvents are append-only')
    // Changing or deleting what exists is `modifier` in the matrix; a new resource is `creer`.
    const action = existing ? 'modifier' : 'creer'
    for (const resource of [existing, incoming]) {
      if (resource && !this.access.roleMay(resource, action)) throw refuse(`Role may not ${action === 'creer' ? 'create' : 'change'} ${type}`)
      if (resource && !this.access.canWrite(resource, action)) throw refuse('No care relationship with this patient')
    }
  }


  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    const incoming = { ...resource }
    // A client id on create is ignored (FHIR): kept, it would let a POST overwrite an existing resource.
    // Batch entries arrive with the id medplum's bundle processor just generated (assignedId).
    if (!options?.assignedId) delete incoming.id
    validateIncoming(incoming)
    this.ensureWritable(incoming.resourceType, incoming, undefined)
    const created = await this.base.createResource(incoming)
    this.touch(created, 'create')
    return created
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    validateIncoming(resource)
    if (!resource.id) throw new OperationOutcomeError(badRequest('Missing id'))
    const existing = this.base.current(resource.resourceType, resource.id)
    this.ensureWritable(resource.resourceType, resource, existing)
    const updated = await this.base.updateResource(resource, options)
    if (!existing) this.createdByUpdate = true
    this.touch(updated, existing ? 'update' : 'create')
    return updated
  }

  async deleteResource(resourceType: string, id: string): Promise<void> {
    const existing = this.base.current(resourceType, id)
    if (existing) this.ensureWritable(resourceType, undefined, existing)
    await this.base.deleteResource(resourceType, id)
    if (existing) this.touch(existing, 'delete')
  }

  patchResource<T extends Resource>(): Promise<WithId<T>> {
    return Promise.reject(new OperationOutcomeError(badRequest('PATCH is not supported')))
  }

  /** Checks against the last known content first, so a refused user cannot even learn that it was deleted. */
  private ensureReadableById(resourceType: string, id: string): void {
    this.ensureReadable(this.base.current(resourceType, id) ?? this.base.lastContent(resourceType, id))
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    this.ensureReadableById(resourceType, id)
    const resource = await this.base.readResource<WithId<T>>(resourceType, id)
    this.touch(resource, 'read')
    return resource
  }

  readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id, ...rest] = (reference.reference ?? '').split('/')
    if (!type || !id || rest.length) return Promise.reject(new OperationOutcomeError(badRequest('Invalid reference')))
    return this.readResource<T>(type, id)
  }

  readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(references.map((r) => this.readReference(r).catch((err: Error) => err)))
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<WithId<T>> {
    this.ensureReadableById(resourceType, id)
    const resource = await this.base.readVersion<WithId<T>>(resourceType, id, versionId)
    this.ensureReadable(resource)
    this.touch(resource, 'read')
    return resource
  }

  async readHistory<T extends Resource>(
    resourceType: string,
    id: string,
    options?: { offset?: number; limit?: number },
  ): Promise<Bundle<WithId<T>>> {
    this.ensureReadableById(resourceType, id)
    const bundle = await this.base.readHistory<WithId<T>>(resourceType, id, options)
    this.lastPage = { offset: options?.offset ?? 0, count: effectivePageSize(options?.limit), total: bundle.total ?? 0 }
    const last = this.base.lastContent(resourceType, id)
    if (last) this.touch(last, 'read')
    return bundle
  }

  readTypeHistory(resourceType: string, options: { since?: string; offset?: number; count?: number }): Bundle {
    if (resourceType === 'AuditEvent' && !AUDIT_READER_ROLES.has(this.access.user.role)) {
      throw refuse('Role not allowed to read AuditEvents')
    }
    const visible = (entry: VersionEntry): boolean => {
      const content = entry.resource ?? entry.prior
      return content !== undefined && this.access.canRead(content)
    }
    const { entries, total } = this.base.readTypeHistory(resourceType, { ...options, visible })
    this.lastPage = { offset: options.offset ?? 0, count: effectivePageSize(options.count), total }
    for (const entry of entries) {
      const content = entry.resource ?? entry.prior
      if (content) this.touch(content, 'read')
    }
    return { resourceType: 'Bundle', type: 'history', total, entry: entries.map(historyEntry) }
  }

  async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    if (!isSupportedResourceType(request.resourceType)) throw new OperationOutcomeError(notFound)
    if (request.resourceType === 'AuditEvent' && !AUDIT_READER_ROLES.has(this.access.user.role)) {
      throw refuse('Role not allowed to read AuditEvents')
    }
    const page = this.base.searchPage(request, this.access.scope())
    this.lastPage = { offset: page.offset, count: page.count, total: page.total }
    for (const resource of [...page.matches, ...page.included]) this.touch(resource, 'search')
    return searchBundle(page) as Bundle<WithId<T>>
  }

  searchByReference<T extends Resource>(): Promise<Record<string, WithId<T>[]>> {
    return Promise.reject(new OperationOutcomeError(badRequest('Not supported')))
  }
}
