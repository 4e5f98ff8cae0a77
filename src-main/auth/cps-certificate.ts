import { holderKind, issued, readCertificateIdentity, sameBytes, type CardHolderKind } from './assertion'
import { x509, type X509 } from './x509'

/**
 * What hospital IT and the login need to know about a CPS/CPE certificate (DOMAIN.md §1.2): who it names,
 * what its national id means, what it may be used for, and whether this workstation trusts it.
 */

/** idNat_PS prefixes (DOMAIN.md §1.2, ANS PSIdNat): the digit before the identifier says which register it is from. */
export type IdNatType = 'ADELI' | 'ADELI_CABINET' | 'FINESS' | 'SIREN' | 'SIRET' | 'RPPS_CABINET' | 'RPPS'

const ID_NAT_PREFIXES: Record<string, IdNatType> = {
  '0': 'ADELI',
  '1': 'ADELI_CABINET',
  '3': 'FINESS',
  '4': 'SIREN',
  '5': 'SIRET',
  '6': 'RPPS_CABINET',
  '8': 'RPPS',
}

const SUBJECT_SERIAL_NUMBER = '2.5.4.5'

const KEY_USAGE_NAMES: [X509.KeyUsageFlags, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
]

const EXTENDED_KEY_USAGE_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(x509.ExtendedKeyUsage).map(([name, oid]) => [oid, name]),
)

/** What the key may do: `authentication` (login, TLS client), `signature` (documents), `ca`, or `other`. */
export type CertificateUsage = 'authentication' | 'signature' | 'ca' | 'other'

export interface CpsCertificateInfo {
  /** The CN: idNat_PS, prefix included (`8` + RPPS, `3` + FINESS + `/` + local id…); null when there is no CN. */
  idNat: string | null
  idNatType: IdNatType | null
  /** The register's identifier: the idNat without its prefix, and without the local part of a structure id. */
  nationalId: string | null
  /** The local part of a structure-based id (`3<FINESS>/<local id>`), null otherwise. */
  localId: string | null
  /** RPPS numbers end in a Luhn key: false flags a mistyped or invented number; null when not an RPPS. */
  rppsKeyValid: boolean | null
  kind: CardHolderKind
  profession: string | null
  givenName: string | null
  surname: string | null
  organization: string | null
  /** The subject's serialNumber attribute, which some IGC-Santé test certificates carry. */
  subjectSerialNumber: string | null
  upn: string | null
  subject: string
  issuer: string
  serialNumber: string
  notBefore: Date
  notAfter: Date
  keyUsage: string[]
  extendedKeyUsage: string[]
  usage: CertificateUsage
}

/** Reads one DER certificate, or every certificate of a PEM text (a bundle holds several). */
export function parseCertificates(data: Uint8Array | string): X509.X509Certificate[] {
  const text = typeof data === 'string' ? data : looksLikePem(data) ? Buffer.from(data).toString('latin1') : null
  if (text !== null) {
    const blocks = x509.PemConverter.decodeWithHeaders(text).filter((block) => block.type === 'CERTIFICATE')
    if (blocks.length === 0) throw new Error('no CERTIFICATE block in the PEM text')
    return blocks.map((block) => new x509.X509Certificate(block.rawData))
  }
  return [new x509.X509Certificate(new Uint8Array(data as Uint8Array))]
}

function looksLikePem(data: Uint8Array): boolean {
  return Buffer.from(data.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ')
}

function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2
    sum += digit
  }
  return sum % 10 === 0
}

export function keyUsageNames(certificate: X509.X509Certificate): string[] {
  const usages = certificate.getExtension(x509.KeyUsagesExtension)?.usages ?? 0
  return KEY_USAGE_NAMES.filter(([flag]) => usages & flag).map(([, name]) => name)
}

function extendedKeyUsageNames(certificate: X509.X509Certificate): string[] {
  const usages = certificate.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? []
  return usages.map((usage) => EXTENDED_KEY_USAGE_NAMES[String(usage)] ?? String(usage))
}

export function isCa(certificate: X509.X509Certificate): boolean {
  return certificate.getExtension(x509.BasicConstraintsExtension)?.ca === true
}

/**
 * An IGC-Santé authentication certificate signs with digitalSignature; the signature certificate is the
 * nonRepudiation one (DOMAIN.md §1.1: two certificates, two keys). A key carrying both counts as signature.
 */
