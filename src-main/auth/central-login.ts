import { z } from 'zod'
import { Role, Unit } from '../contract'
import type { Logger } from '../log'
import { malformed, networkReason, offline } from '../central/errors'
import { checkCentralUrl, parseJson, readLimited } from '../central/http'
import { CentralError, type AccessTokenProvider } from '../central/types'
import { createCardAssertion } from './assertion'
import type { CardAlgorithm, CardSession } from './card'

/**
 * Login at the central with the card (DESIGN.md §6): an RFC 7523 JWT-bearer assertion signed on the card is
 * exchanged for a short-lived access token, renewed the same way before it expires while the card stays in.
 * The token lives in this closure only: never written, never logged.
 *
 * Renewal failures split in two. The card gone (or refusing) or the token endpoint refusing ends the session:
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

export interface CentralLoginOptions {
  tokenUrl: string
  session: CardSession
  algorithm?: CardAlgorithm
  /** Renewal starts this long before expiry (at half the lifetime at the latest). */
  renewBeforeSeconds?: number
  /** Called once when the session ends by itself (card removed, endpoint refusing), not after close(). */
  onExpired?: () => void
  fetch?: typeof fetch
  now?: () => Date
  timeoutMs?: number
  log?: Logger
}

export interface CentralLogin {
  token: AccessTokenProvider
  /** Who the central says the card holder is; null before login(). */
  readonly practitioner: CentralPractitioner | null
  /** The first exchange; throws CentralError (UNAUTHENTICATED, OFFLINE, INTERNAL). */
  login(): Promise<void>
  /** Drops the token and stops renewing (sign-out). */
  close(): void
}

interface Current {
  accessToken: string
  renewAt: number
  expiresAt: number
}

const MAX_RESPONSE_BYTES = 1024 * 1024
const OFFLINE_RETRY_MS = { min: 1_000, max: 30_000 }
const WHAT = 'token endpoint'

/** The endpoint's error text made safe for a log line: printable, short. */
function describe(error: z.infer<typeof TokenError>): string {
  const clean = (text: string) => text.replace(/[^\p{L}\p{N}\p{P}\p{Zs}]/gu, '').slice(0, 200)
  return error.error_description ? `${clean(error.error)}: ${clean(error.error_description)}` : clean(error.error)
}

export function createCentralLogin(options: CentralLoginOptions): CentralLogin {
  const tokenUrl = checkCentralUrl(options.tokenUrl, 'tokenUrl').href
  const fetchFn = options.fetch ?? globalThis.fetch
  const now = options.now ?? (() => new Date())
  const renewBeforeMs = (options.renewBeforeSeconds ?? 60) * 1000
  const timeoutMs = options.timeoutMs ?? 10_000

  let current: Current | null = null
  let practitioner: CentralPractitioner | null = null
  let ended: CentralError | null = null
  let timer: NodeJS.Timeout | null = null
  let inflight: Promise<void> | null = null

  function schedule(delayMs: number): void {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => void renewInBackground(), Math.max(0, delayMs))
    // A pending renewal must not keep a CLI or a test process alive.
    timer.unref()
  }

  async function assertion(): Promise<string> {
    try {
      return await createCardAssertion({ session: options.session, audience: tokenUrl, algorithm: options.algorithm, now: now() })
    } catch (error) {
      // Whatever the card says (removed, refused, device error), it can no longer prove who is there.
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error'
      throw new CentralError('UNAUTHENTICATED', `the card could not sign the assertion (${code})`, null, false)
    }
  }

  async function exchange(): Promise<void> {
    const startedAt = now().getTime()
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await assertion() })
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
      json = parseJson(await readLimited(response, MAX_RESPONSE_BYTES, WHAT), WHAT, response.status)
    } catch (error) {
      if (error instanceof CentralError) throw error
      throw offline(WHAT, networkReason(error))
    }
    const { status } = response
    if (status >= 500 || status === 429) throw new CentralError('OFFLINE', `${WHAT}: HTTP ${status}`, status, true)
    if (status !== 200) {
      const refusal = TokenError.safeParse(json)
      const reason = refusal.success ? describe(refusal.data) : `HTTP ${status}`
      throw new CentralError('UNAUTHENTICATED', `${WHAT} refused the card: ${reason}`, status, false)
    }
    const parsed = TokenResponse.safeParse(json)
    if (!parsed.success) {
      // Paths only: zod's messages may quote the values, and one of them is the token.
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))].join(', ')
      throw malformed(WHAT, `unusable token response (${fields})`, status)
    }
    // Signed out while this exchange ran: the new token is dropped, not kept alive by a timer.
    if (ended) throw refusal()
    const lifetimeMs = parsed.data.expires_in * 1000
    const renewInMs = Math.max(lifetimeMs - renewBeforeMs, lifetimeMs / 2)
    current = { accessToken: parsed.data.access_token, renewAt: startedAt + renewInMs, expiresAt: startedAt + lifetimeMs }
    practitioner = parsed.data.practitioner
    schedule(renewInMs)
    options.log?.info('central.token', { expiresIn: parsed.data.expires_in })
  }

  function end(error: CentralError): void {
    if (ended) return
    ended = error
    current = null
    if (timer) clearTimeout(timer)
    timer = null
    options.log?.warn('central.session-ended', { reason: error.message })
    options.onExpired?.()
  }

  /** One exchange at a time; a refusal after a successful login ends the session. */
  function renew(): Promise<void> {
    inflight ??= exchange()
      .catch((error: unknown) => {
        const failure = error instanceof CentralError ? error : malformed(WHAT, 'renewal failed')
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
    try {
      await renew()
    } catch (error) {
      if (ended || !current || !(error instanceof CentralError) || !error.retryable) return
      const left = current.expiresAt - now().getTime()
      schedule(Math.min(OFFLINE_RETRY_MS.max, Math.max(OFFLINE_RETRY_MS.min, left / 2)))
      options.log?.info('central.token-renewal-deferred', { code: error.code })
    }
  }

  function refusal(): CentralError {
    return new CentralError('UNAUTHENTICATED', ended?.message ?? 'not logged in at the central', ended?.status ?? null, false)
  }

  /** The token in force; a function so that TypeScript does not narrow state that awaits may change. */
  function live(): Current {
    if (ended || !current) throw refusal()
    return current
  }

  async function token(request?: { refused?: string }): Promise<string> {
    if (!current && inflight) await inflight.catch(() => undefined)
    const active = live()
    // The central refused the token in force (restarted, keys rotated): a new exchange with the card, now.
    // A refusal of that exchange ends the session like any renewal refused.
    if (request?.refused !== undefined && request.refused === active.accessToken) {
      await renew()
      return live().accessToken
    }
    // Also here, not only on the timer: a suspended laptop wakes up with the timer late.
    if (now().getTime() >= active.renewAt) {
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
      ended ??= new CentralError('UNAUTHENTICATED', 'signed out', null, false)
    },
  }
}
