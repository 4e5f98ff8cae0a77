import { z } from 'zod'
import { Role, Unit } from '../contract'
import type { Logger, LogFields } from '../log'
import { malformed, networkReason, offline } from '../central/errors'
import { checkCentralUrl, parseJson, readLimited } from '../central/http'
import { CentralError, type AccessTokenProvider } from '../central/types'

/**
 * The central's access token, whatever proves who is there (the card's assertion, PSC's token): one exchange at
 * the token endpoint, the token kept in this closure only (never written, never logged), renewed the same way
 * before it expires.
 *
 * Renewal failures split in two. The grant refused (card gone, token endpoint refusing) ends the session:
 * `onExpired` is called once and `token()` throws UNAUTHENTICATED from then on. The central unreachable does
 * not: the workstation works from its cache, renewal is tried again in the background, `token()` keeps giving
 * the current token until it expires and then throws OFFLINE until the central answers again.
 */

export const CentralPractitioner = z.object({
  /** Practitioner id at the central. */
  id: z.string().min(1).max(64),
  idNat: z.string().min(1).max(64),
  displayName: z.string().min(1).max(200),
  role: Role,
  units: z.array(Unit).max(200),
})
export type CentralPractitioner = z.infer<typeof CentralPractitioner>

const TokenResponse = z.object({
  access_token: z.string().min(1).max(16_384),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.union([z.number(), z.string().regex(/^\d{1,9}$/).transform(Number)]).pipe(z.number().positive().max(7 * 24 * 3600)),
  practitioner: CentralPractitioner,
})

const TokenError = z.object({ error: z.string().max(100), error_description: z.string().optional() })

export interface CentralLogin {
  token: AccessTokenProvider
  /** Who the central says the signed-in professional is; null before login(). */
  readonly practitioner: CentralPractitioner | null
  /** The first exchange; throws CentralError (UNAUTHENTICATED, OFFLINE, INTERNAL). */
  login(): Promise<void>
  /** Drops the token and stops renewing (sign-out). */
  close(): void
}

export interface TokenLifecycleOptions {
  tokenUrl: string
  /** Renewal starts this long before the central token's expiry (at half its lifetime at the latest). */
  renewBeforeSeconds?: number
  /** Called once when the session ends by itself (grant spent or refused), not after close(). */
  onExpired?: () => void
  fetch?: typeof fetch
  now?: () => Date
  timeoutMs?: number
  log?: Logger
}

/** What a login exchanges at the token endpoint, and how long it may keep doing so. */
export interface TokenGrant {
  /** The endpoint as errors and logs name it. */
  what: string
  /** What the endpoint refused, in the refusal's message ("the card"). */
  refused: string
  /** The form body of one exchange; a CentralError that is not retryable ends a session in force. */
  request(tokenUrl: string): Promise<URLSearchParams>
  /**
   * A grant that runs out (PSC's token): once `usable()` is false no renewal is tried, and the session ends with
   * `spent()` when the token in force expires. Without it, renewals go on until refused.
   */
  limit?: { usable(): boolean; spent(): CentralError }
  /** Drops what the grant is made from, on end or close. */
  release?(): void
  /** Added to the `central.token` log line. */
  logFields?: LogFields
}

interface Current {
  accessToken: string
  renewAt: number
  expiresAt: number
}

const MAX_RESPONSE_BYTES = 1024 * 1024
const OFFLINE_RETRY_MS = { min: 1_000, max: 30_000 }

/** The endpoint's error text made safe for a log line: printable, short. */
function describe(error: z.infer<typeof TokenError>): string {
  const clean = (text: string) => text.replace(/[^\p{L}\p{N}\p{P}\p{Zs}]/gu, '').slice(0, 200)
  return error.error_description ? `${clean(error.error)}: ${clean(error.error_description)}` : clean(error.error)
}

