import type { CardSummary, SessionStatus, SessionUser } from '../contract'
import type { EventBus } from '../events'
import type { Logger } from '../log'
import { RpcFailure } from '../rpc/failure'
import { CardError, type CardProvider, type CardSession } from './card'

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
  events: EventBus
  log: Logger
}

interface Active {
  user: SessionUser
  card: CardSession
  login: CentralLogin
  workspace: Workspace
}

/**
 * The workstation's one session (DESIGN.md §6): signed out, or active for the holder of the card that signed in.
 * The PIN is turned into bytes once, handed to the card and zeroed; it is never stored nor logged.
 */
export class SessionService {
  #active: Active | null = null
  #signingIn = false

  constructor(private readonly deps: SessionServiceDeps) {}

  status(): SessionStatus {
    return this.#active ? { state: 'active', user: this.#active.user } : { state: 'signed-out', user: null }
  }

  get state(): SessionStatus['state'] {
    return this.#active ? 'active' : 'signed-out'
  }

  get user(): SessionUser | null {
    return this.#active?.user ?? null
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
      // Shared workstation: a new card signing in closes the previous user's session first.
      if (this.#active) await this.#close('replaced')
      const workspace = await this.deps.startWorkspace(login.user, login)
      this.#active = { user: login.user, card, login, workspace }
      this.deps.log.info('session.signed-in', { role: login.user.role })
      this.#announce()
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

  async #close(reason: string): Promise<void> {
    const active = this.#active
    if (!active) return
    this.#active = null
    // Announced first: the screens of a shared workstation clear at once, whatever the closing takes.
    this.#announce()
    await active.workspace.close().catch(() => undefined)
    active.login.close()
    await active.card.close().catch(() => undefined)
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