export function certificateUsage(certificate: X509.X509Certificate): CertificateUsage {
  if (isCa(certificate)) return 'ca'
  const usages = certificate.getExtension(x509.KeyUsagesExtension)?.usages ?? 0
  if (usages & x509.KeyUsageFlags.nonRepudiation) return 'signature'
  if (usages & x509.KeyUsageFlags.digitalSignature) return 'authentication'
  return 'other'
}

export type IdNatParts = Pick<CpsCertificateInfo, 'idNatType' | 'nationalId' | 'localId' | 'rppsKeyValid'>

/** What an idNat_PS says by its form (also Pro Santé Connect's SubjectNameID). */
export function describeIdNat(idNat: string): IdNatParts {
  const idNatType = ID_NAT_PREFIXES[idNat.charAt(0)] ?? null
  if (!idNatType) return { idNatType: null, nationalId: null, localId: null, rppsKeyValid: null }
  const [structure = '', ...local] = idNat.slice(1).split('/')
  return {
    idNatType,
    nationalId: structure || null,
    localId: local.length > 0 ? local.join('/') : null,
    rppsKeyValid: idNatType === 'RPPS' ? /^\d{11}$/.test(structure) && luhnValid(structure) : null,
  }
}

/** The certificate as `chevet card inspect-cert` shows it. Never throws on an odd subject: fields are then null. */
export function describeCertificate(certificate: X509.X509Certificate): CpsCertificateInfo {
  let identity: ReturnType<typeof readCertificateIdentity> | null = null
  try {
    identity = readCertificateIdentity(certificate)
  } catch {
    // No CN: not an IGC-Santé personal certificate, but still worth describing.
  }
  const idNat = identity?.idNat.trim() ?? null
  return {
    idNat,
    ...(idNat ? describeIdNat(idNat) : { idNatType: null, nationalId: null, localId: null, rppsKeyValid: null }),
    kind: idNat ? holderKind(idNat) : 'unknown',
    profession: identity?.profession ?? null,
    givenName: identity?.givenName ?? null,
    surname: identity?.surname ?? null,
    organization: identity?.organization ?? null,
    subjectSerialNumber: certificate.subjectName.getField(SUBJECT_SERIAL_NUMBER)[0] ?? null,
    upn: identity?.upn ?? null,
    subject: certificate.subject,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    keyUsage: keyUsageNames(certificate),
    extendedKeyUsage: extendedKeyUsageNames(certificate),
    usage: certificateUsage(certificate),
  }
}

/** The name a card shows before its PIN is typed: "GN SN" from the subject, or null. */
export function holderName(certificate: X509.X509Certificate): string | null {
  const info = describeCertificate(certificate)
  const name = [info.givenName, info.surname].filter(Boolean).join(' ')
  return name || null
}

// ——— Trust ———

export type TrustFailure = 'NO_ANCHORS' | 'UNTRUSTED' | 'EXPIRED' | 'NOT_YET_VALID' | 'ISSUER_NOT_CA' | 'WRONG_USAGE'

export interface TrustVerdict {
  trusted: boolean
  code: TrustFailure | null
  /** French, for the card holder and hospital IT; null when trusted. */
  reason: string | null
  /** Leaf first, then its issuers as far as they were found (the anchor last when trusted). */
  chain: X509.X509Certificate[]
}

export interface ValidateOptions {
  /** Certificates that may be intermediates (the card's other certificates, a PEM bundle's). */
  pool?: readonly X509.X509Certificate[]
  anchors: readonly X509.X509Certificate[]
  now?: Date
  /** The usage the leaf must allow; `any` checks only the chain and the dates. */
  usage?: 'authentication' | 'signature' | 'any'
}

const MAX_PATH = 6

