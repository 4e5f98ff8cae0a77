import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SessionService, type CentralLogin } from '../../src-main/auth/session'
import type { CardSession } from '../../src-main/auth/card'
import type { SessionStatus, SessionUser } from '../../src-main/contract'
import { createDispatcher } from '../../src-main/rpc/dispatcher'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { createVirtualCardProvider, generateTrainingPki, type TrainingPki, type VirtualCardProvider } from '../../src-main/training/pki'
import { unusedHandlers } from '../fixtures/handlers'
import { doctor, secretary } from '../fixtures/training-staff'

/**
 * The session's locks on real virtual cards (the same CardProvider interface as PKCS#11): card removal,
 * inactivity, the user's own lock; unlocking with the PIN; another card taking the workstation over.
 * The central login and the workspace are faked at their boundary: what is observed is the session's state,
 * its events, what it closes, and what the dispatcher answers.
 */

let pki: TrainingPki
const services: SessionService[] = []

beforeAll(async () => {
  pki = await generateTrainingPki([doctor, secretary])
})

afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
})

function userOf(card: CardSession): SessionUser {
  const member = card.slotId.includes(secretary.key) ? secretary : doctor
  return {
    idNat: member.idNat,
    practitionerId: `pra-${member.key}`,
    displayName: `${member.givenName} ${member.familyName}`,
    role: member === doctor ? 'medecin' : 'secretaire',
    units: [{ id: 'loc-cardio', name: 'Cardiologie' }],
  }
}

