import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { z } from 'zod'
import type { PractitionerDirectory } from './directory'
import { GrantError, type GrantHandler } from './grants'

/** RFC 8693 §3: the only subject token type taken here, and the type of what the central issues. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/** The Pro Santé Connect issuer whose access tokens this central takes in exchange for its own. */
export interface PscTrust {
  issuer: string
  /** Where the issuer's keys are; by default `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUri?: string
  /** The `aud` the PSC access token must carry, when PSC gives this central one. */
  audience?: string
  /** The workstations' PSC client: the token's `azp` (Keycloak) or `client_id` (RFC 9068) must be this one. */
  clientId?: string
}

export interface TokenExchangeGrantOptions {
  psc: PscTrust
  directory: PractitionerDirectory
  now: () => Date
  /** Used for discovery only (jose fetches the JWKS itself). */
  fetch?: typeof fetch
}

/** Asymmetric only: a central cannot hold the workstations' client secret, so HS256 tokens are not for it. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']
const SKEW_SECONDS = 5
/** Header `typ` of an access token: RFC 9068's at+jwt, or Keycloak's plain JWT. An ID token is refused by its claims. */
const ACCESS_TOKEN_TYP = new Set(['jwt', 'at+jwt', 'application/at+jwt'])
const ID_NAT = /^[0-9A-Za-z/-]{1,64}$/

const Discovery = z.object({ issuer: z.string(), jwks_uri: z.string().url() })

/**
 * RFC 8693 §2.2.2: a subject token that is invalid "for any reason, or unacceptable based on policy" is answered
 * `invalid_request` — not `invalid_grant`, which RFC 7523 uses for a bad assertion. The description says which
 * check failed (for the workstation's developers), never what the token holds.
 */
function refuse(description: string, reason: string): GrantError {
  return new GrantError('invalid_request', description, reason)
}

function verificationFailure(error: unknown): GrantError | null {
  if (error instanceof errors.JWTExpired) return refuse('The subject token has expired', 'SUBJECT_EXPIRED')
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return refuse('The subject token is not from the trusted Pro Santé Connect issuer', 'SUBJECT_ISSUER')
    if (error.claim === 'aud') return refuse('The subject token is not meant for this central', 'SUBJECT_AUDIENCE')
    return refuse('The subject token is not valid now', 'SUBJECT_CLAIMS')
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return refuse('The subject token signature does not verify with the issuer keys', 'SUBJECT_SIGNATURE')
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return refuse('The subject token algorithm is not accepted', 'SUBJECT_ALGORITHM')
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) {
    return refuse('The subject token is not a signed JWT', 'SUBJECT_MALFORMED')
  }
  // JWKS unreachable, timed out: not the workstation's fault; the endpoint answers 500 and it tries again later.
  return null
}

function single(form: URLSearchParams, name: string): string | null {
  const values = form.getAll(name)
  if (values.length > 1) throw new GrantError('invalid_request', `${name} must not be repeated`)
  return values[0] || null
}

/**
 * RFC 8693 token exchange (DESIGN.md §6): a workstation signed in with the e-CPS presents PSC's access token and
 * gets this central's own, for the Practitioner whose idNat is the token's SubjectNameID (or preferred_username,
 * which PSC fills with the same value). The token is checked with the issuer's published keys (JWKS): signature,
 * issuer, expiry, and audience / authorized party where configured. Impersonation only: no actor token.
 */
export function tokenExchangeGrant(options: TokenExchangeGrantOptions): GrantHandler {
  const issuer = options.psc.issuer
  let keys: JWTVerifyGetKey | null = null

  async function jwks(): Promise<JWTVerifyGetKey> {
    if (keys) return keys
    let jwksUri = options.psc.jwksUri
    if (!jwksUri) {
      const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
      const response = await (options.fetch ?? fetch)(url, { headers: { Accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(10_000) })
      const discovery = Discovery.safeParse(response.ok ? await response.json() : null)
      if (!discovery.success || discovery.data.issuer !== issuer) throw new Error(`PSC discovery failed (HTTP ${response.status})`)
      jwksUri = discovery.data.jwks_uri
    }
    keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10_000 })
    return keys
  }

  return async (form) => {
    const subjectToken = single(form, 'subject_token')
    const subjectTokenType = single(form, 'subject_token_type')
    if (!subjectToken || !subjectTokenType) throw new GrantError('invalid_request', 'subject_token and subject_token_type are required')
    if (subjectTokenType !== ACCESS_TOKEN_TYPE) {
      throw refuse('Only a Pro Santé Connect access token is accepted as subject_token_type', 'SUBJECT_TYPE')
    }
    const requested = single(form, 'requested_token_type')
    if (requested && requested !== ACCESS_TOKEN_TYPE) throw refuse('Only an access token can be requested', 'REQUESTED_TYPE')
    if (form.has('actor_token') || form.has('actor_token_type')) throw refuse('Delegation (actor_token) is not supported', 'ACTOR')

    let payload: JWTPayload
    try {
      const verified = await jwtVerify(subjectToken, await jwks(), {
        issuer,
        ...(options.psc.audience ? { audience: options.psc.audience } : {}),
        algorithms: ALGORITHMS,
        clockTolerance: SKEW_SECONDS,
        currentDate: options.now(),
        requiredClaims: ['exp', 'iat', 'sub'],
      })
      payload = verified.payload
      const typ = verified.protectedHeader.typ?.toLowerCase()
      if (typ !== undefined && !ACCESS_TOKEN_TYP.has(typ)) throw refuse('The subject token is not an access token', 'SUBJECT_TYP')
    } catch (error) {
      if (error instanceof GrantError) throw error
      throw verificationFailure(error) ?? error
    }
    // Keycloak marks its tokens with `typ`: an ID token ("ID") signed by the same keys is not an access token.
    if (payload.typ !== undefined && payload.typ !== 'Bearer') throw refuse('The subject token is not an access token', 'SUBJECT_TYP')
    const party = typeof payload.azp === 'string' ? payload.azp : payload.client_id
    if (options.psc.clientId && party !== options.psc.clientId) {
      throw refuse('The subject token was issued to another client', 'SUBJECT_CLIENT')
    }
    const idNat = [payload.SubjectNameID, payload.preferred_username].find((value) => typeof value === 'string')
    if (typeof idNat !== 'string' || !ID_NAT.test(idNat)) throw refuse('The subject token names no professional (SubjectNameID)', 'SUBJECT_IDNAT')

    const practitioner = await options.directory.byIdNat(idNat)
    if (!practitioner) throw refuse('No active practitioner with a role has this national id at this central', 'UNKNOWN_PRACTITIONER')
    return practitioner
  }
}
