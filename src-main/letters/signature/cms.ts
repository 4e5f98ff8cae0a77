import { createHash, createPublicKey, verify } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import type { CardAlgorithm } from '../../auth/card'

/**
 * The CMS SignedData of a PAdES baseline B-B signature (ETSI EN 319 142-1 §6.3, CAdES B-B of EN 319 122-1):
 * detached, SHA-256, signed attributes content-type, message-digest and signing-certificate-v2, and NO
 * signing-time (PAdES puts the claimed time in the signature dictionary's /M instead). The signature value is
 * made by the card; nothing here holds a private key.
 */

export interface PdfSigner {
  /** DER certificates: the SIGNATURE certificate first, then its issuers (the root may be left out). */
  certificateChain(): Promise<Uint8Array[]>
  /** Signs `data` (hashing it first, as CKM_SHA256_RSA_PKCS does) with the signature key. */
  sign(data: Uint8Array, algorithm: CardAlgorithm): Promise<Uint8Array>
}

export const OIDS = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const

function buffer(data: Uint8Array): ArrayBuffer {
  return data.slice().buffer as ArrayBuffer
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

/**
 * ESS signing-certificate-v2 (RFC 5035): binds the signer's certificate into the signed attributes, so the
 * certificate cannot be swapped for another with the same key. SHA-256 is the default hash, so DER omits it.
 */
function signingCertificateV2(certificate: pkijs.Certificate, der: Uint8Array): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 4, value: certificate.issuer })] }).toSchema(),
      certificate.serialNumber,
    ],
  })
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: buffer(sha256(der)) }), issuerSerial] })
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })
}

function compareBytes(a: ArrayBuffer, b: ArrayBuffer): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Signed attributes in DER order (a SET OF is sorted by encoding): a verifier that re-encodes the attributes as
 * DER before checking the signature would otherwise hash other bytes than the card signed.
 */
function signedAttributes(attributes: pkijs.Attribute[]): pkijs.SignedAndUnsignedAttributes {
  const sorted = [...attributes].sort((a, b) => compareBytes(a.toSchema().toBER(), b.toSchema().toBER()))
  return new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted })
}

function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(buffer(der))
}

function verifiesWith(certificate: pkijs.Certificate, data: Uint8Array, signature: Uint8Array): boolean {
  const spki = Buffer.from(certificate.subjectPublicKeyInfo.toSchema().toBER())
  return verify('sha256', data, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature)
}

/**
 * A detached CAdES B-B SignedData over `content` (for a PDF: its signed byte ranges, concatenated), DER.
 * Checks the card's signature against the certificate before returning: a key that does not match its
 * certificate would otherwise give a letter nobody can verify.
 */
export async function createCadesSignature(content: Uint8Array, signer: PdfSigner): Promise<Uint8Array> {
  const chain = await signer.certificateChain()
  const [leafDer] = chain
  if (!leafDer) throw new Error('the signer gave no signature certificate')
  const leaf = parseCertificate(leafDer)

  const signed = signedAttributes([
    new pkijs.Attribute({ type: OIDS.contentType, values: [new asn1js.ObjectIdentifier({ value: OIDS.data })] }),
    new pkijs.Attribute({ type: OIDS.messageDigest, values: [new asn1js.OctetString({ valueHex: buffer(sha256(content)) })] }),
    new pkijs.Attribute({ type: OIDS.signingCertificateV2, values: [signingCertificateV2(leaf, leafDer)] }),
  ])
  // What is signed is the attributes' DER with the SET OF tag (RFC 5652 §5.4), not the [0] IMPLICIT tag they carry.
  const toBeSigned = new Uint8Array(signed.toSchema().toBER())
  toBeSigned[0] = 0x31
  const signature = await signer.sign(toBeSigned, 'RS256')
  if (!verifiesWith(leaf, toBeSigned, signature)) {
    throw new Error('the card signature does not match its signature certificate')
  }

  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OIDS.sha256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OIDS.data }),
    certificates: chain.map(parseCertificate),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: leaf.issuer, serialNumber: leaf.serialNumber }),
        digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OIDS.sha256 }),
        signedAttrs: signed,
        signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OIDS.sha256WithRsa, algorithmParams: new asn1js.Null() }),
        signature: new asn1js.OctetString({ valueHex: buffer(signature) }),
      }),
    ],
  })
  const contentInfo = new pkijs.ContentInfo({ contentType: OIDS.signedData, content: signedData.toSchema(true) })
  return new Uint8Array(contentInfo.toSchema().toBER())
}
