import type { Bundle, Resource } from '@medplum/fhirtypes'
import type { ErrorCode } from '../contract'

/**
 * What the rest of main knows of the central DPI: a FHIR R4 server reached over HTTP (DESIGN.md §6).
 * Implemented by `createCentralClient` (src-main/central/client.ts); sync and services depend on this
 * interface only.
 */
export interface CentralClient {
  readonly baseUrl: string
  /** GET [base]/metadata: resolves when the central answers (used by the connectivity monitor). */
  ping(signal?: AbortSignal): Promise<void>
  read<T extends Resource>(type: T['resourceType'], id: string): Promise<T>
  /** One page of a search; `next` is the absolute URL of the following page, if any. */
  search<T extends Resource>(type: T['resourceType'], params: Record<string, string>): Promise<SearchPage<T>>
  /** Every match, following `next` links (bounded by `maxPages`, default 1000). */
  searchAll<T extends Resource>(type: T['resourceType'], params: Record<string, string>, options?: { maxPages?: number }): AsyncIterable<Resource>
  /** POST; with `ifNoneExist` a conditional create (idempotent replay). */
  create<T extends Resource>(resource: T, options?: { ifNoneExist?: string }): Promise<WriteResult<T>>
  /** PUT with `If-Match: W/"<version>"` when `ifMatch` is given; a stale version is a CentralError CONFLICT (412). */
  update<T extends Resource>(resource: T & { id: string }, options?: { ifMatch?: string }): Promise<WriteResult<T>>
  transaction(bundle: Bundle): Promise<Bundle>
}

export interface SearchPage<T extends Resource> {
  resources: T[]
  /** `_include`d resources, and anything else of mode `include`. */
  included: Resource[]
  total: number | null
  next: string | null
}

export interface WriteResult<T extends Resource> {
  resource: T
  /** 201 created, 200 updated or (conditional create) found. */
  status: 200 | 201
  versionId: string | null
}

/** Every failure of a central call: the RPC code it maps to, and whether trying again later may succeed. */
export class CentralError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number | null,
    /** Network failures, timeouts, 5xx and 429: the central may answer later. */
    readonly retryable: boolean,
  ) {
    super(message)
    this.name = 'CentralError'
  }
}

/**
 * Gives the access token to send; renews it before expiry. Throws CentralError UNAUTHENTICATED when it cannot.
 * `refused`: the token the central just answered 401 to (a restarted central, keys rotated): renew it now.
 */
export type AccessTokenProvider = (options?: { refused?: string }) => Promise<string>
