import { randomUUID } from 'node:crypto'
import { base64url, compactVerify, decodeProtectedHeader, importX509 } from 'jose'
// Loads @peculiar/x509 with its Reflect polyfill and Node's WebCrypto; see that file for why it lives there.
import { x509, type X509 } from './x509'
import type { CardAlgorithm, CardSession } from './card'

/**
 * RFC 7523 JWT-bearer assertions signed on the card (DESIGN.md §6): the workstation builds them, the
 * central (the training one, or a real one written to the same rules) verifies them against IGC-Santé anchors.
 */

const ALGORITHMS: readonly CardAlgorithm[] = ['RS256', 'PS256']
const OID = {
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  givenName: '2.5.4.42',
  title: '2.5.4.12',
  organization: '2.5.4.10',
} as const
const MAX_CHAIN = 5
const MAX_JWS_LENGTH = 64 * 1024

export type AssertionErrorCode =
  | 'ASSERTION_INVALID'
  | 'ASSERTION_BAD_SIGNATURE'
  | 'ASSERTION_WRONG_AUDIENCE'
  | 'ASSERTION_EXPIRED'
  | 'ASSERTION_NOT_YET_VALID'
  | 'ASSERTION_LIFETIME_TOO_LONG'
  | 'ASSERTION_SUBJECT_MISMATCH'
  | 'CERT_UNTRUSTED'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_WRONG_USAGE'
  | 'REPLAYED'

/** Why an assertion was refused; the message is English, for the central's logs (no personal data in it). */
export class AssertionError extends Error {
  constructor(
    readonly code: AssertionErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'AssertionError'
  }
}

/** idNat prefixes (DOMAIN.md §1.2): 0 ADELI / 8 RPPS are personal cards; 1, 3, 4, 5, 6 are structure staff. */
export type CardHolderKind = 'CPS' | 'CPE' | 'unknown'

export interface CertificateIdentity {
  idNat: string
  kind: CardHolderKind
  surname: string | null
  givenName: string | null
  /** The subject's title: the profession ("Médecin", "Pharmacien", "Secrétaire médicale"…). */
  profession: string | null
  /** The establishment (O), present on CPE certificates. */
  organization: string | null
  upn: string | null
  issuer: string
  serialNumber: string
  notBefore: Date
  notAfter: Date
}

export function holderKind(idNat: string): CardHolderKind {
  if (/^[08]/.test(idNat)) return 'CPS'
  if (/^[13456]/.test(idNat)) return 'CPE'
  return 'unknown'
}

function field(certificate: X509.X509Certificate, oid: string): string | null {
  return certificate.subjectName.getField(oid)[0] ?? null
}

/** The professional's identity as IGC-Santé puts it in the subject: CN = idNat, SN, GN, title, O. */
export function readCertificateIdentity(certificate: X509.X509Certificate): CertificateIdentity {
  const idNat = field(certificate, OID.commonName)
  if (!idNat) throw new AssertionError('ASSERTION_INVALID', 'certificate subject has no CN (national id)')
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension)
  return {
    idNat,
    kind: holderKind(idNat),
    surname: field(certificate, OID.surname),
    givenName: field(certificate, OID.givenName),
    profession: field(certificate, OID.title),
    organization: field(certificate, OID.organization),
    upn: san?.names.items.find((name) => name.type === 'upn')?.value ?? null,
    issuer: certificate.issuer,
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  }
}

export interface CreateCardAssertionOptions {
  session: CardSession
  /** The token endpoint URL. */
  audience: string
  algorithm?: CardAlgorithm
  lifetimeSeconds?: number
  now?: Date
}

function encodeJson(value: unknown): string {
  return base64url.encode(JSON.stringify(value))
}

/**
 * A compact JWS signed by the card's authentication key. jose has no external-signer hook for RSA, so the
 * signing input is built here and handed to the card; the card never lets the key out.
 */
export async function createCardAssertion(options: CreateCardAssertionOptions): Promise<string> {
  const algorithm = options.algorithm ?? 'RS256'
  const lifetime = options.lifetimeSeconds ?? 60
  const chain = await options.session.certificateChain()
  const leaf = chain[0]
  if (!leaf) throw new Error('the card returned no certificate')
  const { idNat } = readCertificateIdentity(new x509.X509Certificate(leaf))
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000)
  const header = { alg: algorithm, typ: 'JWT', x5c: chain.map((der) => Buffer.from(der).toString('base64')) }
  const payload = { iss: idNat, sub: idNat, aud: options.audience, iat, nbf: iat, exp: iat + lifetime, jti: randomUUID() }
  const signingInput = `${encodeJson(header)}.${encodeJson(payload)}`
  const signature = await options.session.sign(new TextEncoder().encode(signingInput), algorithm)
  return `${signingInput}.${base64url.encode(signature)}`
}

