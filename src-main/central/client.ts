import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes'
import type { Logger } from '../log'
import { malformed } from './errors'
import { checkCentralUrl, isUnder } from './http'
import { createTransport, type CentralResponse } from './transport'
import { CentralError, type AccessTokenProvider, type CentralClient, type SearchPage, type WriteResult } from './types'

export interface CentralClientOptions {
  /** The FHIR base, e.g. `https://dpi.example.fr/fhir` (plain http only to 127.0.0.1). */
  baseUrl: string
  token: AccessTokenProvider
  /** Per attempt, body included. */
  timeoutMs?: number
  /** Further attempts after a transient failure (see transport.ts for which requests are replayed). */
  retries?: number
  /** First backoff; doubled on each retry, with jitter, up to `maxBackoffMs`. */
  backoffMs?: number
  maxBackoffMs?: number
  /** Ceiling on a server's Retry-After. */
  maxRetryAfterMs?: number
  /** Larger answers are refused (CentralError INTERNAL). */
  maxResponseBytes?: number
  fetch?: typeof fetch
  log?: Logger
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/
// FHIR id: [A-Za-z0-9\-\.]{1,64}
const RESOURCE_ID = /^[A-Za-z0-9.-]{1,64}$/
const DEFAULT_MAX_PAGES = 1000

function checkType(type: string): string {
  if (!RESOURCE_TYPE.test(type)) throw new CentralError('INVALID', 'not a FHIR resource type', null, false)
  return type
}

function checkId(id: string): string {
  if (!RESOURCE_ID.test(id) || id === '.' || id === '..') throw new CentralError('INVALID', 'not a FHIR id', null, false)
  return id
}

function asResource(body: unknown, type: string, what: string, status: number): Resource {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw malformed(what, 'expected a resource', status)
  const actual = (body as { resourceType?: unknown }).resourceType
  if (actual !== type) {
    const shown = typeof actual === 'string' && RESOURCE_TYPE.test(actual) ? actual : 'no resource type'
    throw malformed(what, `expected ${type}, got ${shown}`, status)
  }
  return body as Resource
}

/** `W/"3"` or `"3"` → `3`. */
function parseEtag(header: string | null): string | null {
  const match = header?.match(/^(?:W\/)?"([^"]{1,64})"$/)
  return match?.[1] ?? null
}

function weakEtag(version: string): string {
  if (/^W\/"[^"]+"$/.test(version)) return version
  const bare = version.replace(/^"|"$/g, '')
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(bare)) throw new CentralError('INVALID', 'ifMatch is not a version id', null, false)
  return `W/"${bare}"`
}

/** Requests of a transaction or batch that may be replayed: reads, updates, deletes, conditional creates. */
function replaySafeBundle(bundle: Bundle): boolean {
  return (bundle.entry ?? []).every((entry) => {
    const method = entry.request?.method
    return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || (method === 'POST' && !!entry.request?.ifNoneExist)
  })
}

/**
 * The FHIR R4 client of the central DPI (DESIGN.md §6). Every failure is a CentralError; see transport.ts for
 * the retry policy. The central is not trusted further than its answers' shape: paging links and Location
 * headers are followed only below `baseUrl`, answers are size-bounded and checked for the expected type.
 */
