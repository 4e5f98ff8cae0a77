import type { Logger } from '../log'
import { errorForStatus, isTransientStatus, malformed, networkReason, offline } from './errors'
import { discard, parseJson, readLimited, retryAfterMs, sleep } from './http'
import { CentralError, type AccessTokenProvider } from './types'

/**
 * One FHIR request with the retry policy of DESIGN.md §6:
 * - retried (exponential backoff with jitter, capped) on network errors, timeouts, 5xx and 429 (Retry-After
 *   honoured, capped) — never on another 4xx;
 * - retried only when replaying cannot duplicate anything (`replaySafe`): GET, PUT, and a POST create only when it
 *   carries If-None-Exist (a conditional create finds its own first attempt). A plain POST create whose answer was
 *   lost may or may not have been stored: it fails with OFFLINE and the caller (the outbox) decides;
 * - on 401, the token provider is told which token was refused (it renews it) and the request is sent once more.
 * A PUT with If-Match replayed after a lost answer that the central had applied comes back 412 (CONFLICT): the
 * caller compares versions before showing it as a conflict.
 */

export interface TransportOptions {
  token: AccessTokenProvider
  fetch: typeof fetch
  timeoutMs: number
  retries: number
  backoffMs: number
  maxBackoffMs: number
  maxRetryAfterMs: number
  maxResponseBytes: number
  log?: Logger
}

export interface CentralRequest {
  method: 'GET' | 'POST' | 'PUT'
  url: string
  /** For logs and messages: the interaction and resource type, never an id list nor a query string. */
  what: string
  body?: unknown
  headers?: Record<string, string>
  replaySafe: boolean
  /** False for /metadata: it is public, and a missing token must not look like the central being down. */
  authenticated?: boolean
  /** False for the connectivity probe: it must answer now, not after the backoff. */
  retry?: boolean
  signal?: AbortSignal
}

export interface CentralResponse {
  status: number
  headers: Headers
  /** Parsed JSON; undefined for an empty body. */
  body: unknown
}

type Attempt = { ok: true; response: CentralResponse } | { ok: false; error: CentralError; waitMs: number | null }

const ERROR_BODY_BYTES = 1024 * 1024

export function createTransport(options: TransportOptions): (request: CentralRequest) => Promise<CentralResponse> {
  async function bearer(what: string, refused?: string): Promise<string> {
    try {
      return await options.token(refused === undefined ? undefined : { refused })
    } catch (error) {
      if (error instanceof CentralError) throw error
      throw new CentralError('UNAUTHENTICATED', `${what}: no access token`, null, false)
    }
  }

  function backoff(attempt: number): number {
    const exponential = Math.min(options.maxBackoffMs, options.backoffMs * 2 ** (attempt - 1))
    // Jitter spreads the workstations of a ward that all lost the central at the same moment.
    return Math.round(exponential * (0.5 + Math.random() / 2))
  }

  async function once(request: CentralRequest, token: string | null): Promise<Attempt> {
    const headers: Record<string, string> = { Accept: 'application/fhir+json', ...request.headers }
    if (token !== null) headers.Authorization = `Bearer ${token}`
    let body: string | undefined
    if (request.body !== undefined) {
      headers['Content-Type'] = 'application/fhir+json'
      body = JSON.stringify(request.body)
    }
    const timeout = AbortSignal.timeout(options.timeoutMs)
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout
    try {
      // redirect 'manual': a central must not send us, nor our token, anywhere else.
      const response = await options.fetch(request.url, { method: request.method, headers, body, signal, redirect: 'manual' })
      const { status } = response
      if (status >= 200 && status < 300) {
        const bytes = await readLimited(response, options.maxResponseBytes, request.what)
        return { ok: true, response: { status, headers: response.headers, body: parseJson(bytes, request.what, status) } }
      }
      if (status >= 300 && status < 400) {
        await discard(response)
        return { ok: false, error: malformed(request.what, `unexpected redirect (HTTP ${status})`, status), waitMs: null }
      }
      let errorBody: unknown
      try {
        errorBody = parseJson(await readLimited(response, ERROR_BODY_BYTES, request.what), request.what, status)
      } catch {
        errorBody = undefined
      }
      const waitMs = isTransientStatus(status) ? retryAfterMs(response.headers.get('retry-after')) : null
      return { ok: false, error: errorForStatus(status, request.what, errorBody), waitMs }
    } catch (error) {
      if (error instanceof CentralError) return { ok: false, error, waitMs: null }
      if (request.signal?.aborted) throw offline(request.what, 'aborted')
      return { ok: false, error: offline(request.what, timeout.aborted ? `timed out after ${options.timeoutMs} ms` : networkReason(error)), waitMs: null }
    }
  }

  return async function send(request: CentralRequest): Promise<CentralResponse> {
    const authenticated = request.authenticated !== false
    const maxAttempts = request.replaySafe && request.retry !== false ? options.retries + 1 : 1
    let renewedToken = false
    let refused: string | undefined
    let attempt = 1
    for (;;) {
      const token = authenticated ? await bearer(request.what, refused) : null
      const result = await once(request, token)
      if (result.ok) return result.response
      const { error } = result
      if (error.status === 401 && authenticated && !renewedToken) {
        // Refused before anything ran, so even a plain create may go again.
        renewedToken = true
        refused = token ?? undefined
        options.log?.info('central.token-refused', { what: request.what })
        continue
      }
      if (!error.retryable || attempt >= maxAttempts) {
        if (request.retry !== false) {
          options.log?.warn('central.failed', { what: request.what, code: error.code, status: error.status, attempts: attempt })
        }
        throw error
      }
      const delayMs =
        result.waitMs !== null ? Math.min(result.waitMs, options.maxRetryAfterMs) : backoff(attempt)
      options.log?.info('central.retry', { what: request.what, status: error.status, attempt, delayMs })
      await sleep(delayMs)
      attempt += 1
    }
  }
}
