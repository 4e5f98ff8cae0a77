import type { CardSummary, LockReason, SessionStatus, SessionUser } from '../contract'
import type { EventBus } from '../events'
import type { Logger } from '../log'
import { RpcFailure } from '../rpc/failure'
import { CardError, type CardProvider, type CardSession } from './card'
import { EcpsError } from './psc/errors'
import type { EcpsSignIn, EcpsSignInResult } from './psc/sign-in'

/** What a successful central login gives: who the user is and how to get an access token. */
export interface CentralLogin {
  readonly user: SessionUser
  token(): Promise<string>
  close(): void
}

/** Everything that runs for one signed-in user (central client, sync engine); closed at sign-out. */
export interface Workspace {
  close(): Promise<void>
}

export interface SessionServiceDeps {
  /** The card providers of this workstation (virtual cards in training, PKCS#11 otherwise). */
  providers: () => CardProvider[]
  /** Logs in at the central with the card (RFC 7523 assertion signed on the card). */
  loginAtCentral: (card: CardSession, onExpired: () => void) => Promise<CentralLogin>
  /** Starts the user's workspace once signed in. */
  startWorkspace: (user: SessionUser, login: CentralLogin) => Promise<Workspace>
  /** e-CPS through Pro Santé Connect, when it is configured. */
  ecps?: {
    begin: () => Promise<EcpsSignIn>
    /** Exchanges PSC's token at the central (RFC 8693). */
    loginAtCentral: (signedIn: EcpsSignInResult, onExpired: () => void) => Promise<CentralLogin>
    /** Opens the system browser (Electron); absent in the browser host, where the page opens the address. */
    open?: (url: string) => Promise<void>
  }
  events: EventBus
  log: Logger
  /** Inactivity before the session locks (DESIGN.md §6; configurable, 10 min by default). */
  inactivityMs: number
  /** How often the readers are listed for `cards.changed` (default 1 s). */
  cardsPollMs?: number
  /** How often the card's presence is checked: a removal locks within two periods (default 500 ms). */
  presencePollMs?: number
  now?: () => number
}

interface Active {
  user: SessionUser
  /** The card the session was opened with; null for an e-CPS session. */
  card: CardSession | null
  login: CentralLogin
  workspace: Workspace
  /** Set while locked: data calls answer LOCKED until the PIN is typed again. */
  lockReason: LockReason | null
  /** False once the card left the reader (its session is closed). */
  cardIn: boolean
  lastActivity: number
}

/**
 * The workstation's one session (DESIGN.md §6): signed out, or active for the holder of the card that signed in.
 * The PIN is turned into bytes once, handed to the card and zeroed; it is never stored nor logged.
 */
export class SessionService {
  #active: Active | null = null
  #signingIn = false
  #ecpsAttempt: EcpsSignIn | null = null
  #presenceTimer: NodeJS.Timeout | null = null
  #inactivityTimer: NodeJS.Timeout | null = null

  #cardsTimer: NodeJS.Timeout | null = null
  #cardsSeen = ''

