import { X509Certificate as NodeCertificate, constants, verify } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CardError } from '../../src-main/auth/card'
import {
  createVirtualCardProvider,
  generateTrainingPki,
  loadOrCreateTrainingPki,
  loadTrainingPki,
  saveTrainingPki,
  x509,
  type TrainingPki,
  type TrainingStaff,
  type VirtualCardRecord,
} from '../../src-main/training/pki'

import { doctor, secretary } from '../fixtures/training-staff'

const pin = (text: string) => new TextEncoder().encode(text)
const tempDirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-pki-'))
  tempDirs.push(dir)
  return dir
}

/** A fresh copy of the cards, so each test starts with full try counters and nothing removed. */
function freshPki(): TrainingPki {
  return { ...pki, cards: pki.cards.map((card) => ({ ...card })), dir: undefined }
}

async function cardError(promise: Promise<unknown>): Promise<CardError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CardError)
  return error as CardError
}

let pki: TrainingPki
let doctorCard: VirtualCardRecord
let secretaryCard: VirtualCardRecord

beforeAll(async () => {
  pki = await generateTrainingPki([doctor, secretary])
  doctorCard = pki.cards.find((card) => card.key === doctor.key) as VirtualCardRecord
  secretaryCard = pki.cards.find((card) => card.key === secretary.key) as VirtualCardRecord
})

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

describe('training CA and staff certificates', () => {
  it('names the CA like the IGC-Santé test chain', () => {
    const root = pki.root.certificate
    expect(root.subjectName.getField('2.5.4.3')).toEqual(['TEST AC RACINE IGC-SANTE FORMATION CHEVET'])
    expect(root.subjectName.getField('2.5.4.10')).toEqual(['ASIP-SANTE'])
    expect(root.subjectName.getField('2.5.4.11')).toEqual(['IGC-SANTE TEST'])
    expect(root.subjectName.getField('2.5.4.6')).toEqual(['FR'])
    expect(pki.intermediate.certificate.subjectName.getField('2.5.4.3')).toEqual([
      'TEST AC IGC-SANTE FORMATION CHEVET PERSONNES',
    ])
    expect(root.notBefore.toISOString()).toBe('2024-01-01T00:00:00.000Z')
    expect(root.notAfter.getTime()).toBeGreaterThan(Date.now() + 10 * 365 * 86_400_000)
  })

  it('issues a chain that OpenSSL (node:crypto) verifies, leaf → intermediate → root', () => {
    const [leafDer, intermediateDer] = doctorCard.authentication.chain
    const leaf = new NodeCertificate(Buffer.from(leafDer as Uint8Array))
    const intermediate = new NodeCertificate(Buffer.from(intermediateDer as Uint8Array))
    const root = new NodeCertificate(Buffer.from(pki.root.certificate.rawData))
    expect(leaf.checkIssued(intermediate)).toBe(true)
    expect(leaf.verify(intermediate.publicKey)).toBe(true)
    expect(intermediate.verify(root.publicKey)).toBe(true)
    expect(intermediate.ca).toBe(true)
    expect(leaf.ca).toBe(false)
  })

  it('puts the CPS holder in the subject as DOMAIN.md §1.2 shows, with a UPN', () => {
    const leaf = new x509.X509Certificate(doctorCard.authentication.chain[0] as Uint8Array)
    expect(leaf.subjectName.getField('2.5.4.3')).toEqual(['810001234567'])
    expect(leaf.subjectName.getField('2.5.4.4')).toEqual(['DURAND'])
    expect(leaf.subjectName.getField('2.5.4.42')).toEqual(['Hélène'])
    expect(leaf.subjectName.getField('2.5.4.12')).toEqual(['Médecin'])
    expect(leaf.subjectName.getField('2.5.4.6')).toEqual(['FR'])
    expect(leaf.subjectName.getField('2.5.4.10')).toEqual([])
    // CN, SN and GN share one multi-valued RDN, as in CN=…+SN=…+GN=…
    expect(new NodeCertificate(Buffer.from(leaf.rawData)).subject).toContain('CN=810001234567 + SN=DURAND + GN=Hélène')
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension)
    expect(san?.names.toJSON()).toEqual([{ type: 'upn', value: '810001234567@formation.chevet.test' }])
    expect(leaf.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature)
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.clientAuth])
  })

  it('gives a CPE its establishment and a signature certificate for non-repudiation', () => {
    const auth = new x509.X509Certificate(secretaryCard.authentication.chain[0] as Uint8Array)
    expect(auth.subjectName.getField('2.5.4.3')).toEqual(['3750000001/SEC01'])
    expect(auth.subjectName.getField('2.5.4.10')).toEqual(['Centre hospitalier de formation Chevet'])
    const signature = new x509.X509Certificate(secretaryCard.signature.chain[0] as Uint8Array)
    expect(signature.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.nonRepudiation)
    expect(Buffer.from(signature.publicKey.rawData).equals(Buffer.from(auth.publicKey.rawData))).toBe(false)
  })

  it('refuses staff whose idNat does not fit the card kind, or whose PIN is not digits', async () => {
    await expect(generateTrainingPki([{ ...secretary, idNat: '810001234567' }])).rejects.toThrow(/CPE idNat/)
    await expect(generateTrainingPki([{ ...doctor, idNat: '3750000001/X' }])).rejects.toThrow(/CPS idNat/)
    await expect(generateTrainingPki([{ ...doctor, pin: 'abcd' }])).rejects.toThrow(/PIN/)
    await expect(generateTrainingPki([{ ...secretary, organization: undefined }])).rejects.toThrow(/organization/)
  })
})

