import { CentralError } from '../../central/types'
import { createTokenLifecycle, type CentralLogin, type TokenLifecycleOptions } from '../token-lifecycle'

/**
 * Login at the central with the e-CPS (DESIGN.md §6): Pro Santé Connect's access token is exchanged for the
 * central's own (RFC 8693 token exchange), which is renewed the same way while PSC's token is still valid
 * (token-lifecycle.ts).
 *
 * No silent renewal past that: PSC's refresh token is not used, so once PSC's access token has expired the
 * session ends when the central's token does (`onExpired`), and the professional signs in again in the browser.
 * The e-CPS is a proof that this person is here now (their phone, their PIN); a refresh token on a shared
 * hospital workstation would keep a session alive for hours without them, and could be replayed by whoever
 * reads it. That is the card's behaviour too: its session lasts while the card is in the reader.
 *
 * The central unreachable does not end the session while PSC's token is valid: renewal is retried, `token()`
 * gives the current token until it expires, then throws OFFLINE (as the card login does).
 */

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

export interface EcpsCentralLoginOptions extends TokenLifecycleOptions {
  /** PSC's access token and its expiry (ms since the epoch), from beginEcpsSignIn's result. */
  subject: { accessToken: string; expiresAt: number }
}

/** PSC's token must still be good this long when it reaches the central. */
const SUBJECT_MARGIN_MS = 5_000

export function createEcpsCentralLogin(options: EcpsCentralLoginOptions): CentralLogin {
  const now = options.now ?? (() => new Date())
  let subjectToken: string | null = options.subject.accessToken

  const subjectUsable = () => subjectToken !== null && now().getTime() < options.subject.expiresAt - SUBJECT_MARGIN_MS
  const reauthenticate = () => new CentralError('UNAUTHENTICATED', 'the Pro Santé Connect token has expired: e-CPS sign-in needed', null, false)

  return createTokenLifecycle(options, {
    what: 'token endpoint (token exchange)',
    refused: 'the e-CPS token',
    request: async () => {
      if (!subjectUsable() || !subjectToken) throw reauthenticate()
      return new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE })
    },
    limit: { usable: subjectUsable, spent: reauthenticate },
    release: () => {
      subjectToken = null
    },
    logFields: { via: 'e-cps' },
  })
}
