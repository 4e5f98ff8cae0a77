import { createHash, generateKeyPair, webcrypto } from 'node:crypto'
import type { webcrypto as WebCrypto } from 'node:crypto'
import { x509, type X509 } from '../../auth/x509'

/**
 * The training CA: a root and a "PERSONNES" intermediate whose names mimic the IGC-Santé test chain
 * (DOMAIN.md §1.2), and the staff certificates they issue. Dates are fixed so two generations differ
 * only by their keys.
 */

export const OID = {
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  givenName: '2.5.4.42',
  title: '2.5.4.12',
} as const

export const ROOT_COMMON_NAME = 'TEST AC RACINE IGC-SANTE FORMATION CHEVET'
export const INTERMEDIATE_COMMON_NAME = 'TEST AC IGC-SANTE FORMATION CHEVET PERSONNES'
/** Reserved TLD: a training UPN must never look like a deliverable address. The real CPS UPN form is unconfirmed. */
export const UPN_DOMAIN = 'formation.chevet.test'

export const VALIDITY = {
  caNotBefore: new Date('2024-01-01T00:00:00Z'),
  rootNotAfter: new Date('2044-01-01T00:00:00Z'),
  intermediateNotAfter: new Date('2040-01-01T00:00:00Z'),
  cardNotBefore: new Date('2025-01-01T00:00:00Z'),
  cardNotAfter: new Date('2035-01-01T00:00:00Z'),
} as const

/** A staff member as the hospital generator describes them; the PIN is the one they will type. */
export interface TrainingStaff {
  key: string
  idNat: string
  givenName: string
  familyName: string
  profession: string
  kind: 'CPS' | 'CPE'
  /** The establishment, required for a CPE (it goes in the subject's O). */
  organization?: string
  pin: string
}

export interface RsaKeyPair {
  /** PKCS#8 DER */
  privateKey: Uint8Array
  /** SubjectPublicKeyInfo DER */
  publicKey: Uint8Array
}

export interface CertificateAuthority {
  certificate: X509.X509Certificate
  privateKey: Uint8Array
  signingKey: WebCrypto.CryptoKey
}

export type CardKeyUsage = 'authentication' | 'signature'

export function generateRsaKeyPair(): Promise<RsaKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      },
      (error, publicKey, privateKey) =>
        error ? reject(error) : resolve({ privateKey: new Uint8Array(privateKey), publicKey: new Uint8Array(publicKey) }),
    )
  })
}

const CA_SIGNATURE = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const

export function importCaSigningKey(pkcs8: Uint8Array): Promise<WebCrypto.CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', pkcs8, CA_SIGNATURE, false, ['sign'])
}

function utf8(value: string): X509.JsonAttributeObject[] {
  return [{ utf8String: value }]
}

function caName(commonName: string): X509.Name {
  return new x509.Name([
    { [OID.country]: [{ printableString: 'FR' }] },
    { [OID.organization]: utf8('ASIP-SANTE') },
    { [OID.organizationalUnit]: utf8('IGC-SANTE TEST') },
    { [OID.commonName]: utf8(commonName) },
  ])
}

/** `CN=<idNat>+SN=<surname>+GN=<given name>, title=<profession>, [O=<establishment>,] C=FR` (DOMAIN.md §1.2). */
export function staffName(staff: Pick<TrainingStaff, 'idNat' | 'familyName' | 'givenName' | 'profession' | 'organization'>): X509.Name {
  return new x509.Name([
    { [OID.country]: [{ printableString: 'FR' }] },
    ...(staff.organization ? [{ [OID.organization]: utf8(staff.organization) }] : []),
    { [OID.title]: utf8(staff.profession) },
    {
      [OID.commonName]: utf8(staff.idNat),
      [OID.surname]: utf8(staff.familyName),
      [OID.givenName]: utf8(staff.givenName),
    },
  ])
}

/** Same inputs, same serial: the only thing that changes between generations is the key. */
function serialFor(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16)
  return `1${digest.slice(1)}`
}

async function createAuthority(
  commonName: string,
  keys: RsaKeyPair,
  notAfter: Date,
  issuer: CertificateAuthority | null,
): Promise<CertificateAuthority> {
  const signingKey = await importCaSigningKey(keys.privateKey)
  const spki = new x509.PublicKey(keys.publicKey)
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(true, issuer ? 0 : undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(spki),
  ]
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate))
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialFor('ca', commonName),
    subject: caName(commonName),
    issuer: issuer ? issuer.certificate.subjectName : caName(commonName),
    notBefore: VALIDITY.caNotBefore,
    notAfter,
    publicKey: spki,
    signingKey: issuer ? issuer.signingKey : signingKey,
    signingAlgorithm: CA_SIGNATURE,
    extensions,
  })
  return { certificate, privateKey: keys.privateKey, signingKey }
}

export async function createTrainingCa(): Promise<{ root: CertificateAuthority; intermediate: CertificateAuthority }> {
  const [rootKeys, intermediateKeys] = await Promise.all([generateRsaKeyPair(), generateRsaKeyPair()])
  const root = await createAuthority(ROOT_COMMON_NAME, rootKeys, VALIDITY.rootNotAfter, null)
  const intermediate = await createAuthority(INTERMEDIATE_COMMON_NAME, intermediateKeys, VALIDITY.intermediateNotAfter, root)
  return { root, intermediate }
}

export interface IssueOptions {
  usage: CardKeyUsage
  notBefore?: Date
  notAfter?: Date
  /** Overrides the usage's key usage bits (tests use it to issue a certificate the verifier must refuse). */
  keyUsages?: X509.KeyUsageFlags
}

/** A staff member's authentication (digitalSignature, clientAuth) or signature (nonRepudiation) certificate. */
export async function issueStaffCertificate(
  issuer: CertificateAuthority,
  staff: Pick<TrainingStaff, 'idNat' | 'familyName' | 'givenName' | 'profession' | 'organization'>,
  publicKey: Uint8Array,
  options: IssueOptions,
): Promise<X509.X509Certificate> {
  const spki = new x509.PublicKey(publicKey)
  const authentication = options.usage === 'authentication'
  const defaultUsages = authentication ? x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.nonRepudiation
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(options.keyUsages ?? defaultUsages, true),
    await x509.SubjectKeyIdentifierExtension.create(spki),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate),
    new x509.SubjectAlternativeNameExtension([{ type: 'upn', value: `${staff.idNat}@${UPN_DOMAIN}` }]),
  ]
  if (authentication) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]))
  return x509.X509CertificateGenerator.create({
    serialNumber: serialFor(options.usage, staff.idNat, String(options.notBefore?.getTime() ?? '')),
    subject: staffName(staff),
    issuer: issuer.certificate.subjectName,
    notBefore: options.notBefore ?? VALIDITY.cardNotBefore,
    notAfter: options.notAfter ?? VALIDITY.cardNotAfter,
    publicKey: spki,
    signingKey: issuer.signingKey,
    signingAlgorithm: CA_SIGNATURE,
    extensions,
  })
}
