import { CentralError } from './types'

/**
 * HTTP answers of the central turned into CentralError. Messages are English, for developers' logs: the
 * interaction and resource type, the status and the OperationOutcome issue codes — never `diagnostics` nor any
 * other text of the answer, which a server may fill with the resource it refused (patient data).
 */

const OUTCOME_CODE = /^[a-z][a-z-]{0,39}$/

/** The issue codes of an OperationOutcome body (`conflict`, `not-found`…), deduplicated; [] for anything else. */
export function outcomeCodes(body: unknown): string[] {
  if (!body || typeof body !== 'object') return []
  const { resourceType, issue } = body as { resourceType?: unknown; issue?: unknown }
  if (resourceType !== 'OperationOutcome' || !Array.isArray(issue)) return []
  const codes = new Set<string>()
  for (const item of issue.slice(0, 20)) {
    const code = (item as { code?: unknown } | null)?.code
    if (typeof code === 'string' && OUTCOME_CODE.test(code)) codes.add(code)
  }
  return [...codes]
}

/** 5xx and 429: the central (or a proxy before it) may answer later. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429
}

export function errorForStatus(status: number, what: string, body: unknown): CentralError {
  const codes = outcomeCodes(body)
  const message = `${what}: HTTP ${status}${codes.length > 0 ? ` (OperationOutcome: ${codes.join(', ')})` : ''}`
  if (isTransientStatus(status)) return new CentralError('OFFLINE', message, status, true)
  switch (status) {
    case 401:
      return new CentralError('UNAUTHENTICATED', message, status, false)
    case 403:
      return new CentralError('FORBIDDEN', message, status, false)
    case 404:
    case 410:
      return new CentralError('NOT_FOUND', message, status, false)
    case 409:
    case 412:
      return new CentralError('CONFLICT', message, status, false)
    case 400:
    case 422:
      return new CentralError('INVALID', message, status, false)
    default:
      return new CentralError('INTERNAL', message, status, false)
  }
}

export function offline(what: string, reason: string): CentralError {
  return new CentralError('OFFLINE', `${what}: ${reason}`, null, true)
}

/** The central answered something this client cannot use: a bug or a misbehaving server, not worth retrying. */
export function malformed(what: string, reason: string, status: number | null = null): CentralError {
  return new CentralError('INTERNAL', `${what}: ${reason}`, status, false)
}

/** Why a fetch threw, without its message (undici puts URLs in some of them): the error name and errno code. */
export function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out'
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  const code = typeof cause?.code === 'string' ? cause.code : null
  return `network error${code ? ` (${code})` : ''}`
}
