import { CardError, type CardAlgorithm, type CardSession } from '../card'
import { ckrName, type Handle, type LoadedModule } from './library'
import { trimmed } from './token'

/**
 * A signed-in card: one PKCS#11 session, logged in, with the handles of its keys. Every call is synchronous
 * on the card (pkcs11js), and short: a signature is one C_Sign.
 */

/** The codes that mean the session, or the card behind it, is gone (DOMAIN.md §1.1). */
const SESSION_LOST = new Set([
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_DEVICE_REMOVED',
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_SLOT_ID_INVALID',
  'CKR_TOKEN_NOT_RECOGNIZED',
  // The key handles of another card (swapped in the same reader) or a login lost to another login.
  'CKR_KEY_HANDLE_INVALID',
  'CKR_OBJECT_HANDLE_INVALID',
  'CKR_USER_NOT_LOGGED_IN',
])

export function sessionLost(error: unknown): boolean {
  const name = ckrName(error)
  return name !== null && SESSION_LOST.has(name)
}

export interface SignKey {
  handle: Handle
  chain: Uint8Array[]
}

export interface Pkcs11SessionParts {
  module: LoadedModule
  slot: Handle
  slotId: string
  session: Handle
  /** The token serial at login: another card in the same reader is another card, even with the same label. */
  serialNumber: string
  authentication: SignKey
  signature: SignKey | null
  /** Called once when the session closes, so the provider knows who else is logged in on the slot. */
  onClose(): boolean
}

// Large enough for an RSA-8192 signature; pkcs11js returns the used part.
const SIGNATURE_BUFFER = 1024
const SALT_LENGTH = 32

export class Pkcs11CardSession implements CardSession {
  readonly slotId: string
  #parts: Pkcs11SessionParts
  #open = true
  #gone = false

  constructor(parts: Pkcs11SessionParts) {
    this.#parts = parts
    this.slotId = parts.slotId
  }

  async certificateChain(): Promise<Uint8Array[]> {
    this.#usable()
    return this.#parts.authentication.chain.map((der) => new Uint8Array(der))
  }

  async sign(data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array> {
    return this.#sign(this.#parts.authentication.handle, data, algorithm)
  }

  async signatureCertificateChain(): Promise<Uint8Array[]> {
    this.#usable()
    const signature = this.#parts.signature
    if (!signature) throw new CardError('CARD_REFUSED', { message: 'Cette carte ne porte pas de certificat de signature.' })
    return signature.chain.map((der) => new Uint8Array(der))
  }

  async signWithSignatureKey(data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array> {
    const signature = this.#parts.signature
    if (!signature) throw new CardError('CARD_REFUSED', { message: 'Cette carte ne porte pas de clé de signature.' })
    return this.#sign(signature.handle, data, algorithm)
  }

  /** Token info and session info both readable, same card serial. Any failure counts as gone: locking is the safe side. */
  async present(): Promise<boolean> {
    if (!this.#open || this.#gone) return false
    const { module, slot, session, serialNumber } = this.#parts
    try {
      const info = module.pkcs11.C_GetTokenInfo(slot)
      module.pkcs11.C_GetSessionInfo(session)
      if (trimmed(info.serialNumber) !== serialNumber || !(info.flags & module.api.CKF_TOKEN_INITIALIZED)) this.#gone = true
    } catch {
      // SoftHSM2 and Cryptolib before 5.1.2 answer CKR_GENERAL_ERROR for a card that left (DOMAIN.md §1.1).
      this.#gone = true
    }
    return !this.#gone
  }

  async close(): Promise<void> {
    if (!this.#open) return
    this.#open = false
    const { module, session } = this.#parts
    // The login belongs to the token, not the session: only the last session of this workstation logs out.
    const last = this.#parts.onClose()
    try {
      if (last && !this.#gone) module.pkcs11.C_Logout(session)
    } catch {
      // Already logged out, or the card is gone: closing still has to happen.
    }
    try {
      module.pkcs11.C_CloseSession(session)
    } catch {
      // Same: nothing left to close.
    }
  }

  #usable(): void {
    if (!this.#open || this.#gone) throw new CardError('CARD_ABSENT')
  }

  async #sign(key: Handle, data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array> {
    this.#usable()
    const { api, pkcs11 } = this.#parts.module
    const mechanism =
      algorithm === 'PS256'
        ? {
            mechanism: api.CKM_SHA256_RSA_PKCS_PSS,
            parameter: { type: api.CK_PARAMS_RSA_PSS, hashAlg: api.CKM_SHA256, mgf: api.CKG_MGF1_SHA256, saltLen: SALT_LENGTH },
          }
        : algorithm === 'RS256'
          ? { mechanism: api.CKM_SHA256_RSA_PKCS }
          : null
    if (!mechanism) throw new TypeError(`unsupported card algorithm ${String(algorithm)}`)
    try {
      pkcs11.C_SignInit(this.#parts.session, mechanism, key)
      const signature = pkcs11.C_Sign(this.#parts.session, Buffer.from(data), Buffer.alloc(SIGNATURE_BUFFER))
      return new Uint8Array(signature)
    } catch (error) {
      if (sessionLost(error)) {
        this.#gone = true
        throw new CardError('CARD_ABSENT', { cause: error })
      }
      throw new Error(`the card refused to sign: ${ckrName(error) ?? (error as Error).message}`, { cause: error })
    }
  }
}
