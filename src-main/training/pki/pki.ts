import { PIN_TRIES } from '../../auth/card'
import {
  createTrainingCa,
  generateRsaKeyPair,
  issueStaffCertificate,
  type CardKeyUsage,
  type CertificateAuthority,
  type TrainingStaff,
} from './ca'
import { hashPin, type PinHash } from './pin'
import type { X509 } from '../../auth/x509'

export interface CardKey {
  /** PKCS#8 DER: a virtual card's key is software, unlike a real card's. */
  privateKey: Uint8Array
  /** DER, the card's certificate first, then the intermediate (not the root: the verifier holds it). */
  chain: Uint8Array[]
}

export interface VirtualCardRecord {
  key: string
  slotId: string
  label: string
  holder: string
  idNat: string
  kind: 'CPS' | 'CPE'
  pin: PinHash
  pinTriesLeft: number
  authentication: CardKey
  signature: CardKey
}

export interface TrainingPki {
  root: CertificateAuthority
  intermediate: CertificateAuthority
  cards: VirtualCardRecord[]
  /** Set when the PKI was loaded from (or saved to) a folder: PIN counters are written back there. */
  dir?: string
}

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/
// idNat prefixes (DOMAIN.md §1.2): 0 ADELI and 8 RPPS are personal (CPS); 1, 3, 4, 5, 6 are structure-based
// ids of establishment staff (CPE), written "<prefix><structure id>/<local id>".
const CPS_ID = /^(8\d{11}|0\d{9})$/
const CPE_ID = /^[13456]\d{9,14}\/[A-Za-z0-9-]{1,20}$/

export function validateStaff(staff: readonly TrainingStaff[]): void {
  const keys = new Set<string>()
  const ids = new Set<string>()
  for (const member of staff) {
    const where = `training staff "${member.key}"`
    if (!KEY_PATTERN.test(member.key)) throw new Error(`${where}: key must match ${KEY_PATTERN}`)
    if (keys.has(member.key) || ids.has(member.idNat)) throw new Error(`${where}: duplicate key or idNat`)
    keys.add(member.key)
    ids.add(member.idNat)
    if (!/^\d{4,8}$/.test(member.pin)) throw new Error(`${where}: the PIN must be 4 to 8 digits`)
    if (member.kind === 'CPS' && !CPS_ID.test(member.idNat)) throw new Error(`${where}: a CPS idNat is 0+ADELI or 8+RPPS`)
    if (member.kind === 'CPE' && !CPE_ID.test(member.idNat)) {
      throw new Error(`${where}: a CPE idNat is 3+FINESS (or 1/4/5/6 + structure id) then "/" and a local id`)
    }
    if (member.kind === 'CPE' && !member.organization) throw new Error(`${where}: a CPE needs its organization`)
  }
}

function der(certificate: X509.X509Certificate): Uint8Array {
  return new Uint8Array(certificate.rawData)
}

async function issueCardKey(
  intermediate: CertificateAuthority,
  staff: TrainingStaff,
  usage: CardKeyUsage,
): Promise<CardKey> {
  const keys = await generateRsaKeyPair()
  const certificate = await issueStaffCertificate(intermediate, staff, keys.publicKey, { usage })
  return { privateKey: keys.privateKey, chain: [der(certificate), der(intermediate.certificate)] }
}

/** One staff member's virtual card: two key pairs and certificates, and the PIN with a full try counter. */
export async function issueVirtualCard(intermediate: CertificateAuthority, staff: TrainingStaff): Promise<VirtualCardRecord> {
  validateStaff([staff])
  const pinBytes = Buffer.from(staff.pin, 'utf8')
  const [authentication, signature, pin] = await Promise.all([
    issueCardKey(intermediate, staff, 'authentication'),
    issueCardKey(intermediate, staff, 'signature'),
    hashPin(pinBytes),
  ])
  pinBytes.fill(0)
  return {
    key: staff.key,
    slotId: `virtual:${staff.key}`,
    label: `${staff.kind} virtuelle de formation — ${staff.profession}`,
    holder: `${staff.givenName} ${staff.familyName}`,
    idNat: staff.idNat,
    kind: staff.kind,
    pin,
    pinTriesLeft: PIN_TRIES,
    authentication,
    signature,
  }
}

/** A fresh CA and a card per staff member. Costs two RSA-2048 key generations per card, plus two. */
export async function generateTrainingPki(staff: readonly TrainingStaff[]): Promise<TrainingPki> {
  validateStaff(staff)
  const { root, intermediate } = await createTrainingCa()
  const cards = await Promise.all(staff.map((member) => issueVirtualCard(intermediate, member)))
  return { root, intermediate, cards }
}

/** The certificates a verifier of these cards' assertions trusts. */
export function trainingTrustAnchors(pki: TrainingPki): X509.X509Certificate[] {
  return [pki.root.certificate]
}
