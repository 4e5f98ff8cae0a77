/**
 * The card interface: virtual training cards implement it now, the PKCS#11 provider (CPS/CPE through
 * Cryptolib) implements it later, so nothing above this file knows which one it talks to.
 */

/** Remaining PIN tries as the token flags expose them (CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED). */
export type PinState = 'ok' | 'countLow' | 'finalTry' | 'locked'

export type CardAlgorithm = 'RS256' | 'PS256'

export interface CardSummary {
  slotId: string
  kind: 'virtual' | 'pkcs11'
  label: string
  /** Display name readable without the PIN, as CPS_NAME_PS is on a real card. */
  holder: string | null
  pinState: PinState
}

export interface CardSession {
  readonly slotId: string
  /** DER certificates, the authentication certificate first, then its issuers. */
  certificateChain(): Promise<Uint8Array[]>
  /** Signs with the AUTHENTICATION key (the one the central login uses). */
  sign(data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array>
  /** The signature (non-repudiation) certificate chain, for cards that carry one. */
  signatureCertificateChain?(): Promise<Uint8Array[]>
  /** Signs with the SIGNATURE key; for documents, never for login. */
  signWithSignatureKey?(data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array>
  /** False once the card has left its reader; cheap enough to call twice a second. */
  present(): Promise<boolean>
  close(): Promise<void>
}

export interface CardProvider {
  readonly kind: 'virtual' | 'pkcs11'
  list(): Promise<CardSummary[]>
  /** The PIN buffer is zeroed before this returns or throws, whatever the outcome. */
  login(slotId: string, pin: Uint8Array): Promise<CardSession>
}

export type CardErrorCode = 'PIN_INCORRECT' | 'PIN_LOCKED' | 'CARD_ABSENT' | 'CARD_REFUSED'

/** A card's default try count, as CPS cards have it (DOMAIN.md §1.1 leaves the real count unconfirmed). */
export const PIN_TRIES = 3

export function pinStateFromTriesLeft(triesLeft: number): PinState {
  if (triesLeft <= 0) return 'locked'
  if (triesLeft === 1) return 'finalTry'
  if (triesLeft < PIN_TRIES) return 'countLow'
  return 'ok'
}

/** Messages read by the card holder (through the CLI or as the renderer's fallback): French. */
function frenchMessage(code: CardErrorCode, triesLeft?: number): string {
  switch (code) {
    case 'PIN_INCORRECT':
      if (triesLeft === undefined) return 'Code porteur incorrect'
      return triesLeft === 1
        ? 'Code porteur incorrect — il reste 1 essai avant le blocage de la carte'
        : `Code porteur incorrect — il reste ${triesLeft} essais`
    case 'PIN_LOCKED':
      return (
        'Carte bloquée : le code porteur a été saisi trop de fois. Débloquez-la avec le code de déblocage (PUK) ' +
        'dans l’outil de gestion de la carte, ou adressez-vous à votre service informatique.'
      )
    case 'CARD_ABSENT':
      return 'Carte retirée : insérez votre carte et saisissez de nouveau votre code porteur.'
    case 'CARD_REFUSED':
      return 'Carte refusée.'
  }
}

export class CardError extends Error {
  readonly code: CardErrorCode
  readonly triesLeft?: number

  constructor(code: CardErrorCode, options: { triesLeft?: number; message?: string; cause?: unknown } = {}) {
    super(options.message ?? frenchMessage(code, options.triesLeft), { cause: options.cause })
    this.name = 'CardError'
    this.code = code
    if (options.triesLeft !== undefined) this.triesLeft = options.triesLeft
  }
}
