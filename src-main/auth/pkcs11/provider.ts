import type { TokenInfo } from 'pkcs11js'
import type { Logger } from '../../log'
import { CardError, type CardProvider, type CardSummary, type PinState } from '../card'
import { buildPath, describeCertificate, holderName, validateCertificate, type CpsCertificateInfo } from '../cps-certificate'
import type { X509 } from '../x509'
import { ckrName, ModuleUnavailable, openModule, type Handle, type LoadedModule } from './library'
import { Pkcs11CardSession, sessionLost, type SignKey } from './session'
import {
  caCertificates,
  chooseAuthentication,
  chooseSignature,
  findPrivateKey,
  findSlot,
  pinStateOf,
  readCertificates,
  slotIdOf,
  SLOT_FLAGS,
  tokenKey,
  triesLeftOf,
  trimmed,
  type CardCertificate,
} from './token'

/**
 * CPS/CPE cards through a PKCS#11 module (Cryptolib CPS in production, SoftHSM2 in tests). The module is loaded
 * at the first call, not at construction: a workstation without it starts, lists no card and logs why.
 */

export interface Pkcs11CardProviderOptions {
  /** Candidate module paths, first usable wins (config `pkcs11Modules`, by default the Cryptolib locations). */
  modules: readonly string[]
  /** The anchors an authentication certificate must chain to; called at every login. */
  trustAnchors: () => Promise<X509.X509Certificate[]>
  log: Logger
  now?: () => Date
  /** After a failed load, how long list() answers empty before trying the module again. */
  retryAfterMs?: number
}

export interface TokenReport {
  label: string
  serialNumber: string
  manufacturer: string
  model: string
  initialized: boolean
  pinState: PinState
  triesLeft: number | null
  /** Read from the authentication certificate, without the PIN. */
  holder: string | null
  idNat: string | null
  kind: CpsCertificateInfo['kind'] | null
}

/** One reader as `chevet card list` shows it: every slot, cards or not. */
export interface SlotReport {
  slotId: string
  description: string
  manufacturer: string
  removable: boolean
  tokenPresent: boolean
  token: TokenReport | null
  /** The CKR code when a token is present but cannot be read. */
  error: string | null
}

export interface Pkcs11Status {
  module: string | null
  description: string | null
  /** Why no module is in use (French); null once one is. */
  reason: string | null
}

export interface Pkcs11CardProvider extends CardProvider {
  readonly kind: 'pkcs11'
  status(): Pkcs11Status
  slots(): Promise<SlotReport[]>
  /** Closes open card sessions and finalizes the module. */
  dispose(): Promise<void>
}

interface Holder {
  holder: string | null
  idNat: string | null
  kind: CpsCertificateInfo['kind'] | null
}

const MAX_CACHED_HOLDERS = 64
const CARD_REFUSED_PREFIX = 'Carte refusée : '

function refused(reason: string): CardError {
  return new CardError('CARD_REFUSED', { message: `${CARD_REFUSED_PREFIX}${reason}.` })
}

/** x5c: the leaf and its intermediates; the root stays with the verifier. */
function presented(chain: readonly X509.X509Certificate[]): Uint8Array[] {
  return chain.filter((certificate, index) => index === 0 || certificate.subject !== certificate.issuer).map((c) => new Uint8Array(c.rawData))
}

