import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CardSummary, ErrorCode, SessionStatus } from '../../src-main/contract'
import { RpcError, call, subscribe } from '../rpc'

/**
 * Why a card sign-in failed, as the page explains it. Main puts a machine-readable reason at the start of the
 * error message (`PIN_INCORRECT:2`, `PIN_LOCKED`, `CARD_ABSENT`, `CARD_REFUSED`, `CENTRAL_OFFLINE`…).
 */
export type SignInFailure =
  | { kind: 'pinIncorrect'; triesLeft: number | null }
  | { kind: 'pinLocked' }
  | { kind: 'cardAbsent' }
  | { kind: 'cardRefused' }
  | { kind: 'centralOffline' }
  | { kind: 'busy' }
  | { kind: 'code'; code: ErrorCode }

export function signInFailure(error: unknown): SignInFailure {
  if (!(error instanceof RpcError)) return { kind: 'code', code: 'INTERNAL' }
  const [reason, detail] = error.message.split(':', 2)
  switch (reason) {
    case 'PIN_INCORRECT': {
      const tries = detail === undefined || detail === '' ? NaN : Number(detail)
      return { kind: 'pinIncorrect', triesLeft: Number.isInteger(tries) && tries >= 0 ? tries : null }
    }
    case 'PIN_LOCKED':
      return { kind: 'pinLocked' }
    case 'CARD_ABSENT':
      return { kind: 'cardAbsent' }
    case 'CARD_REFUSED':
      return { kind: 'cardRefused' }
    case 'SIGN_IN_IN_PROGRESS':
      return { kind: 'busy' }
    case 'CENTRAL_OFFLINE':
      return { kind: 'centralOffline' }
  }
  return error.code === 'OFFLINE' && reason?.startsWith('CENTRAL') ? { kind: 'centralOffline' } : { kind: 'code', code: error.code }
}

const ACTIVITY_REPORT_MS = 30_000

/** Who is signed in, as main knows it; main pushes every change ('session.changed'). */
export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>({ state: 'signed-out', user: null, slotId: null, lockReason: null })
  const error = ref<ErrorCode | null>(null)
  /** Cards seen in the readers (virtual cards in training), as of the last poll. */
  const cards = ref<CardSummary[]>([])
  const cardsError = ref<ErrorCode | null>(null)
  /** Tries left per slot as the last wrong PIN told us: the card's flags alone only say "low". */
  const knownTriesLeft = ref<Record<string, number>>({})
  const signingIn = ref(false)

  const user = computed(() => status.value.user)
  const active = computed(() => status.value.state === 'active')
  const locked = computed(() => status.value.state === 'locked')
  const canLock = computed(() => status.value.state === 'active')

  async function refresh(): Promise<void> {
    try {
      status.value = await call('session.status', {})
      error.value = null
    } catch (failure) {
      error.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  let first: Promise<void> | null = null
  /** Resolves once main's answer about the session is known (or known to be unavailable): the router waits on it. */
  function ensureLoaded(): Promise<void> {
    first ??= refresh()
    return first
  }

  async function loadCards(): Promise<void> {
    try {
      const result = await call('auth.cards', {})
      cards.value = result.cards
      cardsError.value = null
      // A card that is back to a full counter (PIN entered right elsewhere, card replaced) forgets its count.
      for (const card of result.cards) if (card.pinState === 'ok') delete knownTriesLeft.value[card.slotId]
    } catch (failure) {
      cardsError.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  /** Hands the PIN to main once; resolves with null on success, or with why it failed. */
  async function signIn(slotId: string, pin: string): Promise<SignInFailure | null> {
    signingIn.value = true
    try {
      status.value = await call('auth.signIn', { slotId, pin })
      delete knownTriesLeft.value[slotId]
      return null
    } catch (failure) {
      const why = signInFailure(failure)
      if (why.kind === 'pinIncorrect' && why.triesLeft !== null) knownTriesLeft.value[slotId] = why.triesLeft
      return why
    } finally {
      signingIn.value = false
    }
  }

  async function signOut(): Promise<ErrorCode | null> {
    try {
      status.value = await call('auth.signOut', {})
      return null
    } catch (failure) {
      return failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  /** The user steps away: main locks the session and every screen drops its patient data. */
  async function lock(): Promise<ErrorCode | null> {
    try {
      status.value = await call('session.lock', {})
      return null
    } catch (failure) {
      return failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  /** Training environment: pulls the user's virtual card out of its reader, or puts it back. */
  async function setVirtualCard(slotId: string, inserted: boolean): Promise<ErrorCode | null> {
    try {
      cards.value = (await call('training.card', { slotId, inserted })).cards
      return null
    } catch (failure) {
      return failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  let lastActivity = 0
  /** Keyboard and pointer use postpone the inactivity lock; told to main at most every 30 s. */
  function noteActivity(): void {
    const now = Date.now()
    if (!active.value || now - lastActivity < ACTIVITY_REPORT_MS) return
    lastActivity = now
    void call('session.activity', {}).catch(() => undefined)
  }

  function start(): void {
    subscribe('session.changed', (next) => {
      status.value = next
    })
    subscribe('cards.changed', ({ cards: next }) => {
      cards.value = next
      cardsError.value = null
      for (const card of next) if (card.pinState === 'ok') delete knownTriesLeft.value[card.slotId]
    })
  }

  return {
    status,
    error,
    cards,
    cardsError,
    knownTriesLeft,
    signingIn,
    user,
    active,
    locked,
    canLock,
    refresh,
    ensureLoaded,
    loadCards,
    signIn,
    signOut,
    lock,
    setVirtualCard,
    noteActivity,
    start,
  }
})