function setUp(options: { inactivityMs?: number } = {}) {
  const provider: VirtualCardProvider = createVirtualCardProvider({ pki: { ...pki, cards: pki.cards.map((card) => ({ ...card })) }, allowed: true })
  const events = new EventBus()
  const seen: SessionStatus[] = []
  const cardLists: string[][] = []
  events.onAny((name, payload) => {
    if (name === 'session.changed') seen.push(payload as SessionStatus)
    if (name === 'cards.changed') cardLists.push((payload as { cards: { slotId: string; pinState: string }[] }).cards.map((c) => `${c.slotId}:${c.pinState}`))
  })
  const workspaces: { user: string; closed: boolean }[] = []
  const log = createMemoryLogger()
  const session = new SessionService({
    providers: () => [provider],
    loginAtCentral: async (card): Promise<CentralLogin> => {
      // What the central login does first: the card signs (a removed card cannot).
      await card.sign(new Uint8Array([1, 2, 3]), 'RS256')
      return { user: userOf(card), token: async () => 'token', close: () => undefined }
    },
    startWorkspace: async (user) => {
      const workspace = { user: user.idNat, closed: false }
      workspaces.push(workspace)
      return { close: async () => void (workspace.closed = true) }
    },
    events,
    log,
    inactivityMs: options.inactivityMs ?? 60_000,
    presencePollMs: 100,
    cardsPollMs: 50,
  })
  services.push(session)
  const dispatch = createDispatcher({
    log,
    sessionState: () => session.state,
    handlers: { ...unusedHandlers(), 'census.list': () => ({ units: [], entries: [], dataAsOf: null }) },
  })
  const slot = (member: typeof doctor) => pki.cards.find((card) => card.slotId.includes(member.key))!.slotId
  return { provider, session, seen, cardLists, workspaces, log, dispatch, slot }
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('session lock', () => {
  it('locks within 2 s of the card leaving its reader, and data calls then answer LOCKED', async () => {
    const { provider, session, seen, dispatch, slot, workspaces } = setUp()
    await session.signIn(slot(doctor), doctor.pin)
    expect((await dispatch({ method: 'census.list', params: {} }, { origin: 'test' })).ok).toBe(true)

    provider.removeCard(slot(doctor))
    await until(() => session.state === 'locked', 2_000)
    expect(session.status()).toMatchObject({ state: 'locked', lockReason: 'card-removed', user: { idNat: doctor.idNat } })
    expect(seen.at(-1)).toMatchObject({ state: 'locked', lockReason: 'card-removed' })
    expect(await dispatch({ method: 'census.list', params: {} }, { origin: 'test' })).toMatchObject({ ok: false, error: { code: 'LOCKED' } })
    // Locked is not signed out: the workspace (and the writes it still has to send) keeps running.
    expect(workspaces.map((w) => w.closed)).toEqual([false])
  })

  it('unlocks with the PIN once the card is back; a wrong PIN leaves it locked', async () => {
    const { provider, session, workspaces, slot } = setUp()
    await session.signIn(slot(doctor), doctor.pin)
    provider.removeCard(slot(doctor))
    await until(() => session.state === 'locked', 2_000)

    await expect(session.signIn(slot(doctor), doctor.pin)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'CARD_ABSENT' })
    provider.insertCard(slot(doctor))
    await expect(session.signIn(slot(doctor), '0000')).rejects.toMatchObject({ message: 'PIN_INCORRECT:2' })
    expect(session.state).toBe('locked')

    const status = await session.signIn(slot(doctor), doctor.pin)
    expect(status).toMatchObject({ state: 'active', lockReason: null, user: { idNat: doctor.idNat } })
    // A fresh workspace for the same user; the locked one is closed.
    expect(workspaces.map((w) => [w.user, w.closed])).toEqual([
      [doctor.idNat, true],
      [doctor.idNat, false],
    ])
    // The new session watches the card again.
    provider.removeCard(slot(doctor))
    await until(() => session.state === 'locked', 2_000)
  })

  it('lets another card take over a locked workstation, closing the previous session', async () => {
    const { provider, session, workspaces, seen, slot } = setUp()
    await session.signIn(slot(doctor), doctor.pin)
    provider.removeCard(slot(doctor))
    await until(() => session.state === 'locked', 2_000)

    const status = await session.signIn(slot(secretary), secretary.pin)
    expect(status).toMatchObject({ state: 'active', user: { idNat: secretary.idNat } })
    expect(workspaces.map((w) => [w.user, w.closed])).toEqual([
      [doctor.idNat, true],
      [secretary.idNat, false],
    ])
    // Never a moment where the page is told "signed out" with the previous user's data to clear twice.
    expect(seen.map((s) => s.state)).toEqual(['active', 'locked', 'active'])
  })

  it('locks after the configured inactivity, unless the user keeps working', async () => {
    const { session, slot } = setUp({ inactivityMs: 400 })
    await session.signIn(slot(doctor), doctor.pin)
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(session.noteActivity()).toBe(true)
    }
    expect(session.state).toBe('active')
    await until(() => session.state === 'locked', 2_000)
    expect(session.status().lockReason).toBe('inactivity')
    // Activity does not unlock.
    expect(session.noteActivity()).toBe(false)
    expect(session.state).toBe('locked')
  })

  it('locks on request, signs out from a lock, and does nothing when nobody is signed in', async () => {
    const { session, workspaces, slot } = setUp()
    expect(session.lock('manual')).toMatchObject({ state: 'signed-out' })
    await session.signIn(slot(doctor), doctor.pin)
    expect(session.lock('manual')).toMatchObject({ state: 'locked', lockReason: 'manual' })
    // A second lock keeps the first reason.
    expect(session.lock('inactivity')).toMatchObject({ lockReason: 'manual' })
    expect(await session.signOut()).toMatchObject({ state: 'signed-out', user: null })
    expect(workspaces.map((w) => w.closed)).toEqual([true])
  })

  it('announces cards inserted, removed, or whose PIN state changed (cards.changed), once per change', async () => {
    const { provider, session, cardLists, slot } = setUp()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(cardLists).toEqual([])
    provider.removeCard(slot(secretary))
    await until(() => cardLists.length === 1, 2_000)
    expect(cardLists[0]).toEqual([`${slot(doctor)}:ok`])
    await expect(session.signIn(slot(doctor), '0000')).rejects.toMatchObject({ message: 'PIN_INCORRECT:2' })
    await until(() => cardLists.length === 2, 2_000)
    expect(cardLists[1]).toEqual([`${slot(doctor)}:countLow`])
    provider.insertCard(slot(secretary))
    await until(() => cardLists.length === 3, 2_000)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(cardLists).toHaveLength(3)
  })
})