describe('virtual card provider', () => {
  it('lists the cards with holder, label and PIN state, before any PIN', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    const cards = await provider.list()
    expect(cards).toHaveLength(2)
    expect(cards.find((card) => card.slotId === doctorCard.slotId)).toEqual({
      slotId: doctorCard.slotId,
      kind: 'virtual',
      label: 'CPS virtuelle de formation — Médecin',
      holder: 'Hélène DURAND',
      pinState: 'ok',
    })
  })

  it('opens a session with the right PIN and zeroes the PIN buffer', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    const typed = pin('1234')
    const session = await provider.login(doctorCard.slotId, typed)
    expect([...typed]).toEqual([0, 0, 0, 0])
    const [leaf] = await session.certificateChain()
    expect(new x509.X509Certificate(leaf as Uint8Array).subjectName.getField('2.5.4.3')).toEqual(['810001234567'])
  })

  it('counts wrong PINs down in French, and a right PIN restores the counter', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    const typed = pin('0000')
    const first = await cardError(provider.login(doctorCard.slotId, typed))
    expect([...typed]).toEqual([0, 0, 0, 0])
    expect(first.code).toBe('PIN_INCORRECT')
    expect(first.triesLeft).toBe(2)
    expect(first.message).toBe('Code porteur incorrect — il reste 2 essais')
    expect((await provider.list()).find((c) => c.slotId === doctorCard.slotId)?.pinState).toBe('countLow')

    const second = await cardError(provider.login(doctorCard.slotId, pin('9999')))
    expect(second.triesLeft).toBe(1)
    expect(second.message).toMatch(/il reste 1 essai/)
    expect((await provider.list()).find((c) => c.slotId === doctorCard.slotId)?.pinState).toBe('finalTry')

    await provider.login(doctorCard.slotId, pin('1234'))
    expect((await provider.list()).find((c) => c.slotId === doctorCard.slotId)?.pinState).toBe('ok')
    expect((await cardError(provider.login(doctorCard.slotId, pin('0000')))).triesLeft).toBe(2)
  })

  it('blocks the card at the third wrong PIN, and then refuses even the right one', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    await cardError(provider.login(doctorCard.slotId, pin('0000')))
    await cardError(provider.login(doctorCard.slotId, pin('0000')))
    const third = await cardError(provider.login(doctorCard.slotId, pin('0000')))
    expect(third.code).toBe('PIN_LOCKED')
    expect(third.message).toMatch(/^Carte bloquée : le code porteur a été saisi trop de fois\. Débloquez-la avec le code de déblocage \(PUK\)/)
    const typed = pin('1234')
    expect((await cardError(provider.login(doctorCard.slotId, typed))).code).toBe('PIN_LOCKED')
    expect([...typed]).toEqual([0, 0, 0, 0])
    expect((await provider.list()).find((c) => c.slotId === doctorCard.slotId)?.pinState).toBe('locked')
    // The other card is not affected.
    await expect(provider.login(secretaryCard.slotId, pin('5678'))).resolves.toBeDefined()
  })

  it('does not let parallel attempts overrun the try counter', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    const errors = await Promise.all(Array.from({ length: 5 }, () => cardError(provider.login(doctorCard.slotId, pin('0000')))))
    expect(errors.map((e) => e.code).sort()).toEqual(['PIN_INCORRECT', 'PIN_INCORRECT', 'PIN_LOCKED', 'PIN_LOCKED', 'PIN_LOCKED'])
  })

  it('signs RS256 and PS256 with the authentication key, and documents with the signature key', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    const session = await provider.login(doctorCard.slotId, pin('1234'))
    const data = new TextEncoder().encode('header.payload')
    const [leaf] = await session.certificateChain()
    const authKey = new NodeCertificate(Buffer.from(leaf as Uint8Array)).publicKey

    const rs = await session.sign(data, 'RS256')
    expect(verify('sha256', data, { key: authKey, padding: constants.RSA_PKCS1_PADDING }, rs)).toBe(true)
    const ps = await session.sign(data, 'PS256')
    expect(verify('sha256', data, { key: authKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, ps)).toBe(true)
    // PKCS#1 v1.5 is deterministic, PSS is salted: the two must not be the same scheme.
    expect(verify('sha256', data, { key: authKey, padding: constants.RSA_PKCS1_PADDING }, ps)).toBe(false)

    const [signatureLeaf] = (await session.signatureCertificateChain?.()) ?? []
    const signatureKey = new NodeCertificate(Buffer.from(signatureLeaf as Uint8Array)).publicKey
    const documentSignature = (await session.signWithSignatureKey?.(data, 'RS256')) as Uint8Array
    expect(verify('sha256', data, signatureKey, documentSignature)).toBe(true)
    expect(verify('sha256', data, authKey, documentSignature)).toBe(false)
  })

  it('loses the session when the card is removed, even after it is put back', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: true })
    const session = await provider.login(doctorCard.slotId, pin('1234'))
    provider.removeCard(doctorCard.slotId)

    const signError = await cardError(session.sign(new Uint8Array([1]), 'RS256'))
    expect(signError.code).toBe('CARD_ABSENT')
    expect(signError.message).toMatch(/^Carte retirée/)
    expect((await cardError(provider.login(doctorCard.slotId, pin('1234')))).code).toBe('CARD_ABSENT')
    expect((await provider.list()).map((card) => card.slotId)).toEqual([secretaryCard.slotId])

    provider.insertCard(doctorCard.slotId)
    expect((await cardError(session.certificateChain())).code).toBe('CARD_ABSENT')
    const again = await provider.login(doctorCard.slotId, pin('1234'))
    await expect(again.sign(new Uint8Array([1]), 'RS256')).resolves.toHaveLength(256)
    await again.close()
    expect((await cardError(again.sign(new Uint8Array([1]), 'RS256'))).code).toBe('CARD_ABSENT')
  })

  it('refuses every card when a real central is configured', async () => {
    const provider = createVirtualCardProvider({ pki: freshPki(), allowed: false })
    expect(await provider.list()).toEqual([])
    const typed = pin('1234')
    const error = await cardError(provider.login(doctorCard.slotId, typed))
    expect(error.code).toBe('CARD_REFUSED')
    expect(error.message).toMatch(/^Carte virtuelle refusée/)
    expect([...typed]).toEqual([0, 0, 0, 0])
  })
})

