import type { IncomingMessage } from 'node:http'
import type { Authorize, FhirServer, TrainingUser } from './fhir-server'
import { buildAuditEvent } from './fhir-server/audit'
import { writeJson } from './fhir-server/http-io'
import type { Touched } from './fhir-server/scoped-repository'
import type { ExtraRoute } from './token'

export interface JsonAnswer {
  status: number
  body: unknown
}

/**
 * A GET route of the training central beside /fhir (identity look-up, establishment reports): the bearer token is
 * checked like the FHIR server's, the answer is JSON and never cached. `handle` answers for the signed-in user.
 */
export function jsonGetRoute(
  path: string,
  authorize: Authorize,
  handle: (request: { url: URL; user: TrainingUser; req: IncomingMessage }) => Promise<JsonAnswer>,
): ExtraRoute {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== path) return false
    req.resume()
    if (req.method !== 'GET') {
      writeJson(res, 405, { error: 'Use GET' }, { Allow: 'GET' })
      return true
    }
    const decision = await authorize({ method: 'GET', path: url.pathname, headers: req.headers })
    if (!decision.ok) {
      writeJson(res, decision.status, { error: decision.reason })
      return true
    }
    const answer = await handle({ url, user: decision.user, req })
    writeJson(res, answer.status, answer.body)
    return true
  }
}

/** Such a route's request, audited at the central like a FHIR search (AuditEvent of the user, what it touched). */
export async function auditAsSearch(fhir: FhirServer, user: TrainingUser, req: IncomingMessage, query: string, touched: Touched[] = []): Promise<void> {
  await fhir.repo.createResource(
    buildAuditEvent({
      user,
      interaction: 'search-type',
      status: 200,
      touched,
      query,
      ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
      recorded: new Date().toISOString(),
    }),
  )
}