export function createCentralClient(options: CentralClientOptions): CentralClient {
  const base = checkCentralUrl(options.baseUrl, 'central baseUrl')
  const baseUrl = base.href.replace(/\/+$/, '')
  const basePath = base.pathname.replace(/\/+$/, '')
  const send = createTransport({
    token: options.token,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: Math.max(0, options.retries ?? 3),
    backoffMs: options.backoffMs ?? 250,
    maxBackoffMs: options.maxBackoffMs ?? 5_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? 50 * 1024 * 1024,
    log: options.log,
  })

  /** A link or Location from the central, accepted only when absolute and below our base URL. */
  function ownUrl(value: unknown, what: string, kind: string): URL {
    let url: URL | null = null
    try {
      url = typeof value === 'string' && /^https?:\/\//i.test(value) ? new URL(value) : null
    } catch {
      url = null
    }
    if (!url || !isUnder(base, url)) {
      const origin = url ? url.origin : 'not an absolute URL'
      throw malformed(what, `${kind} outside the central base URL refused (${origin})`)
    }
    return url
  }

  function toPage<T extends Resource>(response: CentralResponse, type: string, what: string): SearchPage<T> {
    const bundle = asResource(response.body, 'Bundle', what, response.status) as Bundle
    if (bundle.type !== 'searchset') throw malformed(what, 'expected a searchset Bundle', response.status)
    const resources: T[] = []
    const included: Resource[] = []
    for (const entry of (bundle.entry ?? []) as BundleEntry[]) {
      const resource = entry.resource as Resource | undefined
      const mode = entry.search?.mode
      if (mode === 'outcome') continue
      if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') {
        throw malformed(what, 'search entry without a resource', response.status)
      }
      if (mode === 'include' || (mode === undefined && resource.resourceType !== type)) included.push(resource)
      else resources.push(asResource(resource, type, what, response.status) as T)
    }
    const next = bundle.link?.find((link) => link.relation === 'next')?.url
    return {
      resources,
      included,
      total: typeof bundle.total === 'number' ? bundle.total : null,
      next: next === undefined ? null : ownUrl(next, what, 'next link').href,
    }
  }

  async function read<T extends Resource>(type: T['resourceType'], id: string): Promise<T> {
    const what = `read ${checkType(type)}`
    const response = await send({ method: 'GET', url: `${baseUrl}/${type}/${checkId(id)}`, what, replaySafe: true })
    const resource = asResource(response.body, type, what, response.status)
    if (resource.id !== id) throw malformed(what, 'answer is another resource', response.status)
    return resource as T
  }

  async function search<T extends Resource>(type: T['resourceType'], params: Record<string, string>): Promise<SearchPage<T>> {
    const what = `search ${checkType(type)}`
    const query = new URLSearchParams(params).toString()
    const url = `${baseUrl}/${type}${query ? `?${query}` : ''}`
    return toPage<T>(await send({ method: 'GET', url, what, replaySafe: true }), type, what)
  }

  async function* searchAll<T extends Resource>(
    type: T['resourceType'],
    params: Record<string, string>,
    searchOptions?: { maxPages?: number },
  ): AsyncIterable<Resource> {
    const maxPages = searchOptions?.maxPages ?? DEFAULT_MAX_PAGES
    const what = `search ${checkType(type)}`
    const visited = new Set<string>()
    let page = await search<T>(type, params)
    for (let pages = 1; ; pages += 1) {
      yield* page.resources
      yield* page.included
      if (!page.next) return
      if (pages >= maxPages) throw malformed(what, `more than ${maxPages} pages`)
      if (visited.has(page.next)) throw malformed(what, 'paging loops back to a page already read')
      visited.add(page.next)
      page = toPage<T>(await send({ method: 'GET', url: page.next, what, replaySafe: true }), type, what)
    }
  }

  /** The written resource: from the body, or read back from Location when the central answered without one. */
  async function written<T extends Resource>(
    response: CentralResponse,
    type: string,
    what: string,
    status: (http: number) => 200 | 201,
  ): Promise<WriteResult<T>> {
    const location = response.headers.get('location') ?? response.headers.get('content-location')
    let resource: Resource
    if (response.body !== undefined) {
      resource = asResource(response.body, type, what, response.status)
    } else {
      const url = ownUrl(location ? new URL(location, `${baseUrl}/`).href : undefined, what, 'Location')
      const [, readType, readId] = url.pathname.slice(basePath.length).split('/')
      if (readType !== type || !readId) throw malformed(what, 'Location names another resource', response.status)
      resource = await read(type as Resource['resourceType'], readId)
    }
    const fromLocation = location?.match(/\/_history\/([A-Za-z0-9.-]{1,64})$/)?.[1] ?? null
    return {
      resource: resource as T,
      status: status(response.status),
      versionId: parseEtag(response.headers.get('etag')) ?? fromLocation ?? resource.meta?.versionId ?? null,
    }
  }

  async function create<T extends Resource>(resource: T, createOptions?: { ifNoneExist?: string }): Promise<WriteResult<T>> {
    const type = checkType(resource.resourceType)
    const what = `create ${type}`
    const headers: Record<string, string> = { Prefer: 'return=representation' }
    const ifNoneExist = createOptions?.ifNoneExist?.replace(/^\?/, '')
    if (ifNoneExist) headers['If-None-Exist'] = ifNoneExist
    // Replayed only when conditional: a plain create whose answer was lost may already be stored.
    const response = await send({ method: 'POST', url: `${baseUrl}/${type}`, what, body: resource, headers, replaySafe: !!ifNoneExist })
    return written<T>(response, type, what, (http) => (http === 200 ? 200 : 201))
  }

  async function update<T extends Resource>(resource: T & { id: string }, updateOptions?: { ifMatch?: string }): Promise<WriteResult<T>> {
    const type = checkType(resource.resourceType)
    const what = `update ${type}`
    const headers: Record<string, string> = { Prefer: 'return=representation' }
    if (updateOptions?.ifMatch) headers['If-Match'] = weakEtag(updateOptions.ifMatch)
    const url = `${baseUrl}/${type}/${checkId(resource.id)}`
    const response = await send({ method: 'PUT', url, what, body: resource, headers, replaySafe: true })
    return written<T>(response, type, what, (http) => (http === 201 ? 201 : 200))
  }

  async function transaction(bundle: Bundle): Promise<Bundle> {
    if (bundle.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
      throw new CentralError('INVALID', 'expected a transaction or batch Bundle', null, false)
    }
    const what = `${bundle.type} Bundle`
    const response = await send({ method: 'POST', url: baseUrl, what, body: bundle, replaySafe: replaySafeBundle(bundle) })
    const answer = asResource(response.body, 'Bundle', what, response.status) as Bundle
    if (answer.type !== `${bundle.type}-response`) throw malformed(what, `expected a ${bundle.type}-response Bundle`, response.status)
    return answer
  }

  async function ping(signal?: AbortSignal): Promise<void> {
    const what = 'ping'
    const response = await send({
      method: 'GET',
      url: `${baseUrl}/metadata`,
      what,
      replaySafe: true,
      authenticated: false,
      retry: false,
      signal,
    })
    asResource(response.body, 'CapabilityStatement', what, response.status)
  }

  return { baseUrl, ping, read, search, searchAll, create, update, transaction }
}
