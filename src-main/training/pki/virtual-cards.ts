import { constants, createPrivateKey, sign as signWithKey, type KeyObject } from 'node:crypto'
import {
  CardError,
  PIN_TRIES,
  pinStateFromTriesLeft,
  type CardAlgorithm,
  type CardProvider,
  type CardSession,
  type CardSummary,
} from '../../auth/card'
import { pinMatches } from './pin'
import type { TrainingPki, VirtualCardRecord } from './pki'
import { saveVirtualCard } from './store'

/**
 * Software cards for the training environment, behind the same CardProvider as PKCS#11 cards. They behave
 * like a CPS where the workstation can see it: a try counter that blocks at zero, sessions lost on removal.
 */
export interface VirtualCardProvider extends CardProvider {
  readonly kind: 'virtual'
  /** Simulates pulling the card out: open sessions die, as PKCS#11 sessions do (CKR_DEVICE_REMOVED). */
  removeCard(slotId: string): void
  insertCard(slotId: string): void
}

export interface VirtualCardProviderOptions {
  pki: TrainingPki
  /** False when a real central is configured: training cards must never authenticate anyone there. */
  allowed: boolean
}

const REFUSED_MESSAGE =
  'Carte virtuelle refusée : les cartes de formation ne fonctionnent que dans l’environnement de formation, ' +
  'et ce poste est relié à un DPI central réel. Utilisez votre carte CPS ou votre e-CPS.'

interface Slot {
  record: VirtualCardRecord
  present: boolean
  /** Bumped on every removal: a session opened before it is dead even if the card comes back. */
  insertion: number
  /** PIN checks run one at a time, so parallel attempts cannot overrun the try counter. */
  queue: Promise<unknown>
  authenticationKey?: KeyObject
  signatureKey?: KeyObject
}

function signRsa(key: KeyObject, data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array> {
  if (algorithm !== 'RS256' && algorithm !== 'PS256') throw new TypeError(`unsupported card algorithm ${String(algorithm)}`)
  const options =
    algorithm === 'PS256'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : { key, padding: constants.RSA_PKCS1_PADDING }
  return new Promise((resolve, reject) => {
    signWithKey('sha256', data, options, (error, signature) =>
      error ? reject(error) : resolve(new Uint8Array(signature)),
    )
  })
}

function privateKey(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
}

export function createVirtualCardProvider(options: VirtualCardProviderOptions): VirtualCardProvider {
  const { pki, allowed } = options
  const slots = new Map<string, Slot>(
    pki.cards.map((record) => [record.slotId, { record, present: true, insertion: 0, queue: Promise.resolve() }]),
  )

  function presentSlot(slotId: string): Slot {
    const slot = slots.get(slotId)
    if (!slot || !slot.present) throw new CardError('CARD_ABSENT')
    return slot
  }

  async function setTriesLeft(slot: Slot, triesLeft: number): Promise<void> {
    slot.record.pinTriesLeft = triesLeft
    if (pki.dir) await saveVirtualCard(pki.dir, slot.record)
  }

  async function checkPin(slot: Slot, pin: Uint8Array): Promise<void> {
    if (slot.record.pinTriesLeft <= 0) throw new CardError('PIN_LOCKED')
    if (await pinMatches(slot.record.pin, pin)) {
      if (slot.record.pinTriesLeft !== PIN_TRIES) await setTriesLeft(slot, PIN_TRIES)
      return
    }
    const triesLeft = slot.record.pinTriesLeft - 1
    await setTriesLeft(slot, triesLeft)
    throw triesLeft === 0 ? new CardError('PIN_LOCKED', { triesLeft: 0 }) : new CardError('PIN_INCORRECT', { triesLeft })
  }

  function openSession(slot: Slot): CardSession {
    const insertion = slot.insertion
    let open = true
    const usable = () => {
      if (!open || !slot.present || slot.insertion !== insertion) throw new CardError('CARD_ABSENT')
    }
    const copy = (chain: Uint8Array[]) => chain.map((der) => new Uint8Array(der))
    return {
      slotId: slot.record.slotId,
      async certificateChain() {
        usable()
        return copy(slot.record.authentication.chain)
      },
      async sign(data, algorithm) {
        usable()
        slot.authenticationKey ??= privateKey(slot.record.authentication.privateKey)
        return signRsa(slot.authenticationKey, data, algorithm)
      },
      async signatureCertificateChain() {
        usable()
        return copy(slot.record.signature.chain)
      },
      async signWithSignatureKey(data, algorithm) {
        usable()
        slot.signatureKey ??= privateKey(slot.record.signature.privateKey)
        return signRsa(slot.signatureKey, data, algorithm)
      },
      async present() {
        return slot.present && slot.insertion === insertion
      },
      async close() {
        open = false
      },
    }
  }

  return {
    kind: 'virtual',

    async list(): Promise<CardSummary[]> {
      if (!allowed) return []
      return [...slots.values()]
        .filter((slot) => slot.present)
        .map(({ record }) => ({
          slotId: record.slotId,
          kind: 'virtual',
          label: record.label,
          holder: record.holder,
          pinState: pinStateFromTriesLeft(record.pinTriesLeft),
        }))
    },

    async login(slotId, pin) {
      try {
        if (!allowed) throw new CardError('CARD_REFUSED', { message: REFUSED_MESSAGE })
        const slot = presentSlot(slotId)
        const attempt = slot.queue.then(() => checkPin(presentSlot(slotId), pin))
        slot.queue = attempt.catch(() => undefined)
        await attempt
        return openSession(slot)
      } finally {
        pin.fill(0)
      }
    },

    removeCard(slotId) {
      const slot = slots.get(slotId)
      if (!slot) throw new Error(`no virtual card in slot ${slotId}`)
      slot.present = false
      slot.insertion += 1
    },

    insertCard(slotId) {
      const slot = slots.get(slotId)
      if (!slot) throw new Error(`no virtual card in slot ${slotId}`)
      slot.present = true
    },
  }
}

export function isVirtualCardProvider(provider: CardProvider): provider is VirtualCardProvider {
  return provider.kind === 'virtual' && typeof (provider as Partial<VirtualCardProvider>).removeCard === 'function'
}
