import { getStatus, OperationOutcomeError } from '@medplum/core'
import type { FhirRequest } from '@medplum/fhir-router'
import type { AuditEvent, Bundle, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes'
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../../log'
import { PatientAccess, type AllowPatient, type Authorize, type TrainingUser } from './access'
import { buildAuditEvent, type AuditedInteraction } from './audit'
import { decorateBundleResponse, normalizeIfMatch, normalizeIfNoneExist, prepareBundle } from './bundles'
import { buildCapabilityStatement } from './capability'
import { ensureFhirDefinitions, type DefinitionsIndexing } from './definitions'
import {
  DEFAULT_MAX_BODY_BYTES,
  HttpProblem,
  outcome,
  parseJsonBody,
  parseSearchForm,
  problemOutcome,
  readBody,
  sendJson,
} from './http-io'
import { TrainingRepository } from './repository'
import { classify, createTrainingRouter, type RouteMatch } from './router'
import { ScopedRepository, type PageInfo } from './scoped-repository'

export interface FhirServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  host: '127.0.0.1'
  authorize: Authorize
  /** Called with each AuditEvent once stored. */
  onAudit?: (event: AuditEvent) => void
  /** Requests outside /fhir (the token endpoint): return true when answered. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>
  /** Grants beyond the care relationship: break the glass. */
  allowPatient?: AllowPatient
  maxBodyBytes?: number
  log?: Logger
}

export interface FhirServer {
  /** Base URL, `http://127.0.0.1:PORT/fhir`. */
  readonly url: string
  /** The unrestricted store (setup and seeding; HTTP requests go through the access checks). */
  readonly repo: TrainingRepository
  /** Cost of indexing the FHIR definitions (0 ms when this process had already done it). */
  readonly definitions: DefinitionsIndexing
  /**
   * Bulk insert of trusted resources with their ids: no validation, no audit, one lastUpdated for the batch. The
   * store adopts the objects' content: do not mutate them afterwards.
   */
  load(resources: Resource[]): Promise<void>
  close(): Promise<void>
}

interface Answer {
  status: number
  body: Resource
  headers?: OutgoingHttpHeaders
}

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json'])

/** One request at a time touches the store: transactions stay isolated and roll back cleanly. */
function createSerializer(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task)
    tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }
}

function errorAnswer(err: unknown): Answer {
  if (err instanceof HttpProblem) return { status: err.status, body: problemOutcome(err), headers: err.headers }
  if (err instanceof OperationOutcomeError) return { status: getStatus(err.outcome), body: err.outcome }
  return { status: 500, body: outcome('exception', 'Internal error') }
}

