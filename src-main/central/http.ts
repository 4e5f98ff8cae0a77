import { malformed } from './errors'
import { CentralError } from './types'

/** HTTP plumbing shared by the FHIR client and the central login: URL checks, bounded bodies, sleeping. */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/**
 * A central URL: https, or plain http to this machine only (the training central). Anywhere else, http would
 * send the access token and patient data in clear. Returned without a trailing slash, query nor fragment.
 */
export function checkCentralUrl(value: string, label: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError(`${label} is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new TypeError(`${label} must use https (plain http is accepted for 127.0.0.1 only)`)
  }
  if (url.username || url.password) throw new TypeError(`${label} must not carry credentials`)
  if (url.search || url.hash) throw new TypeError(`${label} must not have a query string or fragment`)
  url.pathname = url.pathname.replace(/\/+$/, '')
  return url
}

/** True when `candidate` is on the origin of `base` and at or below its path. */
export function isUnder(base: URL, candidate: URL): boolean {
  if (candidate.origin !== base.origin || candidate.username || candidate.password) return false
  const root = base.pathname.replace(/\/+$/, '')
  return candidate.pathname === root || candidate.pathname.startsWith(`${root}/`)
}

/**
 * The whole body, refused past `maxBytes` (declared or counted after decompression, so neither a lying
 * Content-Length nor a compression bomb gets through). Errors while reading (timeouts, resets) propagate.
 */
export async function readLimited(response: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const tooLarge = () => malformed(what, `response larger than ${maxBytes} bytes refused`, response.status)
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw tooLarge()
  }
  if (!response.body) return new Uint8Array()
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

/** JSON of a body; undefined when empty. A parse failure is CentralError INTERNAL, not a crash. */
export function parseJson(bytes: Uint8Array, what: string, status: number): unknown {
  if (bytes.byteLength === 0) return undefined
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown
  } catch {
    throw malformed(what, 'response is not valid JSON', status)
  }
}

/** Releases the connection of an answer we do not read. */
export async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Retry-After in milliseconds (delta-seconds or HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null
  const value = header.trim()
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

export function isCentralError(error: unknown): error is CentralError {
  return error instanceof CentralError
}