function frenchDate(date: Date): string {
  return date.toLocaleDateString('fr-FR', { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' })
}

function commonName(certificate: X509.X509Certificate): string {
  return certificate.subjectName.getField('2.5.4.3')[0] ?? certificate.subject
}

function selfIssued(certificate: X509.X509Certificate): boolean {
  return sameBytes(certificate.subjectName.toArrayBuffer(), certificate.issuerName.toArrayBuffer())
}

/** The issuers of `leaf` from `candidates`, as far as a signed path goes; `anchored` when it ends on an anchor. */
export async function buildPath(
  leaf: X509.X509Certificate,
  candidates: readonly X509.X509Certificate[],
  anchors: readonly X509.X509Certificate[],
): Promise<{ path: X509.X509Certificate[]; anchored: boolean }> {
  const isAnchor = (certificate: X509.X509Certificate) => anchors.some((anchor) => sameBytes(anchor.rawData, certificate.rawData))
  const path = [leaf]
  let current = leaf
  while (path.length < MAX_PATH) {
    if (isAnchor(current)) return { path, anchored: true }
    if (selfIssued(current) && path.length > 1) break
    let next: X509.X509Certificate | undefined
    // Anchors first: a card may carry an old copy of a CA certificate that the trust store has renewed.
    for (const candidate of [...anchors, ...candidates]) {
      if (next) break
      if (!path.some((seen) => sameBytes(seen.rawData, candidate.rawData)) && (await issued(current, candidate))) next = candidate
    }
    if (!next) break
    path.push(next)
    current = next
  }
  return { path, anchored: isAnchor(current) }
}

function usageFailure(leaf: X509.X509Certificate, usage: 'authentication' | 'signature'): string | null {
  const flags = leaf.getExtension(x509.KeyUsagesExtension)?.usages ?? 0
  const names = keyUsageNames(leaf).join(', ') || 'aucun'
  if (usage === 'authentication') {
    if (!(flags & x509.KeyUsageFlags.digitalSignature) || flags & x509.KeyUsageFlags.nonRepudiation) {
      return `le certificat lu n’est pas un certificat d’authentification (usages de la clé : ${names})`
    }
    const extended = leaf.getExtension(x509.ExtendedKeyUsageExtension)
    if (extended && !extended.usages.includes(x509.ExtendedKeyUsage.clientAuth)) {
      return 'le certificat lu n’autorise pas l’authentification du client (extendedKeyUsage sans clientAuth)'
    }
    return null
  }
  return flags & x509.KeyUsageFlags.nonRepudiation
    ? null
    : `le certificat lu n’est pas un certificat de signature (usages de la clé : ${names})`
}

function refuse(code: TrustFailure, reason: string, chain: X509.X509Certificate[]): TrustVerdict {
  return { trusted: false, code, reason, chain }
}

/**
 * Checks `leaf` as the login does: a signed path to one of the anchors, every certificate of it within its
 * dates, issuers that are CAs, and the leaf's key usage. The first failure found is the one reported.
 */
export async function validateCertificate(leaf: X509.X509Certificate, options: ValidateOptions): Promise<TrustVerdict> {
  const now = options.now ?? new Date()
  const { path, anchored } = await buildPath(leaf, options.pool ?? [], options.anchors)
  if (options.anchors.length === 0) {
    return refuse('NO_ANCHORS', 'aucune autorité de confiance n’est installée sur ce poste (racines IGC-Santé absentes)', path)
  }
  if (!anchored) {
    const last = path[path.length - 1] ?? leaf
    const issuer = last.issuerName.getField('2.5.4.3')[0] ?? last.issuer
    return refuse('UNTRUSTED', `le certificat n’est pas émis par une autorité de confiance reconnue par ce poste (émetteur : « ${issuer} »)`, path)
  }
  for (const [index, certificate] of path.entries()) {
    const which = index === 0 ? 'le certificat' : `le certificat de l’autorité « ${commonName(certificate)} »`
    if (now < certificate.notBefore) {
      return refuse('NOT_YET_VALID', `${which} n’est valable qu’à partir du ${frenchDate(certificate.notBefore)}`, path)
    }
    if (now > certificate.notAfter) return refuse('EXPIRED', `${which} a expiré le ${frenchDate(certificate.notAfter)}`, path)
    if (index > 0 && !isCa(certificate)) {
      return refuse('ISSUER_NOT_CA', `« ${commonName(certificate)} » n’est pas une autorité de certification`, path)
    }
  }
  const usage = options.usage ?? 'any'
  const wrongUsage = usage === 'any' ? null : usageFailure(leaf, usage)
  if (wrongUsage) return refuse('WRONG_USAGE', wrongUsage, path)
  return { trusted: true, code: null, reason: null, chain: path }
}
