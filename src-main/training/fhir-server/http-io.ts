import { badRequest, OperationOutcomeError } from '@medplum/core'
import type { OperationOutcome, Resource } from '@medplum/fhirtypes'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'

export const FHIR_JSON = 'application/fhir+json; charset=utf-8'
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message)
  }
}

export function outcome(code: string, message: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: code as 'invalid', details: { text: message } }],
  }
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  406: 'not-supported',
  413: 'too-costly',
  415: 'not-supported',
  500: 'exception',
}

export function problemOutcome(problem: HttpProblem): OperationOutcome {
  return outcome(CODE_BY_STATUS[problem.status] ?? 'processing', problem.message)
}

export function sendJson(res: ServerResponse, status: number, body: Resource, headers: OutgoingHttpHeaders = {}): void {
  writeJson(res, status, body, { 'Content-Type': FHIR_JSON, ...headers })
}

/**
 * Every JSON answer of the training central (FHIR, token endpoint, extra routes): patient data or tokens, so
 * nothing in between keeps a copy. `application/json` unless the headers say otherwise.
 */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8')
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
    'Content-Length': String(payload.length),
  })
  res.end(payload)
}

/**
 * Reads the whole body, refusing more than `limit` bytes with 413 — before reading when Content-Length says so.
 * What the client still sends is drained, not kept, so it can read the answer.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.reject(new HttpProblem(413, `Body larger than ${limit} bytes`, { Connection: 'close' }))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > limit) {
        refused = true
        chunks.length = 0
        reject(new HttpProblem(413, `Body larger than ${limit} bytes`, { Connection: 'close' }))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks))
    })
    req.on('error', (err) => {
      if (!refused) reject(err)
    })
  })
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** FHIR JSON (or plain JSON, or no type at all); anything that does not parse is a 400 OperationOutcome. */
export function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  const type = mediaType(req)
  if (type && type !== 'application/fhir+json' && type !== 'application/json') {
    throw new HttpProblem(415, `Unsupported Content-Type ${type}: send application/fhir+json`)
  }
  if (raw.length === 0) throw new OperationOutcomeError(badRequest('Missing body'))
  let parsed: unknown
  try {
    parsed = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new OperationOutcomeError(badRequest(`Invalid JSON: ${(err as Error).message}`))
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OperationOutcomeError(badRequest('Body is not a FHIR resource'))
  }
  return parsed
}

/** `POST T/_search`: form parameters (FHIR), merged with those of the URL. */
export function parseSearchForm(req: IncomingMessage, raw: Buffer, url: URL): URLSearchParams {
  const type = mediaType(req)
  if (raw.length > 0 && type !== 'application/x-www-form-urlencoded') {
    throw new HttpProblem(415, 'POST _search takes application/x-www-form-urlencoded')
  }
  const params = new URLSearchParams(url.search)
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) params.append(key, value)
  return params
}