export function createTokenLifecycle(options: TokenLifecycleOptions, grant: TokenGrant): CentralLogin {
  const tokenUrl = checkCentralUrl(options.tokenUrl, 'tokenUrl').href
  const fetchFn = options.fetch ?? globalThis.fetch
  const now = options.now ?? (() => new Date())
  const renewBeforeMs = (options.renewBeforeSeconds ?? 60) * 1000
  const timeoutMs = options.timeoutMs ?? 10_000
  const { what } = grant
  const renewable = () => !grant.limit || grant.limit.usable()

  let current: Current | null = null
  let practitioner: CentralPractitioner | null = null
  let ended: CentralError | null = null
  let timer: NodeJS.Timeout | null = null
  let inflight: Promise<void> | null = null

  function schedule(delayMs: number, action: () => void): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(action, Math.max(0, delayMs))
    // A pending renewal must not keep a CLI or a test process alive.
    timer.unref()
  }

  async function exchange(): Promise<void> {
    const startedAt = now().getTime()
    const body = await grant.request(tokenUrl)
    let response: Response
    let json: unknown
    try {
      response = await fetchFn(tokenUrl, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      })
      json = parseJson(await readLimited(response, MAX_RESPONSE_BYTES, what), what, response.status)
    } catch (error) {
      if (error instanceof CentralError) throw error
      throw offline(what, networkReason(error))
    }
    const { status } = response
    if (status >= 500 || status === 429) throw new CentralError('OFFLINE', `${what}: HTTP ${status}`, status, true)
    if (status !== 200) {
      const refusal = TokenError.safeParse(json)
      const reason = refusal.success ? describe(refusal.data) : `HTTP ${status}`
      throw new CentralError('UNAUTHENTICATED', `${what} refused ${grant.refused}: ${reason}`, status, false)
    }
    const parsed = TokenResponse.safeParse(json)
    if (!parsed.success) {
      // Paths only: zod's messages may quote the values, and one of them is the token.
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))].join(', ')
      throw malformed(what, `unusable token response (${fields})`, status)
    }
    // Signed out while this exchange ran: the new token is dropped, not kept alive by a timer.
    if (ended) throw refusal()
    const lifetimeMs = parsed.data.expires_in * 1000
    const renewInMs = Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2)
    current = { accessToken: parsed.data.access_token, renewAt: startedAt + renewInMs, expiresAt: startedAt + lifetimeMs }
    practitioner = parsed.data.practitioner
    schedule(renewInMs, () => void renewInBackground())
    options.log?.info('central.token', { expiresIn: parsed.data.expires_in, ...grant.logFields })
  }

  function end(error: CentralError): void {
    if (ended) return
    ended = error
    current = null
    grant.release?.()
    if (timer) clearTimeout(timer)
    timer = null
    options.log?.warn('central.session-ended', { reason: error.message })
    options.onExpired?.()
  }

  /** Why the session ends once a limited grant is spent (only a limited grant ever is). */
  function spent(): CentralError {
    return grant.limit?.spent() ?? refusal()
  }

  /** One exchange at a time; a refusal after a successful login ends the session. */
  function renew(): Promise<void> {
    inflight ??= exchange()
      .catch((error: unknown) => {
        const failure = error instanceof CentralError ? error : malformed(what, 'renewal failed')
        if (!failure.retryable && current && !ended) end(failure)
        throw failure
      })
      .finally(() => {
        inflight = null
      })
    return inflight
  }

  async function renewInBackground(): Promise<void> {
    timer = null
    if (ended || !current) return
    if (!renewable()) {
      schedule(current.expiresAt - now().getTime(), () => end(spent()))
      return
    }
    try {
      await renew()
    } catch (error) {
      if (ended || !current || !(error instanceof CentralError) || !error.retryable) return
      const left = current.expiresAt - now().getTime()
      if (left <= 0 && !renewable()) {
        end(spent())
        return
      }
      schedule(Math.min(OFFLINE_RETRY_MS.max, Math.max(OFFLINE_RETRY_MS.min, left / 2)), () => void renewInBackground())
      options.log?.info('central.token-renewal-deferred', { code: error.code })
    }
  }

  function refusal(): CentralError {
    return new CentralError('UNAUTHENTICATED', ended?.message ?? 'not logged in at the central', ended?.status ?? null, false)
  }

  /** The token in force; a function so that TypeScript does not narrow state that awaits may change. */
  function live(): Current {
    if (ended || !current) throw refusal()
    // Past its expiry with nothing to renew with, the session is over, whatever timer was missed (sleep).
    if (now().getTime() >= current.expiresAt && !renewable()) {
      end(spent())
      throw refusal()
    }
    return current
  }

  async function token(request?: { refused?: string }): Promise<string> {
    if (!current && inflight) await inflight.catch(() => undefined)
    const active = live()
    // The central refused the token in force (restarted, keys rotated): a new exchange, now.
    // A refusal of that exchange ends the session like any renewal refused.
    if (request?.refused !== undefined && request.refused === active.accessToken) {
      await renew()
      return live().accessToken
    }
    // Also here, not only on the timer: a suspended laptop wakes up with the timer late.
    if (now().getTime() >= active.renewAt && renewable()) {
      try {
        await renew()
      } catch (error) {
        const usable = now().getTime() < active.expiresAt - 1000
        if (error instanceof CentralError && error.retryable && usable && !ended) return active.accessToken
        throw error
      }
    }
    return live().accessToken
  }

  return {
    token,
    get practitioner() {
      return practitioner
    },
    async login() {
      if (ended) throw refusal()
      await renew()
    },
    close() {
      if (timer) clearTimeout(timer)
      timer = null
      current = null
      practitioner = null
      grant.release?.()
      ended ??= new CentralError('UNAUTHENTICATED', 'signed out', null, false)
    },
  }
}