export interface VerifyCardAssertionOptions {
  audience: string
  /** Roots (IGC-Santé production or test, or the training CA); intermediates come from x5c. */
  trustAnchors: X509.X509Certificate[]
  now?: Date
  maxLifetimeSeconds?: number
  clockToleranceSeconds?: number
  /** True when this jti was already accepted; the callee remembers it until `expiresAt` (see createJtiReplayCache). */
  seenJti: (jti: string, expiresAt: Date) => boolean
}

/** The holder as the certificate names them, and the assertion's jti and expiry. */
export interface VerifiedCardAssertion extends CertificateIdentity {
  certificate: X509.X509Certificate
  jti: string
  expiresAt: Date
}

function parseX5c(value: unknown): X509.X509Certificate[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CHAIN) {
    throw new AssertionError('ASSERTION_INVALID', `x5c must hold 1 to ${MAX_CHAIN} certificates`)
  }
  return value.map((item, index) => {
    if (typeof item !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(item)) {
      throw new AssertionError('ASSERTION_INVALID', `x5c[${index}] is not base64`)
    }
    try {
      return new x509.X509Certificate(Buffer.from(item, 'base64'))
    } catch {
      throw new AssertionError('ASSERTION_INVALID', `x5c[${index}] is not a DER certificate`)
    }
  })
}

export function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b))
}

/** Whether `issuer` signed `child` (names chained and signature checked). */
export async function issued(child: X509.X509Certificate, issuer: X509.X509Certificate): Promise<boolean> {
  if (!sameBytes(child.issuerName.toArrayBuffer(), issuer.subjectName.toArrayBuffer())) return false
  try {
    return await child.verify({ publicKey: issuer.publicKey, signatureOnly: true })
  } catch {
    return false
  }
}

/** Leaf first, trust anchor last; throws CERT_UNTRUSTED when no signed path reaches an anchor. */
async function buildChain(certificates: X509.X509Certificate[], anchors: X509.X509Certificate[]): Promise<X509.X509Certificate[]> {
  const [leaf, ...pool] = certificates
  if (!leaf) throw new AssertionError('ASSERTION_INVALID', 'empty x5c')
  const chain = [leaf]
  let current = leaf
  while (chain.length <= MAX_CHAIN) {
    if (anchors.some((anchor) => sameBytes(anchor.rawData, current.rawData))) return chain
    let next: X509.X509Certificate | undefined
    for (const anchor of anchors) if (!next && (await issued(current, anchor))) next = anchor
    if (next) return [...chain, next]
    for (const candidate of pool) if (!next && !chain.includes(candidate) && (await issued(current, candidate))) next = candidate
    if (!next) throw new AssertionError('CERT_UNTRUSTED', `no trusted issuer for "${current.issuer}"`)
    chain.push(next)
    current = next
  }
  throw new AssertionError('CERT_UNTRUSTED', 'certificate chain too long')
}

function checkChain(chain: X509.X509Certificate[], now: Date): void {
  chain.forEach((certificate, index) => {
    const which = index === 0 ? 'card certificate' : `issuer "${certificate.subject}"`
    if (now < certificate.notBefore) throw new AssertionError('CERT_NOT_YET_VALID', `${which} is not valid before ${certificate.notBefore.toISOString()}`)
    if (now > certificate.notAfter) throw new AssertionError('CERT_EXPIRED', `${which} expired on ${certificate.notAfter.toISOString()}`)
    if (index === 0) return
    const constraints = certificate.getExtension(x509.BasicConstraintsExtension)
    if (!constraints?.ca) throw new AssertionError('CERT_UNTRUSTED', `${which} is not a CA`)
    // pathLength counts the intermediates below this CA, the leaf excluded.
    if (constraints.pathLength !== undefined && index - 1 > constraints.pathLength) {
      throw new AssertionError('CERT_UNTRUSTED', `${which} path length exceeded`)
    }
    const usages = certificate.getExtension(x509.KeyUsagesExtension)
    if (usages && !(usages.usages & x509.KeyUsageFlags.keyCertSign)) {
      throw new AssertionError('CERT_UNTRUSTED', `${which} may not sign certificates`)
    }
  })
  const leaf = chain[0]
  const usages = leaf?.getExtension(x509.KeyUsagesExtension)
  if (!usages || !(usages.usages & x509.KeyUsageFlags.digitalSignature)) {
    throw new AssertionError('CERT_WRONG_USAGE', 'card certificate lacks keyUsage digitalSignature (not an authentication certificate)')
  }
  const extended = leaf?.getExtension(x509.ExtendedKeyUsageExtension)
  if (extended && !extended.usages.includes(x509.ExtendedKeyUsage.clientAuth)) {
    throw new AssertionError('CERT_WRONG_USAGE', 'card certificate extendedKeyUsage does not allow clientAuth')
  }
}

