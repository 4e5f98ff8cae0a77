import { decodeJwt } from 'jose'
import * as oidc from 'openid-client'
import type { Logger } from '../../log'
import { EcpsError } from './errors'
import { mapPscUserInfo, type EcpsIdentity } from './identity'
import { DEFAULT_TIMEOUT_MS, startLoopbackListener } from './loopback'
import { PSC_ACR, PSC_SCOPE, type PscSettings } from './settings'

/**
 * e-CPS sign-in through Pro Santé Connect (DESIGN.md §6, DOMAIN.md §1.3): OpenID Connect authorization code with
 * PKCE (S256), state and nonce, `acr_values=eidas1`, in the system browser with a loopback redirect (RFC 8252).
 * This module returns the authorization URL; opening it is the caller's job (Electron's shell.openExternal, or
 * the browser host's renderer). The tokens stay in memory; PSC's refresh token, if any, is dropped (see
 * central-login.ts for why).
 */

export interface EcpsSignInOptions {
  psc: PscSettings
  /** How long the browser has to come back (default 5 minutes). */
  timeoutMs?: number
  /** Loopback port; 0 (the default) lets the system pick one. */
  port?: number
  /** Fetch used for PSC (discovery, token, userinfo). */
  fetch?: typeof fetch
  now?: () => Date
  log?: Logger
}

export interface EcpsSignInResult extends EcpsIdentity {
  /** PSC's access token: exchanged at the central (RFC 8693). Never logged nor stored. */
  accessToken: string
  idToken: string
  /** When the access token expires (ms since the epoch). */
  expiresAt: number
}

export interface EcpsSignIn {
  authorizationUrl: string
  redirectUri: string
  /** Settles once: the signed-in professional, or an EcpsError. */
  result: Promise<EcpsSignInResult>
  /** Stops waiting for the browser; `result` rejects with CANCELLED. */
  cancel(): void
}

/** Used when PSC gives no `expires_in` and the token is not a readable JWT: short, so the central asks again. */
const FALLBACK_LIFETIME_SECONDS = 300
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true
  return error instanceof TypeError && error.cause instanceof Error && 'code' in error.cause
}

/** An OAuth error code as it may go to a log: the callback's query is anyone's to write. */
function safeCode(text: string): string {
  return /^[A-Za-z0-9_.-]{1,60}$/.test(text) ? text : 'error'
}

/** An openid-client failure as an EcpsError; only codes are kept (messages may quote tokens or claims). */
function toEcpsError(error: unknown): EcpsError {
  if (error instanceof EcpsError) return error
  if (isUnreachable(error)) return new EcpsError('PROVIDER_UNREACHABLE')
  if (error instanceof oidc.AuthorizationResponseError) {
    return new EcpsError(error.error === 'access_denied' ? 'DENIED' : 'PROVIDER_ERROR', safeCode(error.error))
  }
  if (error instanceof oidc.ResponseBodyError) return new EcpsError('PROVIDER_ERROR', safeCode(error.error))
  const code = error instanceof oidc.ClientError && typeof error.code === 'string' ? error.code : 'error'
  return new EcpsError('PROVIDER_ERROR', code)
}

async function discover(settings: PscSettings, fetchFn: typeof fetch | undefined): Promise<oidc.Configuration> {
  const issuer = new URL(settings.issuer)
  const clientAuth =
    settings.clientAuth === 'client_secret_basic'
      ? oidc.ClientSecretBasic(settings.clientSecret ?? undefined)
      : settings.clientAuth === 'client_secret_post'
        ? oidc.ClientSecretPost(settings.clientSecret ?? undefined)
        : oidc.None()
  // Plain http only for an issuer on this machine (the test stand-in): anywhere else it would carry the tokens in clear.
  const insecure = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname)
  const config = await oidc.discovery(new URL(settings.discoveryUrl ?? settings.issuer), settings.clientId, undefined, clientAuth, {
    ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
    ...(fetchFn ? { [oidc.customFetch]: fetchFn } : {}),
    timeout: 15,
  })
  // Given the document's own URL (PSC's wallet-openid-configuration), openid-client does not compare issuers.
  if (new URL(config.serverMetadata().issuer).href !== issuer.href) throw new EcpsError('PROVIDER_ERROR', 'issuer')
  return config
}

function expiryOf(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number): number {
  const expiresIn = tokens.expiresIn()
  if (expiresIn !== undefined) return now + expiresIn * 1000
  try {
    const { exp } = decodeJwt(tokens.access_token)
    if (typeof exp === 'number') return exp * 1000
  } catch {
    // Opaque token: the fallback below.
  }
  return now + FALLBACK_LIFETIME_SECONDS * 1000
}

export async function beginEcpsSignIn(options: EcpsSignInOptions): Promise<EcpsSignIn> {
  const now = options.now ?? (() => new Date())
  let config: oidc.Configuration
  try {
    config = await discover(options.psc, options.fetch)
  } catch (error) {
    throw toEcpsError(error)
  }

  const state = oidc.randomState()
  const nonce = oidc.randomNonce()
  const verifier = oidc.randomPKCECodeVerifier()
  const listener = await startLoopbackListener({
    port: options.port ?? 0,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    judge: (callback) => (callback.searchParams.get('state') === state ? 'received' : 'refused'),
  })
  let authorizationUrl: URL
  try {
    authorizationUrl = oidc.buildAuthorizationUrl(config, {
      response_type: 'code',
      redirect_uri: listener.redirectUri,
      scope: PSC_SCOPE,
      acr_values: PSC_ACR,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
  } catch (error) {
    listener.cancel()
    throw toEcpsError(error)
  }

  async function complete(): Promise<EcpsSignInResult> {
    const callback = await listener.callback
    // Checked here before openid-client checks it again: a response meant for another attempt (or forged by a
    // local page) must not be mistaken for a refusal at PSC.
    if (callback.searchParams.get('state') !== state) throw new EcpsError('STATE_MISMATCH')
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    })
    const claims = tokens.claims()
    if (!claims || !tokens.id_token) throw new EcpsError('PROVIDER_ERROR', 'id_token')
    if (claims.acr !== PSC_ACR) throw new EcpsError('ACR_INSUFFICIENT', typeof claims.acr === 'string' ? safeCode(claims.acr) : 'none')
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)
    const identity = mapPscUserInfo(userinfo)
    return { ...identity, accessToken: tokens.access_token, idToken: tokens.id_token, expiresAt: expiryOf(tokens, now().getTime()) }
  }

  const result = complete().then(
    (signedIn) => {
      options.log?.info('ecps.signed-in', { role: signedIn.role })
      return signedIn
    },
    (error: unknown) => {
      const failure = toEcpsError(error)
      options.log?.warn('ecps.sign-in-failed', { code: failure.code, detail: failure.detail })
      throw failure
    },
  )
  // The caller may cancel without awaiting: the rejection is still theirs to read.
  result.catch(() => undefined)

  return { authorizationUrl: authorizationUrl.href, redirectUri: listener.redirectUri, result, cancel: () => listener.cancel() }
}