describe('training PKI on disk', () => {
  it('round-trips through a folder with private files, and writes PIN counters back', async () => {
    const dir = tempDir()
    await saveTrainingPki(dir, freshPki())

    const files = [
      'ca.pem',
      'ca-intermediate.pem',
      'ca-keys.json',
      ...readdirSync(path.join(dir, 'cards')).map((name) => path.join('cards', name)),
    ]
    expect(files).toContain(path.join('cards', 'dr-durand.json'))
    for (const file of files) expect(statSync(path.join(dir, file)).mode & 0o777, file).toBe(0o600)
    expect(readFileSync(path.join(dir, 'ca.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/)
    const stored = JSON.parse(readFileSync(path.join(dir, 'cards', 'dr-durand.json'), 'utf8'))
    expect(stored).toMatchObject({ label: 'CPS virtuelle de formation — Médecin', holder: 'Hélène DURAND', pinTriesLeft: 3 })
    expect(Object.keys(stored.pin).sort()).toEqual(['N', 'algorithm', 'hash', 'p', 'r', 'salt'])
    expect(stored.authentication.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/)

    const loaded = await loadTrainingPki(dir)
    expect(Buffer.from(loaded.root.certificate.rawData).equals(Buffer.from(pki.root.certificate.rawData))).toBe(true)
    expect(loaded.cards.map((card) => card.key)).toEqual(['dr-durand', 'sec-leroy'])
    expect(loaded.cards[0]?.authentication.chain).toEqual(doctorCard.authentication.chain)

    const provider = createVirtualCardProvider({ pki: loaded, allowed: true })
    await cardError(provider.login(doctorCard.slotId, pin('0000')))
    expect(JSON.parse(readFileSync(path.join(dir, 'cards', 'dr-durand.json'), 'utf8')).pinTriesLeft).toBe(2)
    expect(statSync(path.join(dir, 'cards', 'dr-durand.json')).mode & 0o777).toBe(0o600)

    // Another process (the workstation) sees the counter, and its session signs with the stored key.
    const other = createVirtualCardProvider({ pki: await loadTrainingPki(dir), allowed: true })
    expect((await other.list()).find((card) => card.slotId === doctorCard.slotId)?.pinState).toBe('countLow')
    const session = await other.login(doctorCard.slotId, pin('1234'))
    const data = new Uint8Array([1, 2, 3])
    const key = new NodeCertificate(Buffer.from(doctorCard.authentication.chain[0] as Uint8Array)).publicKey
    expect(verify('sha256', data, key, await session.sign(data, 'RS256'))).toBe(true)
    expect(JSON.parse(readFileSync(path.join(dir, 'cards', 'dr-durand.json'), 'utf8')).pinTriesLeft).toBe(3)
  })

  it('keeps the CA of an existing folder and issues cards only for new staff', async () => {
    const dir = tempDir()
    await saveTrainingPki(dir, freshPki())
    const nurse: TrainingStaff = { ...doctor, key: 'ide-martin', idNat: '810009876543', givenName: 'Éric', familyName: 'MARTIN', profession: 'Infirmier' }
    const again = await loadOrCreateTrainingPki(dir, [doctor, secretary, nurse])
    expect(Buffer.from(again.root.certificate.rawData).equals(Buffer.from(pki.root.certificate.rawData))).toBe(true)
    expect(again.cards.map((card) => card.key).sort()).toEqual(['dr-durand', 'ide-martin', 'sec-leroy'])
    const nurseLeaf = new NodeCertificate(Buffer.from(again.cards.find((c) => c.key === 'ide-martin')?.authentication.chain[0] as Uint8Array))
    expect(nurseLeaf.verify(new NodeCertificate(Buffer.from(pki.intermediate.certificate.rawData)).publicKey)).toBe(true)
    expect((await loadTrainingPki(dir)).cards).toHaveLength(3)
  })
})