function claims(payload: Uint8Array): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(payload))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new AssertionError('ASSERTION_INVALID', 'payload is not a JSON object')
}

function numericClaim(payload: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = payload[name]
  if (value === undefined && !required) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AssertionError('ASSERTION_INVALID', `claim ${name} missing or not a number`)
  return value
}

export async function verifyCardAssertion(jws: string, options: VerifyCardAssertionOptions): Promise<VerifiedCardAssertion> {
  const now = options.now ?? new Date()
  const nowSeconds = Math.floor(now.getTime() / 1000)
  const skew = options.clockToleranceSeconds ?? 30
  const maxLifetime = options.maxLifetimeSeconds ?? 300
  if (typeof jws !== 'string' || jws.length > MAX_JWS_LENGTH || jws.split('.').length !== 3) {
    throw new AssertionError('ASSERTION_INVALID', 'not a compact JWS')
  }
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(jws)
  } catch {
    throw new AssertionError('ASSERTION_INVALID', 'unreadable JWS header')
  }
  const algorithm = header.alg as CardAlgorithm
  if (!ALGORITHMS.includes(algorithm)) throw new AssertionError('ASSERTION_INVALID', `algorithm ${String(header.alg)} not accepted`)
  if (header.crit !== undefined) throw new AssertionError('ASSERTION_INVALID', 'crit header not supported')

  const chain = await buildChain(parseX5c(header.x5c), options.trustAnchors)
  checkChain(chain, now)
  const leaf = chain[0] as X509.X509Certificate
  const identity = readCertificateIdentity(leaf)

  let payload: Record<string, unknown>
  try {
    const key = await importX509(leaf.toString('pem'), algorithm)
    payload = claims((await compactVerify(jws, key, { algorithms: [algorithm] })).payload)
  } catch (error) {
    if (error instanceof AssertionError) throw error
    throw new AssertionError('ASSERTION_BAD_SIGNATURE', 'JWS signature does not verify with the card certificate')
  }

  if (payload.iss !== identity.idNat || payload.sub !== identity.idNat) {
    throw new AssertionError('ASSERTION_SUBJECT_MISMATCH', 'iss and sub must both be the national id in the certificate CN')
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  if (!audiences.includes(options.audience)) throw new AssertionError('ASSERTION_WRONG_AUDIENCE', 'aud is not this token endpoint')
  const exp = numericClaim(payload, 'exp', true) as number
  const iat = numericClaim(payload, 'iat', true) as number
  const nbf = numericClaim(payload, 'nbf', false)
  if (exp <= nowSeconds - skew) throw new AssertionError('ASSERTION_EXPIRED', 'assertion expired')
  if (iat > nowSeconds + skew || (nbf !== undefined && nbf > nowSeconds + skew)) {
    throw new AssertionError('ASSERTION_NOT_YET_VALID', 'assertion issued in the future')
  }
  if (exp - iat > maxLifetime) throw new AssertionError('ASSERTION_LIFETIME_TOO_LONG', `assertion lifetime over ${maxLifetime} s`)
  const jti = payload.jti
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw new AssertionError('ASSERTION_INVALID', 'jti missing')
  const expiresAt = new Date(exp * 1000)
  // Last, so a forged or expired assertion cannot burn someone's jti.
  if (options.seenJti(jti, expiresAt)) throw new AssertionError('REPLAYED', 'jti already used')

  return { ...identity, certificate: leaf, jti, expiresAt }
}

/** A seenJti for one process: remembers each jti until its assertion could no longer pass the exp check. */
export function createJtiReplayCache(options: { clockToleranceSeconds?: number; now?: () => Date } = {}): (
  jti: string,
  expiresAt: Date,
) => boolean {
  const skewMs = (options.clockToleranceSeconds ?? 30) * 1000
  const clock = options.now ?? (() => new Date())
  const seen = new Map<string, number>()
  return (jti, expiresAt) => {
    const now = clock().getTime()
    for (const [key, forgetAt] of seen) if (forgetAt < now) seen.delete(key)
    if (seen.has(jti)) return true
    seen.set(jti, expiresAt.getTime() + skewMs)
    return false
  }
}