function resourceHeaders(resource: Resource, status: number, baseUrl: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {}
  const version = resource.meta?.versionId
  if (version) headers.ETag = `W/"${version}"`
  if (resource.meta?.lastUpdated) headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString()
  if (status === 201 && resource.id && version) {
    headers.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${version}`
  }
  return headers
}

/**
 * The training central's FHIR R4 endpoint (DESIGN.md §7) on node:http: medplum's router and in-memory repository
 * behind our access checks, audit, paging links, validation and atomic transactions.
 */
export async function startFhirServer(options: FhirServerOptions): Promise<FhirServer> {
  const definitions = ensureFhirDefinitions()
  const repo = new TrainingRepository()
  const router = createTrainingRouter()
  const serialized = createSerializer()
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  let baseUrl = ''
  let capability: Resource = outcome('exception', 'Starting')

  function pageLinks(path: string, params: URLSearchParams, page: PageInfo): BundleLink[] {
    const at = (offset: number): string => {
      const query = new URLSearchParams(params)
      query.delete('_offset')
      query.delete('_count')
      query.set('_count', String(page.count))
      query.set('_offset', String(offset))
      return `${baseUrl}/${path}?${query.toString()}`
    }
    const links: BundleLink[] = [{ relation: 'self', url: at(page.offset) }]
    if (page.count > 0 && page.offset + page.count < page.total) {
      links.push({ relation: 'next', url: at(page.offset + page.count) })
    }
    if (page.offset > 0) links.push({ relation: 'previous', url: at(Math.max(0, page.offset - page.count)) })
    return links
  }

  function decoratePage(bundle: Bundle, path: string, params: URLSearchParams, page: PageInfo | undefined): Bundle {
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource
      if (resource?.id && resource.resourceType !== 'OperationOutcome') {
        entry.fullUrl = `${baseUrl}/${resource.resourceType}/${resource.id}`
      } else if (!resource && entry.request?.url) {
        entry.fullUrl = `${baseUrl}/${entry.request.url}`
      }
    }
    if (page) bundle.link = pageLinks(path, params, page)
    return bundle
  }

  async function runBundle(body: unknown, scoped: ScopedRepository): Promise<Answer> {
    const { bundle, kind } = prepareBundle(body, baseUrl)
    const request: FhirRequest = {
      method: 'POST',
      url: '',
      pathname: '',
      body: bundle,
      params: {},
      query: {},
      headers: {},
      config: { transactions: true },
    }
    if (kind === 'transaction') repo.beginJournal()
    let result: Awaited<ReturnType<typeof router.handleRequest>>
    try {
      result = await router.handleRequest(request, scoped)
    } catch (err) {
      if (kind === 'transaction') repo.rollbackJournal()
      throw err
    }
    const [answerOutcome, resource] = result
    const status = getStatus(answerOutcome)
    if (kind === 'transaction') {
      if (status >= 400) {
        // medplum stops at the failing entry but keeps what came before it: undo that, then answer the failure.
        repo.rollbackJournal()
        scoped.touched.length = 0
      } else {
        repo.commitJournal()
      }
    }
    if (status >= 400 || !resource) return { status, body: answerOutcome }
    return { status, body: decorateBundleResponse(resource as Bundle, baseUrl) }
  }

  async function dispatch(
    route: RouteMatch,
    segments: string[],
    params: URLSearchParams,
    req: IncomingMessage,
    body: unknown,
    scoped: ScopedRepository,
  ): Promise<Answer> {
    if (route.interaction === 'batch') return runBundle(body, scoped)
    const method = route.interaction === 'search-type' ? 'GET' : (req.method as FhirRequest['method'])
    const path = route.interaction === 'search-type' ? (route.type as string) : segments.join('/')
    const search = params.toString()
    const request: FhirRequest = {
      method,
      url: search ? `${path}?${search}` : path,
      pathname: '',
      body,
      params: {},
      query: {},
      headers: {
        'if-match': normalizeIfMatch(req.headers['if-match']),
        'if-none-exist': normalizeIfNoneExist(req.headers['if-none-exist'] as string | undefined),
      },
      config: { transactions: true },
    }
    const [answerOutcome, resource] = await router.handleRequest(request, scoped)
    let status = getStatus(answerOutcome)
    if (status >= 400 || !resource) return { status, body: answerOutcome }
    if (status === 200 && scoped.createdByUpdate) status = 201
    if (resource.resourceType === 'Bundle') {
      const linkPath = route.interaction === 'search-type' ? path : segments.join('/')
      return { status, body: decoratePage(resource as Bundle, linkPath, params, scoped.lastPage) }
    }
    return { status, body: resource, headers: resourceHeaders(resource, status, baseUrl) }
  }

  async function record(
    user: TrainingUser,
    route: RouteMatch,
    interaction: AuditedInteraction,
    status: number,
    scoped: ScopedRepository,
    req: IncomingMessage,
    query: string | undefined,
  ): Promise<void> {
    if (route.type === 'AuditEvent') return
    const touched = scoped.touched.filter((t) => !t.reference.startsWith('AuditEvent/'))
    // A batch that only exported a workstation's AuditEvents is itself an audit write: not audited again.
    if (scoped.touched.length > 0 && touched.length === 0) return
    const event = buildAuditEvent({
      user,
      interaction,
      status,
      touched,
      target: route.type && route.id ? `${route.type}/${route.id}` : undefined,
      query,
      remoteAddress: req.socket.remoteAddress,
      recorded: new Date().toISOString(),
    })
    const stored = await repo.createResource(event)
    try {
      options.onAudit?.(stored)
    } catch (err) {
      options.log?.warn('training.fhir.audit-observer-failed', { error: (err as Error).name })
    }
  }

  async function execute(
    route: RouteMatch,
    segments: string[],
    params: URLSearchParams,
    req: IncomingMessage,
    body: unknown,
    user: TrainingUser,
  ): Promise<Answer> {
    const scoped = new ScopedRepository(repo, new PatientAccess(repo, user, options.allowPatient))
    let answer: Answer
    try {
      answer = await dispatch(route, segments, params, req, body, scoped)
    } catch (err) {
      answer = errorAnswer(err)
    }
    const interaction: AuditedInteraction =
      route.interaction === 'batch'
        ? (body as Bundle | undefined)?.type === 'transaction'
          ? 'transaction'
          : 'batch'
        : (route.interaction as AuditedInteraction)
    const query = route.interaction === 'search-type' ? params.toString() : undefined
    await record(user, route, interaction, answer.status, scoped, req, query)
    return answer
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const pathname = url.pathname
    if (pathname !== '/fhir' && !pathname.startsWith('/fhir/')) {
      if (options.extraRoutes && (await options.extraRoutes(req, res))) return
      req.resume()
      sendJson(res, 404, outcome('not-found', 'Not found'))
      return
    }
    let segments: string[]
    try {
      segments = pathname.slice('/fhir'.length).split('/').filter(Boolean).map(decodeURIComponent)
    } catch {
      throw new HttpProblem(400, 'Malformed path')
    }
    const route = classify(method, segments)
    if ('status' in route) {
      throw new HttpProblem(route.status, route.message, route.allow ? { Allow: route.allow } : {})
    }
    const format = url.searchParams.get('_format')
    if (format && !JSON_FORMATS.has(format)) throw new HttpProblem(406, 'This server speaks FHIR JSON only')
    if (route.interaction === 'capabilities') {
      req.resume()
      sendJson(res, 200, capability)
      return
    }

    const decision = await options.authorize({ method, path: pathname, headers: req.headers })
    if (!decision.ok) {
      const headers: OutgoingHttpHeaders =
        decision.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="chevet-training"' } : {}
      throw new HttpProblem(decision.status, decision.reason, headers)
    }

    const hasBody = method === 'POST' || method === 'PUT'
    const raw = hasBody ? await readBody(req, maxBody) : Buffer.alloc(0)
    if (!hasBody) req.resume()
    let params = url.searchParams
    let body: unknown
    if (route.interaction === 'search-type' && method === 'POST') {
      params = parseSearchForm(req, raw, url)
    } else if (hasBody) {
      body = parseJsonBody(req, raw)
    }
    const answer = await serialized(() => execute(route, segments, params, req, body, decision.user))
    sendJson(res, answer.status, answer.body, answer.headers)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const answer = errorAnswer(err)
      if (answer.status >= 500) {
        options.log?.error('training.fhir.failed', { method: req.method, error: (err as Error)?.name })
      }
      if (res.headersSent) {
        res.destroy()
        return
      }
      req.resume()
      sendJson(res, answer.status, answer.body as OperationOutcome, answer.headers)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  baseUrl = `http://${options.host}:${port}/fhir`
  capability = buildCapabilityStatement(baseUrl, new Date().toISOString())

  return {
    url: baseUrl,
    repo,
    definitions,
    load: (resources) => serialized(() => repo.loadTrusted(resources)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