export function createPkcs11CardProvider(options: Pkcs11CardProviderOptions): Pkcs11CardProvider {
  const { log } = options
  const now = options.now ?? (() => new Date())
  const retryAfterMs = options.retryAfterMs ?? 30_000
  let module: LoadedModule | null = null
  let reason: string | null = null
  let failedAt = -Infinity
  let disposed = false
  const holders = new Map<string, Holder>()
  const openSessions = new Map<string, Set<Pkcs11CardSession>>()
  let queue: Promise<unknown> = Promise.resolve()

  function loaded(): LoadedModule | null {
    if (module || disposed) return module
    if (Date.now() - failedAt < retryAfterMs) return null
    try {
      module = openModule(options.modules)
      reason = null
      log.info('pkcs11.module.loaded', { module: module.path })
    } catch (error) {
      const next = error instanceof ModuleUnavailable ? error.reason : `pkcs11 : ${(error as Error).message}`
      if (next !== reason) log.warn('pkcs11.unavailable', { reason: next })
      reason = next
      failedAt = Date.now()
    }
    return module
  }

  function tokenInfo(m: LoadedModule, slot: Handle): TokenInfo | null {
    try {
      return m.pkcs11.C_GetTokenInfo(slot)
    } catch {
      // Leaving, or unreadable: either way not a card to offer.
      return null
    }
  }

  /** The holder as the public authentication certificate names them; cached per card (list() runs often). */
  function holderOf(m: LoadedModule, slot: Handle, info: TokenInfo): Holder {
    const key = tokenKey(slotIdOf(slot), info)
    const cached = holders.get(key)
    if (cached) return cached
    let holder: Holder = { holder: null, idNat: null, kind: null }
    let session: Handle | null = null
    try {
      session = m.pkcs11.C_OpenSession(slot, m.api.CKF_SERIAL_SESSION)
      const authentication = chooseAuthentication(readCertificates(m.api, m.pkcs11, session))
      if (authentication) {
        const described = describeCertificate(authentication.certificate)
        holder = { holder: holderName(authentication.certificate), idNat: described.idNat, kind: described.kind }
      }
    } catch (error) {
      log.warn('pkcs11.certificates.unreadable', { ckr: ckrName(error) })
      return holder
    } finally {
      if (session) {
        try {
          m.pkcs11.C_CloseSession(session)
        } catch {
          // The card left while being read.
        }
      }
    }
    if (holders.size >= MAX_CACHED_HOLDERS) holders.clear()
    holders.set(key, holder)
    return holder
  }

  function loginUser(m: LoadedModule, slot: Handle, session: Handle, pin: string, retried = false): void {
    try {
      m.pkcs11.C_Login(session, m.api.CKU_USER, pin)
    } catch (error) {
      const name = ckrName(error)
      // The token is logged in already (an earlier session of this workstation): the PIN must still be checked.
      if (name === 'CKR_USER_ALREADY_LOGGED_IN' && !retried) {
        m.pkcs11.C_Logout(session)
        return loginUser(m, slot, session, pin, true)
      }
      if (name === 'CKR_PIN_INCORRECT' || name === 'CKR_PIN_INVALID' || name === 'CKR_PIN_LEN_RANGE') {
        const info = tokenInfo(m, slot)
        const flags = info?.flags ?? 0
        if (pinStateOf(m.api, flags) === 'locked') throw new CardError('PIN_LOCKED', { triesLeft: 0 })
        const triesLeft = triesLeftOf(m.api, flags)
        throw new CardError('PIN_INCORRECT', triesLeft === null ? {} : { triesLeft })
      }
      if (name === 'CKR_PIN_LOCKED') throw new CardError('PIN_LOCKED', { triesLeft: 0 })
      if (name === 'CKR_PIN_EXPIRED') {
        throw refused('le code porteur a expiré ; changez-le avec l’outil de gestion de la carte (CPS Gestion)')
      }
      if (sessionLost(error)) throw new CardError('CARD_ABSENT', { cause: error })
      throw error
    }
  }

  function keyFor(
    m: LoadedModule,
    session: Handle,
    certificate: CardCertificate,
    usage: 'authentication' | 'signature',
    chain: readonly X509.X509Certificate[],
  ): SignKey | null {
    const handle = findPrivateKey(m.api, m.pkcs11, session, certificate, usage)
    return handle ? { handle, chain: presented(chain) } : null
  }

  async function openCardSession(slotId: string, pinBytes: Uint8Array): Promise<Pkcs11CardSession> {
    const m = loaded()
    if (!m) throw new CardError('CARD_ABSENT')
    const slot = findSlot(m.pkcs11, slotId)
    const info = slot ? tokenInfo(m, slot) : null
    if (!slot || !info || !(info.flags & m.api.CKF_TOKEN_INITIALIZED)) throw new CardError('CARD_ABSENT')
    // Refused before the PIN goes to the card: a blocked card would not even count the try.
    if (pinStateOf(m.api, info.flags) === 'locked') throw new CardError('PIN_LOCKED', { triesLeft: 0 })

    let session: Handle | null = null
    try {
      session = m.pkcs11.C_OpenSession(slot, m.api.CKF_SERIAL_SESSION)
      const certificates = readCertificates(m.api, m.pkcs11, session)
      const authentication = chooseAuthentication(certificates)
      if (!authentication) throw refused('aucun certificat d’authentification n’a été trouvé sur la carte')
      const pool = caCertificates(certificates)
      const anchors = await options.trustAnchors()
      const verdict = await validateCertificate(authentication.certificate, { pool, anchors, now: now(), usage: 'authentication' })
      if (!verdict.trusted) {
        log.warn('pkcs11.card.refused', { code: verdict.code })
        throw refused(verdict.reason ?? 'certificat non valide')
      }

      // pkcs11js takes the PIN as a JS string: that copy cannot be wiped and is left to the garbage collector.
      // The caller's bytes are zeroed in login()'s finally.
      loginUser(m, slot, session, new TextDecoder().decode(pinBytes))

      const authenticationKey = keyFor(m, session, authentication, 'authentication', verdict.chain)
      if (!authenticationKey) throw refused('la clé d’authentification est introuvable sur la carte')
      const signatureCertificate = chooseSignature(certificates)
      const signatureKey = signatureCertificate
        ? keyFor(m, session, signatureCertificate, 'signature', (await buildPath(signatureCertificate.certificate, pool, anchors)).path)
        : null

      const sessions = openSessions.get(slotId) ?? new Set<Pkcs11CardSession>()
      openSessions.set(slotId, sessions)
      const opened: Handle = session
      const card: Pkcs11CardSession = new Pkcs11CardSession({
        module: m,
        slot,
        slotId,
        session: opened,
        serialNumber: trimmed(info.serialNumber),
        authentication: authenticationKey,
        signature: signatureKey,
        onClose: () => {
          sessions.delete(card)
          return sessions.size === 0
        },
      })
      sessions.add(card)
      session = null
      log.info('pkcs11.card.signed-in', { slot: slotId })
      return card
    } catch (error) {
      if (error instanceof CardError) throw error
      if (sessionLost(error)) throw new CardError('CARD_ABSENT', { cause: error })
      throw error
    } finally {
      if (session) {
        try {
          m.pkcs11.C_CloseSession(session)
        } catch {
          // The card left: nothing to close.
        }
      }
    }
  }

  function reportToken(m: LoadedModule, slot: Handle, info: TokenInfo): TokenReport {
    const initialized = (info.flags & m.api.CKF_TOKEN_INITIALIZED) !== 0
    const holder = initialized ? holderOf(m, slot, info) : { holder: null, idNat: null, kind: null }
    const pinState = pinStateOf(m.api, info.flags)
    return {
      label: trimmed(info.label),
      serialNumber: trimmed(info.serialNumber),
      manufacturer: trimmed(info.manufacturerID),
      model: trimmed(info.model),
      initialized,
      pinState,
      triesLeft: pinState === 'ok' ? null : triesLeftOf(m.api, info.flags),
      ...holder,
    }
  }

  return {
    kind: 'pkcs11',

    status() {
      return { module: module?.path ?? null, description: module?.description ?? null, reason }
    },

    async list(): Promise<CardSummary[]> {
      const m = loaded()
      if (!m) return []
      let handles: Handle[]
      try {
        handles = m.pkcs11.C_GetSlotList(true)
      } catch (error) {
        log.warn('pkcs11.slots.failed', { ckr: ckrName(error) })
        return []
      }
      const cards: CardSummary[] = []
      for (const slot of handles) {
        const info = tokenInfo(m, slot)
        // SoftHSM2 always shows a spare uninitialised token; a real reader may hold a blank or foreign card.
        if (!info || !(info.flags & m.api.CKF_TOKEN_INITIALIZED)) continue
        const label = trimmed(info.label)
        cards.push({
          slotId: slotIdOf(slot),
          kind: 'pkcs11',
          label,
          holder: holderOf(m, slot, info).holder ?? label,
          pinState: pinStateOf(m.api, info.flags),
        })
      }
      return cards
    },

    async slots(): Promise<SlotReport[]> {
      const m = loaded()
      if (!m) return []
      const reports: SlotReport[] = []
      for (const slot of m.pkcs11.C_GetSlotList(false)) {
        const slotInfo = m.pkcs11.C_GetSlotInfo(slot)
        const tokenPresent = (slotInfo.flags & SLOT_FLAGS.tokenPresent) !== 0
        let token: TokenReport | null = null
        let error: string | null = null
        if (tokenPresent) {
          try {
            token = reportToken(m, slot, m.pkcs11.C_GetTokenInfo(slot))
          } catch (failure) {
            error = ckrName(failure) ?? (failure as Error).message
          }
        }
        reports.push({
          slotId: slotIdOf(slot),
          description: trimmed(slotInfo.slotDescription),
          manufacturer: trimmed(slotInfo.manufacturerID),
          removable: (slotInfo.flags & SLOT_FLAGS.removableDevice) !== 0,
          tokenPresent,
          token,
          error,
        })
      }
      return reports
    },

    async login(slotId, pin) {
      try {
        if (disposed) throw new CardError('CARD_ABSENT')
        // One login at a time: two PIN attempts racing on one card would each see the other's try counter.
        const attempt = queue.then(() => openCardSession(slotId, pin))
        queue = attempt.catch(() => undefined)
        return await attempt
      } finally {
        pin.fill(0)
      }
    },

    async dispose() {
      if (disposed) return
      disposed = true
      await queue
      for (const sessions of openSessions.values()) for (const card of [...sessions]) await card.close()
      openSessions.clear()
      module?.release()
      module = null
    },
  }
}
