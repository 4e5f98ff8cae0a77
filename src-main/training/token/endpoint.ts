import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { Logger } from '../../log'
import { HttpProblem, readBody, writeJson } from '../fhir-server/http-io'
import type { AccessTokens } from './access-token'
import type { AuthenticatedPractitioner } from './directory'
import { GrantError, TOKEN_EXCHANGE_GRANT, type GrantHandler } from './grants'
import { ACCESS_TOKEN_TYPE } from './token-exchange'

/** Room for an assertion (64 KiB at most, see assertion.ts) and form encoding. */
const MAX_FORM_BYTES = 128 * 1024
const SCOPE = 'user/*.*'

/** RFC 6749 §5.1, plus who the token is for (the workstation shows it and filters its census by the units). */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
  /** RFC 8693 §2.2.1: required in a token-exchange response. */
  issued_token_type?: string
  practitioner: AuthenticatedPractitioner
  /** Break the glass (btg.ts): the token's purpose of use and the one patient it names. */
  purpose_of_use?: 'BTG'
  patient?: string
}

export interface TokenEndpointOptions {
  /** Path of the endpoint on the central, e.g. `/auth/token`. */
  path: string
  /** Grant handlers by `grant_type`; any other grant type is `unsupported_grant_type`. */
  grants: Readonly<Record<string, GrantHandler>>
  tokens: AccessTokens
  log?: Logger
}

/** The FHIR server's `extraRoutes` hook: true when the request was for this endpoint (and answered). */
export type ExtraRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

function send(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  // RFC 6749 §5.1: tokens and their errors are never cached (no-store comes with every JSON answer).
  writeJson(res, status, body, { Pragma: 'no-cache', ...headers })
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume()
    throw new GrantError('invalid_request', 'The body must be application/x-www-form-urlencoded')
  }
  try {
    return new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'))
  } catch (error) {
    // The FHIR server's body reader (same size limit, same draining); an oversize body is an OAuth error here.
    if (error instanceof HttpProblem) throw new GrantError('invalid_request', 'The request body is too large')
    throw error
  }
}

/**
 * The token endpoint (RFC 6749 §3.2 with the grants given): POST, form-encoded, answers a Bearer access token
 * or an RFC 6749 §5.2 error. It authenticates no OAuth client: the card is the credential (RFC 7521 §4.2 makes
 * client authentication optional for assertion grants).
 */
export function createTokenEndpoint(options: TokenEndpointOptions): ExtraRoute {
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req)
    const grantTypes = form.getAll('grant_type')
    if (grantTypes.length !== 1 || !grantTypes[0]) throw new GrantError('invalid_request', 'Exactly one grant_type is required')
    const grant = Object.hasOwn(options.grants, grantTypes[0]) ? options.grants[grantTypes[0]] : undefined
    if (!grant) throw new GrantError('unsupported_grant_type', 'This grant type is not supported here')
    const { btg, ...practitioner } = await grant(form)
    const { token, expiresIn } = await options.tokens.issue(practitioner, btg)
    options.log?.info('training.token.issued', { practitioner: practitioner.id, role: practitioner.role, ...(btg ? { btg: true } : {}) })
    const body: TokenResponse = {
      access_token: token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      scope: SCOPE,
      ...(grantTypes[0] === TOKEN_EXCHANGE_GRANT ? { issued_token_type: ACCESS_TOKEN_TYPE } : {}),
      practitioner,
      ...(btg ? { purpose_of_use: 'BTG' as const, patient: btg.patient } : {}),
    }
    send(res, 200, body)
  }

  return async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (pathname !== options.path) return false
    if (req.method !== 'POST') {
      req.resume()
      send(res, 405, { error: 'invalid_request', error_description: 'Use POST' }, { Allow: 'POST' })
      return true
    }
    try {
      await answer(req, res)
    } catch (error) {
      if (!(error instanceof GrantError)) {
        options.log?.error('training.token.failed', { error: (error as Error)?.name })
        send(res, 500, { error: 'server_error', error_description: 'Internal error' })
        return true
      }
      options.log?.warn('training.token.refused', { error: error.error, reason: error.reason })
      send(res, 400, { error: error.error, error_description: error.description })
    }
    return true
  }
}
