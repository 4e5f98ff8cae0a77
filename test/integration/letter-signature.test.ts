import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CardSession } from '../../src-main/auth/card'
import { createPkcs11CardProvider, type Pkcs11CardProvider } from '../../src-main/auth/pkcs11'
import { loadTrustAnchors } from '../../src-main/auth/trust-anchors'
import { x509 } from '../../src-main/auth/x509'
import { cardPdfSigner, signPdf, type PdfSigner } from '../../src-main/letters/signature'
import { createMemoryLogger } from '../../src-main/log'
import { createVirtualCardProvider, generateTrainingPki, type TrainingPki } from '../../src-main/training/pki'
import { HOLDERS, createTestCa, type TestCa } from '../fixtures/cps-pki'
import { CPS_LABELS, SOFTHSM_MODULE, cardObjects, createSoftHsm, softHsmAvailable, type SoftHsm, type TokenObject } from '../fixtures/softhsm'
import { samplePdf } from '../fixtures/sample-pdf'
import { doctor } from '../fixtures/training-staff'

/**
 * PAdES B-B signatures of a pdfmake PDF/A-2b with a card's SIGNATURE key, checked by verifiers that share no code
 * with ours: `openssl cms -verify` on the CMS cut out of /Contents and the bytes /ByteRange names, and poppler's
 * pdfsig on the whole file.
 */

const unavailable = softHsmAvailable()
if (unavailable) console.warn(`letter signature on SoftHSM2 skipped: ${unavailable}`)

const HSM_PIN = '1234'
const HSM_LABEL = 'CPS SIGNATAIRE'

let work: string
let source: Uint8Array

interface Extracted {
  byteRange: [number, number, number, number]
  cms: Buffer
  signedBytes: Buffer
}

/** Our own reading of the file, independent of src-main: the last /ByteRange and the hex string it leaves out. */
function extract(pdf: Uint8Array): Extracted {
  const file = Buffer.from(pdf)
  const text = file.toString('latin1')
  const matches = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)]
  const last = matches.at(-1)
  if (!last) throw new Error('no /ByteRange in the PDF')
  const byteRange = last.slice(1, 5).map(Number) as [number, number, number, number]
  const [a, b, c, d] = byteRange
  const hex = text.slice(a + b, c)
  expect(hex.startsWith('<') && hex.endsWith('>')).toBe(true)
  const padded = Buffer.from(hex.slice(1, -1), 'hex')
  // The placeholder is zero-padded: keep the DER SEQUENCE's own length (long form, as any CMS this size).
  expect(padded[0]).toBe(0x30)
  const lengthBytes = (padded[1] as number) & 0x7f
  const length = padded.subarray(2, 2 + lengthBytes).reduce((sum, byte) => sum * 256 + byte, 0)
  const cms = padded.subarray(0, 2 + lengthBytes + length)
  const signedBytes = Buffer.concat([file.subarray(a, a + b), file.subarray(c, c + d)])
  expect(c + d).toBe(file.length)
  return { byteRange, cms, signedBytes }
}

interface OpensslResult {
  ok: boolean
  output: string
  signer: Buffer | null
}

