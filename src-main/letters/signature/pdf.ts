import { plainAddPlaceholder } from '@signpdf/placeholder-plain'
import { SignPdf } from '@signpdf/signpdf'
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils'
import { certificateUsage, holderName } from '../../auth/cps-certificate'
import { x509 } from '../../auth/x509'
import { createCadesSignature, type PdfSigner } from './cms'

/**
 * PAdES baseline B-B over any PDF (pdfmake's PDF/A-2b included): an incremental update adds an invisible
 * signature field whose /Contents receives the CMS of cms.ts; the earlier revision, with its XMP metadata and
 * output intent, is kept byte for byte.
 */

export interface SignPdfOptions {
  reason?: string
  location?: string
  /** The claimed signing time, written to the signature dictionary's /M (PAdES B-B has no signing-time attribute). */
  signingTime?: Date
}

/**
 * Room for the CMS, in bytes (hex doubles it in the file): a 2048-bit chain of three certificates needs about
 * 4 kB; this leaves room for 4096-bit keys and a longer chain.
 */
const SIGNATURE_ROOM = 16_384

/**
 * @signpdf writes these strings through a UTF-8 conversion of UTF-16 bytes, which garbles anything non-ASCII:
 * the accents are dropped instead ("Hélène" → "Helene"). The certificate keeps the exact name.
 */
function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’‘]/g, "'")
    .replace(/[^\x20-\x7e]/g, '?')
}

class CadesSigner extends Signer {
  readonly #signer: PdfSigner

  constructor(signer: PdfSigner) {
    super()
    this.#signer = signer
  }

  override async sign(signedRanges: Buffer): Promise<Buffer> {
    return Buffer.from(await createCadesSignature(signedRanges, this.#signer))
  }
}

/**
 * PDF/A requires /ID in the trailer of the last revision; @signpdf's update trailer has none, so the original
 * file's /ID is carried over (its first element must not change anyway).
 */
function keepTrailerId(original: Buffer, updated: Buffer): Buffer {
  const id = /\/ID\s*\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\]/.exec(original.subarray(original.lastIndexOf('trailer')).toString('latin1'))
  const at = updated.lastIndexOf('trailer\n<<\n')
  if (!id || at < original.length) return updated
  const insert = at + 'trailer\n<<\n'.length
  return Buffer.concat([updated.subarray(0, insert), Buffer.from(`${id[0]}\n`, 'latin1'), updated.subarray(insert)])
}

/** The signature certificate must be one: a card's authentication certificate never signs a document. */
async function signatureChain(signer: PdfSigner): Promise<Uint8Array[]> {
  const chain = await signer.certificateChain()
  const leaf = chain[0]
  if (!leaf) throw new Error('the signer gave no signature certificate')
  if (certificateUsage(new x509.X509Certificate(leaf)) !== 'signature') {
    throw new Error('the signer certificate is not a signature (nonRepudiation) certificate')
  }
  return chain
}

/** Signs `pdf` with the signer's signature key (PAdES B-B, SubFilter ETSI.CAdES.detached); returns the signed PDF. */
export async function signPdf(pdf: Uint8Array, signer: PdfSigner, options: SignPdfOptions = {}): Promise<Uint8Array> {
  const chain = await signatureChain(signer)
  const name = holderName(new x509.X509Certificate(chain[0] as Uint8Array)) ?? ''
  const original = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: original,
    reason: ascii(options.reason ?? ''),
    location: ascii(options.location ?? ''),
    contactInfo: '',
    name: ascii(name),
    signingTime: options.signingTime ?? new Date(),
    signatureLength: SIGNATURE_ROOM,
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    appName: 'Chevet',
  })
  const fixedChain: PdfSigner = { certificateChain: async () => chain, sign: (data, algorithm) => signer.sign(data, algorithm) }
  const signed = await new SignPdf().sign(keepTrailerId(original, withPlaceholder), new CadesSigner(fixedChain))
  return new Uint8Array(signed.buffer, signed.byteOffset, signed.byteLength)
}
