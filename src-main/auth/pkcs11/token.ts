import type { TokenInfo } from 'pkcs11js'
import { PIN_TRIES, type PinState } from '../card'
import { certificateUsage, isCa } from '../cps-certificate'
import { x509, type X509 } from '../x509'
import type { Handle, Pkcs11, Pkcs11Api } from './library'

/** Slots, token flags and the objects of a CPS card as Cryptolib exposes them (DOMAIN.md §1.1). */

export const AUTHENTICATION_LABEL = "Certificat d'Authentification CPS"
export const SIGNATURE_LABEL = 'Certificat de Signature CPS'
/** The contactless certificate: never used to sign in (no PIN behind it). */
const TECHNICAL_LABEL = 'Certificat Technique CPS'
const PRIVATE_KEY_LABELS = { authentication: 'CPS_PRIV_AUT', signature: 'CPS_PRIV_SIG' } as const

/** CK_SLOT_INFO flags (PKCS#11 2.40 §3.2); pkcs11js has them at run time but not in its type declarations. */
export const SLOT_FLAGS = { tokenPresent: 0x1, removableDevice: 0x2 } as const

/** `pkcs11:<slot id>`: the slot number as `pkcs11-tool` and `softhsm2-util` print it. */
export function slotIdOf(handle: Handle): string {
  const number = handle.length >= 8 ? handle.readBigUInt64LE(0) : BigInt(handle.readUInt32LE(0))
  return `pkcs11:${number.toString()}`
}

export function findSlot(pkcs11: Pkcs11, slotId: string): Handle | null {
  return pkcs11.C_GetSlotList(true).find((handle) => slotIdOf(handle) === slotId) ?? null
}

export function pinStateOf(api: Pkcs11Api, flags: number): PinState {
  if (flags & api.CKF_USER_PIN_LOCKED) return 'locked'
  if (flags & api.CKF_USER_PIN_FINAL_TRY) return 'finalTry'
  if (flags & api.CKF_USER_PIN_COUNT_LOW) return 'countLow'
  return 'ok'
}

/**
 * Tries left as far as the flags tell: PKCS#11 has no counter, only "low", "final try" and "locked". "Low"
 * means at least one failure since the last good PIN, so PIN_TRIES - 1 is an upper bound, exact for a card
 * with PIN_TRIES tries after its first failure (CPS try count unconfirmed: DOMAIN.md §1.1). Null when the
 * token says nothing (some tokens never set the flags).
 */
export function triesLeftOf(api: Pkcs11Api, flags: number): number | null {
  switch (pinStateOf(api, flags)) {
    case 'locked':
      return 0
    case 'finalTry':
      return 1
    case 'countLow':
      return Math.max(PIN_TRIES - 1, 1)
    case 'ok':
      return null
  }
}

export function trimmed(text: string): string {
  return text.replace(/[\s\0]+$/, '')
}

/** Same token, same card: slot ids are reused when another card goes in. */
export function tokenKey(slotId: string, info: TokenInfo): string {
  return `${slotId}|${trimmed(info.serialNumber)}|${trimmed(info.label)}`
}

export interface CardCertificate {
  certificate: X509.X509Certificate
  id: Buffer
  label: string
}

function findObjects(pkcs11: Pkcs11, session: Handle, template: { type: number; value?: number | boolean | Buffer | string }[]): Handle[] {
  pkcs11.C_FindObjectsInit(session, template)
  try {
    const found: Handle[] = []
    for (;;) {
      const batch = pkcs11.C_FindObjects(session, 32)
      if (batch.length === 0) return found
      found.push(...batch)
    }
  } finally {
    pkcs11.C_FindObjectsFinal(session)
  }
}

/** The X.509 certificates of the card; they are public objects, readable before the PIN. */
export function readCertificates(api: Pkcs11Api, pkcs11: Pkcs11, session: Handle): CardCertificate[] {
  const handles = findObjects(pkcs11, session, [
    { type: api.CKA_CLASS, value: api.CKO_CERTIFICATE },
    { type: api.CKA_CERTIFICATE_TYPE, value: api.CKC_X_509 },
  ])
  const certificates: CardCertificate[] = []
  for (const handle of handles) {
    const [value, id, label] = pkcs11.C_GetAttributeValue(session, handle, [
      { type: api.CKA_VALUE },
      { type: api.CKA_ID },
      { type: api.CKA_LABEL },
    ])
    try {
      certificates.push({
        certificate: new x509.X509Certificate(new Uint8Array(value?.value as Buffer)),
        id: Buffer.from((id?.value as Buffer | undefined) ?? Buffer.alloc(0)),
        label: ((label?.value as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8'),
      })
    } catch {
      // A certificate the card holds but nobody can parse: not one to sign in with.
    }
  }
  return certificates
}

function sameLabel(a: string, b: string): boolean {
  const norm = (text: string) => text.replace(/[’‘`]/g, "'").trim().toLowerCase()
  return norm(a) === norm(b)
}

/** The latest valid one first: a renewed card may keep its old certificate for a while. */
function newestFirst(a: CardCertificate, b: CardCertificate): number {
  return b.certificate.notAfter.getTime() - a.certificate.notAfter.getTime()
}

/** By its Cryptolib label, else the end-entity certificate whose key usage is authentication. */
export function chooseAuthentication(certificates: readonly CardCertificate[]): CardCertificate | null {
  const byLabel = certificates.filter((entry) => sameLabel(entry.label, AUTHENTICATION_LABEL))
  if (byLabel.length > 0) return [...byLabel].sort(newestFirst)[0] ?? null
  const byUsage = certificates.filter(
    (entry) => certificateUsage(entry.certificate) === 'authentication' && !sameLabel(entry.label, TECHNICAL_LABEL),
  )
  const clientAuth = (entry: CardCertificate) =>
    entry.certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages.includes(x509.ExtendedKeyUsage.clientAuth) ? 0 : 1
  return [...byUsage].sort((a, b) => clientAuth(a) - clientAuth(b) || newestFirst(a, b))[0] ?? null
}

/** By its Cryptolib label, else the nonRepudiation certificate. */
export function chooseSignature(certificates: readonly CardCertificate[]): CardCertificate | null {
  const byLabel = certificates.filter((entry) => sameLabel(entry.label, SIGNATURE_LABEL))
  const candidates = byLabel.length > 0 ? byLabel : certificates.filter((entry) => certificateUsage(entry.certificate) === 'signature')
  return [...candidates].sort(newestFirst)[0] ?? null
}

/** Certificates that may complete a chain: the card's CA certificates (CPS cards can carry their issuers). */
export function caCertificates(certificates: readonly CardCertificate[]): X509.X509Certificate[] {
  return certificates.filter((entry) => isCa(entry.certificate)).map((entry) => entry.certificate)
}

/** The private key paired with a certificate: same CKA_ID (PKCS#11 convention), else the Cryptolib label. */
export function findPrivateKey(
  api: Pkcs11Api,
  pkcs11: Pkcs11,
  session: Handle,
  certificate: CardCertificate,
  usage: 'authentication' | 'signature',
): Handle | null {
  const privateKey = { type: api.CKA_CLASS, value: api.CKO_PRIVATE_KEY }
  if (certificate.id.length > 0) {
    const [byId] = findObjects(pkcs11, session, [privateKey, { type: api.CKA_ID, value: certificate.id }])
    if (byId) return byId
  }
  const [byLabel] = findObjects(pkcs11, session, [privateKey, { type: api.CKA_LABEL, value: PRIVATE_KEY_LABELS[usage] }])
  return byLabel ?? null
}