  constructor(private readonly deps: SessionServiceDeps) {
    // Readers are polled (PKCS#11 offers no portable event): insertions, removals and PIN states reach the page.
    const pollMs = deps.cardsPollMs ?? 1000
    let polling = false
    this.#cardsTimer = setInterval(() => {
      if (polling) return
      polling = true
      void this.cards()
        .then((cards) => {
          const seen = JSON.stringify(cards.map((card) => [card.slotId, card.pinState, card.holder]))
          if (seen === this.#cardsSeen) return
          const first = this.#cardsSeen === ''
          this.#cardsSeen = seen
          if (!first) this.deps.events.emit('cards.changed', { cards })
        })
        .finally(() => {
          polling = false
        })
    }, pollMs)
    this.#cardsTimer.unref()
  }

  status(): SessionStatus {
    const active = this.#active
    if (!active) return { state: 'signed-out', user: null, slotId: null, lockReason: null }
    return {
      state: active.lockReason ? 'locked' : 'active',
      user: active.user,
      slotId: active.card?.slotId ?? null,
      lockReason: active.lockReason,
    }
  }

  get state(): SessionStatus['state'] {
    return this.status().state
  }

  get user(): SessionUser | null {
    return this.#active?.user ?? null
  }

  /**
   * The card of the active, unlocked session, to sign documents with its signature key; null for an e-CPS session
   * (no card: nothing to sign with) and once the card has left its reader.
   */
  get signingCard(): CardSession | null {
    const active = this.#active
    if (!active || active.lockReason || !active.cardIn) return null
    return active.card
  }

  /**
   * Locks the active session: data calls answer LOCKED, the renderer drops what it shows. The workspace keeps
   * running (writes already queued still reach the central); typing the PIN again (or another card) unlocks.
   */
  lock(reason: LockReason): SessionStatus {
    const active = this.#active
    if (!active || active.lockReason) return this.status()
    active.lockReason = reason
    this.#stopInactivityTimer()
    this.deps.log.info('session.locked', { reason })
    this.#announce()
    return this.status()
  }

  /**
   * Starts an e-CPS sign-in (also the way to unlock an e-CPS session): main waits for the browser on a loopback
   * address; the outcome is announced as session.changed, or auth.ecps.failed with a code.
   */
  async beginEcps(): Promise<{ authorizationUrl: string; opened: boolean }> {
    const ecps = this.deps.ecps
    if (!ecps) throw new RpcFailure('INVALID', 'ECPS_NOT_CONFIGURED')
    this.cancelEcps()
    let attempt: EcpsSignIn
    try {
      attempt = await ecps.begin()
    } catch (error) {
      throw new RpcFailure('OFFLINE', error instanceof EcpsError ? `ECPS_${error.code}` : 'ECPS_PROVIDER_UNREACHABLE')
    }
    this.#ecpsAttempt = attempt
    void this.#completeEcps(attempt)
    let opened = false
    if (ecps.open) {
      try {
        await ecps.open(attempt.authorizationUrl)
        opened = true
      } catch {
        // The page opens it instead.
      }
    }
    return { authorizationUrl: attempt.authorizationUrl, opened }
  }

  cancelEcps(): boolean {
    const attempt = this.#ecpsAttempt
    if (!attempt) return false
    this.#ecpsAttempt = null
    attempt.cancel()
    return true
  }

  async #completeEcps(attempt: EcpsSignIn): Promise<void> {
    let login: CentralLogin | null = null
    try {
      const signedIn = await attempt.result
      if (this.#ecpsAttempt !== attempt) return
      login = await this.deps.ecps!.loginAtCentral(signedIn, () => void this.#expired())
      if (this.#ecpsAttempt !== attempt) {
        login.close()
        return
      }
      this.#ecpsAttempt = null
      await this.#open(login, null)
    } catch (error) {
      login?.close()
      if (this.#ecpsAttempt === attempt) this.#ecpsAttempt = null
      const code = error instanceof EcpsError ? error.code : toRpcFailure(error).message
      if (code === 'CANCELLED') return
      this.deps.log.info('session.ecps.failed', { code })
      this.deps.events.emit('auth.ecps.failed', { code })
    }
  }

  /** The user is at the keyboard: the inactivity lock starts counting again. */
  noteActivity(): boolean {
    const active = this.#active
    if (!active || active.lockReason) return false
    active.lastActivity = this.#now()
    return true
  }

  /** Stops the timers (the service is closing); the session itself is closed by signOut. */
  async close(): Promise<void> {
    if (this.#cardsTimer) clearInterval(this.#cardsTimer)
    this.#cardsTimer = null
    this.cancelEcps()
    await this.#close('shutdown')
  }

  #now(): number {
    return this.deps.now ? this.deps.now() : Date.now()
  }

  #startWatching(active: Active): void {
    this.#stopWatching()
    const pollMs = this.deps.presencePollMs ?? 500
    let checking = false
    const card = active.card
    if (card) this.#presenceTimer = setInterval(() => {
      if (checking || this.#active !== active || !active.cardIn) return
      checking = true
      void card
        .present()
        .catch(() => false)
        .then(async (present) => {
          if (present || this.#active !== active || !active.cardIn) return
          active.cardIn = false
          this.deps.log.info('session.card-removed', {})
          this.lock('card-removed')
          await card.close().catch(() => undefined)
        })
        .finally(() => {
          checking = false
        })
    }, pollMs)
    this.#presenceTimer?.unref()
    this.#startInactivityTimer(active)
  }

  #startInactivityTimer(active: Active): void {
    this.#stopInactivityTimer()
    // Checked often enough that the lock comes at most a few seconds late, whatever the configured delay.
    const checkMs = Math.max(50, Math.min(5_000, Math.floor(this.deps.inactivityMs / 4)))
    this.#inactivityTimer = setInterval(() => {
      if (this.#active !== active || active.lockReason) return
      if (this.#now() - active.lastActivity >= this.deps.inactivityMs) this.lock('inactivity')
    }, checkMs)
    this.#inactivityTimer.unref()
  }

  #stopInactivityTimer(): void {
    if (this.#inactivityTimer) clearInterval(this.#inactivityTimer)
    this.#inactivityTimer = null
  }

  #stopWatching(): void {
    if (this.#presenceTimer) clearInterval(this.#presenceTimer)
    this.#presenceTimer = null
    this.#stopInactivityTimer()
  }

  async cards(): Promise<CardSummary[]> {
    const lists = await Promise.all(this.deps.providers().map((provider) => provider.list().catch(() => [])))
    return lists.flat()
  }

  async signIn(slotId: string, pinText: string): Promise<SessionStatus> {
    if (this.#signingIn) throw new RpcFailure('CONFLICT', 'SIGN_IN_IN_PROGRESS')
    this.#signingIn = true
    const pin = new TextEncoder().encode(pinText)
    let card: CardSession | null = null
    let login: CentralLogin | null = null
    try {
      const provider = await this.#providerOf(slotId)
      card = await provider.login(slotId, pin)
      login = await this.deps.loginAtCentral(card, () => void this.#expired())
      await this.#open(login, card)
      return this.status()
    } catch (error) {
      login?.close()
      await card?.close().catch(() => undefined)
      throw toRpcFailure(error)
    } finally {
      pin.fill(0)
      this.#signingIn = false
    }
  }

  /**
   * Shared workstation: a new sign-in closes the previous user's session first; the same user signing in again on
   * a locked session gets a fresh session (new token, new workspace, same cache).
   */
  async #open(login: CentralLogin, card: CardSession | null): Promise<void> {
    const previous = this.#active
    if (previous) await this.#close(previous.lockReason && previous.user.idNat === login.user.idNat ? 'unlocked' : 'replaced', false)
    const workspace = await this.deps.startWorkspace(login.user, login)
    const active: Active = { user: login.user, card, login, workspace, lockReason: null, cardIn: card !== null, lastActivity: this.#now() }
    this.#active = active
    this.#startWatching(active)
    this.deps.log.info('session.signed-in', { role: login.user.role, method: card ? 'card' : 'ecps' })
    this.#announce()
  }

  async signOut(): Promise<SessionStatus> {
    await this.#close('sign-out')
    return this.status()
  }

  async #providerOf(slotId: string): Promise<CardProvider> {
    for (const provider of this.deps.providers()) {
      const cards = await provider.list().catch(() => [])
      if (cards.some((card) => card.slotId === slotId)) return provider
    }
    throw new CardError('CARD_ABSENT')
  }

  async #expired(): Promise<void> {
    this.deps.log.warn('session.expired', {})
    await this.#close('expired')
  }

  async #close(reason: string, announce = true): Promise<void> {
    const active = this.#active
    if (!active) return
    this.#active = null
    this.#stopWatching()
    // Announced first: the screens of a shared workstation clear at once, whatever the closing takes.
    if (announce) this.#announce()
    await active.workspace.close().catch(() => undefined)
    active.login.close()
    await active.card?.close().catch(() => undefined)
    this.deps.log.info('session.closed', { reason })
  }

  #announce(): void {
    this.deps.events.emit('session.changed', this.status())
  }
}

/** Card and login failures keep a machine-readable reason in the message (`PIN_INCORRECT:2`) for the renderer. */
function toRpcFailure(error: unknown): RpcFailure {
  if (error instanceof RpcFailure) return error
  if (error instanceof CardError) {
    const reason = error.code === 'PIN_INCORRECT' ? `PIN_INCORRECT:${error.triesLeft ?? ''}` : error.code
    return new RpcFailure(error.code === 'CARD_REFUSED' ? 'FORBIDDEN' : 'UNAUTHENTICATED', reason)
  }
  if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    const code = (error as { code: string }).code
    if (['OFFLINE', 'UNAUTHENTICATED', 'FORBIDDEN', 'INVALID'].includes(code)) {
      return new RpcFailure(code as 'OFFLINE', `CENTRAL_${code}`)
    }
  }
  return new RpcFailure('INTERNAL', 'SIGN_IN_FAILED')
}