function opensslVerify(pdf: Uint8Array, caFile: string, name: string): OpensslResult {
  const { cms, signedBytes } = extract(pdf)
  const dir = path.join(work, name)
  mkdirSync(dir, { recursive: true })
  const files = { cms: path.join(dir, 'sig.der'), content: path.join(dir, 'signed.bin'), signer: path.join(dir, 'signer.pem') }
  writeFileSync(files.cms, cms)
  writeFileSync(files.content, signedBytes)
  const run = spawnSync(
    'openssl',
    ['cms', '-verify', '-binary', '-inform', 'DER', '-in', files.cms, '-content', files.content, '-CAfile', caFile, '-signer', files.signer, '-out', '/dev/null'],
    { encoding: 'utf8' },
  )
  let signer: Buffer | null = null
  try {
    signer = Buffer.from(new x509.X509Certificate(readFileSync(files.signer, 'utf8')).rawData)
  } catch {
    // No signer written when verification fails.
  }
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`, signer }
}

function cmsPrint(pdf: Uint8Array, name: string): string {
  const file = path.join(work, `${name}.der`)
  writeFileSync(file, extract(pdf).cms)
  return execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file], { encoding: 'utf8' })
}

/**
 * The certHash of the ESS signing-certificate-v2 attribute, as openssl asn1parse reads it (OpenSSL 3.0's
 * `cms -verify` does not check that attribute itself).
 */
function essCertHash(pdf: Uint8Array, name: string): string | null {
  const file = path.join(work, `${name}-ess.der`)
  writeFileSync(file, extract(pdf).cms)
  const dump = execFileSync('openssl', ['asn1parse', '-inform', 'DER', '-in', file], { encoding: 'utf8' })
  const after = dump.slice(dump.indexOf(':id-smime-aa-signingCertificateV2'))
  return /OCTET STRING\s+\[HEX DUMP\]:([0-9A-F]+)/.exec(after)?.[1]?.toLowerCase() ?? null
}

/** One byte changed inside the first signed range, in the body of the original document. */
function tampered(pdf: Uint8Array): Uint8Array {
  const copy = new Uint8Array(pdf)
  const at = Math.floor(extract(pdf).byteRange[1] / 2)
  copy[at] = (copy[at] as number) ^ 0x01
  return copy
}

function pdfsig(pdf: Uint8Array, name: string): string {
  const file = path.join(work, `${name}.pdf`)
  writeFileSync(file, pdf)
  return spawnSync('pdfsig', [file], { encoding: 'utf8' }).stdout
}

/** A small PDF/A-2b as pdfmake makes it (DejaVu, French text), independent of the letter layout. */
function renderSource(): Promise<Uint8Array> {
  return samplePdf({
    subset: 'PDF/A-2b',
    version: '1.7',
    tagged: true,
    language: 'fr-FR',
    info: { title: 'Lettre de liaison — essai de signature' },
    content: [
      { text: 'Lettre de liaison', bold: true },
      'Patiente hospitalisée pour « décompensation cardiaque » ; sœur présente à la sortie.',
      { text: 'Suites à donner', pageBreak: 'before' },
    ],
  })
}

/** What both kinds of card must give: a signature openssl and pdfsig accept, made with the signature certificate. */
async function checkSignedLetter(signed: Uint8Array, caFile: string, expected: { signature: Uint8Array; authentication: Uint8Array }, name: string) {
  // The original revision is untouched: the signature is an incremental update.
  expect(Buffer.from(signed.subarray(0, source.length)).equals(Buffer.from(source))).toBe(true)
  const tail = Buffer.from(signed.subarray(source.length)).toString('latin1')
  expect(tail).toContain('/SubFilter /ETSI.CAdES.detached')
  expect(tail).toMatch(/\/ID \[<[0-9a-f]+> <[0-9a-f]+>\]/i)

  const verified = opensslVerify(signed, caFile, name)
  expect(verified.output).toContain('Verification successful')
  expect(verified.ok).toBe(true)
  expect(verified.signer?.equals(Buffer.from(expected.signature))).toBe(true)
  expect(verified.signer?.equals(Buffer.from(expected.authentication))).toBe(false)

  const printed = cmsPrint(signed, name)
  expect(printed).toContain('id-smime-aa-signingCertificateV2')
  expect(printed).toContain('messageDigest')
  expect(printed).toContain('contentType')
  expect(printed).not.toContain('signingTime')
  expect(essCertHash(signed, name)).toBe(createHash('sha256').update(expected.signature).digest('hex'))

  const broken = opensslVerify(tampered(signed), caFile, `${name}-tampered`)
  expect(broken.ok).toBe(false)
  expect(broken.output).not.toContain('Verification successful')

  expect(pdfsig(signed, name)).toContain('Signature Validation: Signature is Valid.')
  expect(pdfsig(tampered(signed), `${name}-tampered`)).not.toContain('Signature Validation: Signature is Valid.')
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'chevet-letter-signature-'))
  source = await renderSource()
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('letter signature with a virtual training card', () => {
  let pki: TrainingPki
  let session: CardSession
  let caFile: string

  beforeAll(async () => {
    pki = await generateTrainingPki([doctor])
    caFile = path.join(work, 'training-ca.pem')
    writeFileSync(caFile, pki.root.certificate.toString('pem'))
    const provider = createVirtualCardProvider({ pki, allowed: true })
    session = await provider.login(`virtual:${doctor.key}`, new TextEncoder().encode(doctor.pin))
  })

  afterAll(async () => {
    await session?.close()
  })

  it('signs a pdfmake PDF/A that openssl and pdfsig verify, with the signature certificate, and one changed byte breaks it', async () => {
    const card = pki.cards[0]
    if (!card) throw new Error('no card')
    const signed = await signPdf(source, cardPdfSigner(session), {
      reason: 'Lettre de liaison signée',
      location: 'CH de formation',
      signingTime: new Date('2026-11-23T10:00:00Z'),
    })
    await checkSignedLetter(signed, caFile, { signature: card.signature.chain[0] as Uint8Array, authentication: card.authentication.chain[0] as Uint8Array }, 'virtual')
    const tail = Buffer.from(signed.subarray(source.length)).toString('latin1')
    // @signpdf garbles non-ASCII strings: ours are folded to ASCII, the certificate keeps the real name.
    expect(tail).toContain('/Name (Helene DURAND)')
    expect(tail).toContain('/Reason (Lettre de liaison signee)')
    expect(tail).toContain('/M (D:20261123100000Z)')
    // The PDF/A identification is still the catalogue's metadata.
    const info = execFileSync('pdfinfo', ['-meta', path.join(work, 'virtual.pdf')], { encoding: 'utf8' })
    expect(info).toMatch(/pdfaid:part>2<|pdfaid:part="2"/)
  })

  it('refuses a signer whose certificate is the authentication one', async () => {
    const wrong: PdfSigner = { certificateChain: () => session.certificateChain(), sign: (data, algorithm) => session.sign(data, algorithm) }
    await expect(signPdf(source, wrong)).rejects.toThrow(/not a signature \(nonRepudiation\) certificate/)
  })

  it('refuses a key that does not match the signature certificate', async () => {
    const mismatched: PdfSigner = {
      certificateChain: () => cardPdfSigner(session).certificateChain(),
      sign: (data, algorithm) => session.sign(data, algorithm),
    }
    await expect(signPdf(source, mismatched)).rejects.toThrow(/does not match its signature certificate/)
  })
})

describe.skipIf(unavailable !== null)('letter signature with a CPS-like SoftHSM2 token', () => {
  let hsm: SoftHsm
  let ca: TestCa
  let objects: TokenObject[]
  let provider: Pkcs11CardProvider
  let caFile: string

  beforeAll(async () => {
    hsm = createSoftHsm()
    ca = await createTestCa()
    objects = await cardObjects({ holder: HOLDERS.medecin, ca: ca.intermediate, caCertificates: [ca.intermediate] })
    hsm.createToken({ label: HSM_LABEL, pin: HSM_PIN, objects })
    caFile = path.join(work, 'test-ca.pem')
    writeFileSync(caFile, ca.root.certificate.toString('pem'))
    const trust = path.join(hsm.dir, 'trust')
    mkdirSync(trust)
    writeFileSync(path.join(trust, 'racine.pem'), ca.root.certificate.toString('pem'))
    process.env.SOFTHSM2_CONF = hsm.conf
    provider = createPkcs11CardProvider({
      modules: [SOFTHSM_MODULE],
      trustAnchors: async () => (await loadTrustAnchors([trust])).anchors,
      log: createMemoryLogger(),
    })
  })

  afterAll(async () => {
    await provider?.dispose()
    hsm?.cleanup()
    delete process.env.SOFTHSM2_CONF
  })

  it('signs with CPS_PRIV_SIG through CKM_SHA256_RSA_PKCS; openssl and pdfsig verify it, one changed byte breaks it', async () => {
    const card = (await provider.list()).find((summary) => summary.label === HSM_LABEL)
    if (!card) throw new Error('the SoftHSM2 token is not listed')
    const session = await provider.login(card.slotId, new TextEncoder().encode(HSM_PIN))
    try {
      const certificate = (label: string) => objects.find((object) => object.type === 'cert' && object.label === label)?.data as Uint8Array
      const signed = await signPdf(source, cardPdfSigner(session), { reason: 'Lettre de liaison' })
      await checkSignedLetter(
        signed,
        caFile,
        { signature: certificate(CPS_LABELS.signatureCertificate), authentication: certificate(CPS_LABELS.authenticationCertificate) },
        'softhsm',
      )
    } finally {
      await session.close()
    }
  })
})
