import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { strFromU8, unzipSync } from 'fflate'
import { simpleParser, type ParsedMail } from 'mailparser'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  sendLetterByMssante,
  startTrainingMailRelay,
  XDM_DOCUMENT_PATH,
  XDM_METADATA_PATH,
  MssanteConfigFile,
  resolveMssanteConfig,
  mssanteTransportSettings,
  type MssanteRecipient,
  type MssanteTransportSettings,
  type TrainingMailRelay,
} from '../../src-main/letters/transport'
import { generateTrainingPki } from '../../src-main/training/pki'
import { sampleLetter, TINY_PDF } from '../fixtures/letter-transport-letter'

// The MSSanté send against the training relay: smtp-server on 127.0.0.1, STARTTLS only, a client certificate of the
// training CA required. Each message is read back with mailparser, its XDM unzipped with fflate.

let dir: string
let relay: TrainingMailRelay
let settings: MssanteTransportSettings
const fast = { sleep: () => Promise.resolve(), timeoutMs: 5_000 }
const waits: number[] = []

const TRAITANT: MssanteRecipient = { address: 'jean.martin@medecin.mssante.fr', kind: 'medecin-traitant' }
const ADRESSEUR: MssanteRecipient = { address: 'claire.dubois@ch-exemple.mssante.fr', kind: 'adresseur' }
const PATIENT: MssanteRecipient = { address: '285037512301234@patient.mssante.fr', kind: 'patient' }

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-mssante-'))
  const pki = await generateTrainingPki([])
  relay = await startTrainingMailRelay({ pki, dir })
  settings = { ...relay.settings, retryBaseMs: 100 }
})

afterAll(async () => {
  await relay?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function received(address: string): Promise<ParsedMail[]> {
  return Promise.all(relay.messages.filter((m) => m.to.includes(address)).map((m) => simpleParser(m.raw)))
}

function header(mail: ParsedMail, name: string): string | undefined {
  const value = mail.headers.get(name)
  return value === undefined ? undefined : String(value)
}

describe('MSSanté sending through the training relay', () => {
  it('delivers the PDF and the XDM archive with the X-MSS headers, over STARTTLS with the client certificate', async () => {
    const letter = sampleLetter()
    const results = await sendLetterByMssante(letter, [TRAITANT, ADRESSEUR, PATIENT], settings, fast)
    expect(results.map((r) => [r.address, r.kind, r.status, r.attempts])).toEqual([
      [TRAITANT.address, 'medecin-traitant', 'sent', 1],
      [ADRESSEUR.address, 'adresseur', 'sent', 1],
      [PATIENT.address, 'patient', 'sent', 1],
    ])
    expect(results.every((r) => r.response?.startsWith('250'))).toBe(true)

    const [mail] = await received(TRAITANT.address)
    expect(mail).toBeDefined()
    const stored = relay.messages.find((m) => m.to.includes(TRAITANT.address))!
    expect(stored.clientCertificate).toBe('formation@chevet.mssante.test')
    expect(stored.to).toEqual([TRAITANT.address])
    expect(header(mail!, 'x-mss-codecda')).toBe('11490-0')
    expect(header(mail!, 'x-mss-ins')).toBe('285037512301234')
    expect(mail!.subject).toBe(letter.title)
    expect(mail!.text).toContain('LEFÈVRE Hélène Marie, né(e) le 21/03/1985')

    const pdf = mail!.attachments.find((a) => a.contentType === 'application/pdf')
    expect(pdf?.filename).toBe('lettre-de-liaison.pdf')
    expect(pdf!.content.equals(TINY_PDF)).toBe(true)

    const zip = mail!.attachments.find((a) => a.filename === 'IHE_XDM.ZIP')
    expect(zip?.contentType).toBe('application/zip')
    const files = unzipSync(new Uint8Array(zip!.content))
    expect(Object.keys(files).sort()).toEqual([XDM_DOCUMENT_PATH, XDM_METADATA_PATH, 'INDEX.HTM', 'README.TXT'].sort())
    const metadata = strFromU8(files[XDM_METADATA_PATH]!)
    expect(XMLValidator.validate(metadata)).toBe(true)
    expect(metadata).toContain('urn:ihe:iti:xds-sd:pdf:2008')
    expect(metadata).toContain('^^^^^^^^^jean.martin@medecin.mssante.fr')

    const cdaXml = strFromU8(files[XDM_DOCUMENT_PATH]!)
    expect(XMLValidator.validate(cdaXml)).toBe(true)
    const cda = (new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(cdaXml) as { ClinicalDocument: Record<string, unknown> }).ClinicalDocument
    for (const element of ['code', 'setId', 'versionNumber', 'effectiveTime', 'confidentialityCode', 'languageCode', 'recordTarget', 'author', 'custodian', 'legalAuthenticator', 'documentationOf', 'componentOf', 'component']) {
      expect(cda[element], element).toBeDefined()
    }
    expect(cda.code).toMatchObject({ '@code': '11490-0' })
    expect(readdirSync(path.join(dir, 'mail')).filter((f) => f.endsWith('.eml')).length).toBe(relay.messages.length)
  })

  it('sends the patient no copy when INVISIBLE_PATIENT is set, nor when the identity is not QUAL', async () => {
    const before = relay.messages.length
    const masked = sampleLetter({ masking: { invisiblePatient: true, maskedFromProfessionals: false, invisibleLegalRepresentatives: false } })
    const maskedResults = await sendLetterByMssante(masked, [TRAITANT, PATIENT], settings, fast)
    expect(maskedResults.map((r) => [r.kind, r.status, r.reason])).toEqual([
      ['medecin-traitant', 'sent', undefined],
      ['patient', 'skipped', 'INVISIBLE_PATIENT'],
    ])

    const base = sampleLetter()
    const vali = sampleLetter({ patient: { ...base.patient, identityStatus: 'VALI' } })
    const valiResults = await sendLetterByMssante(vali, [TRAITANT, PATIENT, { ...ADRESSEUR, masked: true }], settings, fast)
    expect(valiResults.map((r) => [r.kind, r.status, r.reason])).toEqual([
      ['medecin-traitant', 'sent', undefined],
      ['patient', 'skipped', 'IDENTITE_NON_QUALIFIEE'],
      ['adresseur', 'skipped', 'MASQUE'],
    ])
    const added = relay.messages.slice(before)
    expect(added.map((m) => m.to)).toEqual([[TRAITANT.address], [TRAITANT.address]])
    // The XDM names as intended recipients only those who receive it: not the patient it is hidden from.
    const maskedMail = await simpleParser(added[0]!.raw)
    const maskedZip = maskedMail.attachments.find((a) => a.filename === 'IHE_XDM.ZIP')!
    const maskedMetadata = strFromU8(unzipSync(new Uint8Array(maskedZip.content))[XDM_METADATA_PATH]!)
    expect(maskedMetadata).toContain(TRAITANT.address)
    expect(maskedMetadata).not.toContain(PATIENT.address)
    expect(maskedMetadata).toContain('INVISIBLE_PATIENT')
    // Not QUAL: the INS may not travel, so neither X-MSS-INS nor the XDM archive it must accompany; the PDF does.
    const valiMail = await simpleParser(added[1]!.raw)
    expect(header(valiMail, 'x-mss-ins')).toBeUndefined()
    expect(valiMail.attachments.map((a) => a.filename)).toEqual(['lettre-de-liaison.pdf'])
    expect(added[1]!.raw.toString('latin1')).not.toContain('285037512301234')
  })

  it('retries a temporary failure with growing waits, then delivers; gives up after the bounded attempts', async () => {
    relay.failNext(2)
    waits.length = 0
    const sleep = (ms: number) => {
      waits.push(ms)
      return Promise.resolve()
    }
    const [retried] = await sendLetterByMssante(sampleLetter(), [ADRESSEUR], settings, { ...fast, sleep })
    expect(retried).toMatchObject({ status: 'sent', attempts: 3 })
    expect(waits).toEqual([100, 200])

    relay.failNext(10)
    const [failed] = await sendLetterByMssante(sampleLetter(), [ADRESSEUR], { ...settings, maxAttempts: 3 }, fast)
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 })
    expect(failed!.reason).toMatch(/^451/)
    relay.failNext(0)
  })

  it('is refused without the client certificate, and sends with the settings written for a workstation', async () => {
    const { cert: _cert, key: _key, ...noClientCert } = settings.tls
    void _cert
    void _key
    const [refused] = await sendLetterByMssante(sampleLetter(), [TRAITANT], { ...settings, maxAttempts: 1, tls: { ...noClientCert, cert: '', key: '' } }, fast)
    expect(refused).toMatchObject({ status: 'failed', attempts: 1 })
    expect(relay.messages.some((m) => m.clientCertificate === null)).toBe(false)

    // A certificate of another CA is refused too: the relay verifies the chain, not just its presence.
    const foreign = await startTrainingMailRelay({ pki: await generateTrainingPki([]) })
    try {
      const crossed = { ...settings, port: foreign.port, maxAttempts: 1, tls: { ...foreign.settings.tls, cert: settings.tls.cert, key: settings.tls.key } }
      const [rejected] = await sendLetterByMssante(sampleLetter(), [TRAITANT], crossed, fast)
      expect(rejected).toMatchObject({ status: 'failed', attempts: 1 })
      expect(foreign.messages).toHaveLength(0)
    } finally {
      await foreign.close()
    }

    // mssante.json in the training folder has the config file's own shape: a workstation reads it as its config.
    const file = MssanteConfigFile.parse(JSON.parse(readFileSync(path.join(dir, 'mssante.json'), 'utf8')))
    expect(existsSync(path.join(dir, file.clientKeyPath))).toBe(true)
    const fromFile = mssanteTransportSettings(resolveMssanteConfig(file, dir, (m) => new Error(m)))
    const [sent] = await sendLetterByMssante(sampleLetter(), [TRAITANT], fromFile, fast)
    expect(sent!.status).toBe('sent')
  })
})
