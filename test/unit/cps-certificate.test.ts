import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  describeCertificate,
  describeIdNat,
  parseCertificates,
  validateCertificate,
} from '../../src-main/auth/cps-certificate'
import { holderKind } from '../../src-main/auth/assertion'
import { loadTrustAnchors } from '../../src-main/auth/trust-anchors'
import { x509 } from '../../src-main/auth/x509'
import { importCaSigningKey, INTERMEDIATE_COMMON_NAME, type CertificateAuthority } from '../../src-main/training/pki/ca'
import { HOLDERS, createTestCa, der, issueKey, issueWithSubject, rpps, serialNumberSubject, type IssuedKey, type TestCa } from '../fixtures/cps-pki'

let ca: TestCa
let other: TestCa
let medecin: IssuedKey
let dir: string

beforeAll(async () => {
  ;[ca, other] = await Promise.all([createTestCa(), createTestCa()])
  medecin = await issueKey(ca.intermediate, HOLDERS.medecin, { usage: 'authentication' })
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-cps-cert-'))
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

const NOW = new Date('2026-11-15T10:00:00Z')

describe('CPS/CPE certificate identity', () => {
  it('reads a CPS médecin authentication certificate: RPPS idNat, names, profession, UPN, usages', () => {
    const info = describeCertificate(medecin.certificate)
    expect(info).toMatchObject({
      idNat: HOLDERS.medecin.idNat,
      idNatType: 'RPPS',
      nationalId: HOLDERS.medecin.idNat.slice(1),
      localId: null,
      rppsKeyValid: true,
      kind: 'CPS',
      profession: 'Médecin',
      givenName: 'JEANNE',
      surname: 'LEFEBVRE-ESSAI',
      organization: null,
      upn: `${HOLDERS.medecin.idNat}@formation.chevet.test`,
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['clientAuth'],
      usage: 'authentication',
    })
    expect(info.issuer).toContain(INTERMEDIATE_COMMON_NAME)
    expect(info.notBefore.toISOString()).toBe('2025-01-01T00:00:00.000Z')
    expect(info.notAfter.toISOString()).toBe('2035-01-01T00:00:00.000Z')
  })

  it('reads a CPS pharmacien signature certificate as a signature (nonRepudiation) certificate', async () => {
    const { certificate } = await issueKey(ca.intermediate, HOLDERS.pharmacien, { usage: 'signature' })
    expect(describeCertificate(certificate)).toMatchObject({
      idNat: HOLDERS.pharmacien.idNat,
      kind: 'CPS',
      profession: 'Pharmacien',
      givenName: 'PAUL',
      surname: 'GARNIER-ESSAI',
      keyUsage: ['nonRepudiation'],
      extendedKeyUsage: [],
      usage: 'signature',
    })
  })

  it('reads the pharmacien subject form SN=<serial>+CN=<idNat>+GN=<given name> without taking the serial for a surname', async () => {
    const idNat = `8${rpps('9970007512')}`
    const { certificate } = await issueWithSubject(ca.intermediate, serialNumberSubject(idNat, 'PHARMACH0007512', 'CAROLINE', 'Pharmacien'), {
      keyUsages: x509.KeyUsageFlags.digitalSignature,
    })
    expect(describeCertificate(certificate)).toMatchObject({
      idNat,
      idNatType: 'RPPS',
      kind: 'CPS',
      givenName: 'CAROLINE',
      surname: null,
      subjectSerialNumber: 'PHARMACH0007512',
      profession: 'Pharmacien',
      upn: null,
    })
  })

  it('reads a CPE (establishment staff): FINESS-based idNat with its local part, and the establishment in O', async () => {
    const { certificate } = await issueKey(ca.intermediate, HOLDERS.cpe, { usage: 'authentication' })
    expect(describeCertificate(certificate)).toMatchObject({
      idNat: '3750100018/SEC0042',
      idNatType: 'FINESS',
      nationalId: '750100018',
      localId: 'SEC0042',
      rppsKeyValid: null,
      kind: 'CPE',
      profession: 'Secrétaire médicale',
      givenName: 'CLAIRE',
      surname: 'ROUSSEL-ESSAI',
      organization: 'CENTRE HOSPITALIER D’ESSAI',
    })
  })

  it.each([
    ['0751234567', 'ADELI', 'CPS', '751234567', null],
    ['1751234567', 'ADELI_CABINET', 'CPE', '751234567', null],
    ['3750100018/ACC01', 'FINESS', 'CPE', '750100018', 'ACC01'],
    ['4123456789/X1', 'SIREN', 'CPE', '123456789', 'X1'],
    ['512345678900012/X2', 'SIRET', 'CPE', '12345678900012', 'X2'],
    ['610004123456/Y', 'RPPS_CABINET', 'CPE', '10004123456', 'Y'],
  ])('tells what idNat %s is from its prefix', (idNat, type, kind, nationalId, localId) => {
    expect(describeIdNat(idNat)).toMatchObject({ idNatType: type, nationalId, localId })
    expect(holderKind(idNat)).toBe(kind)
  })

  it('flags an RPPS whose Luhn key is wrong, and an unknown prefix', () => {
    const good = rpps('1000412345')
    const bad = good.slice(0, 10) + String((Number(good[10]) + 1) % 10)
    expect(describeIdNat(`8${good}`).rppsKeyValid).toBe(true)
    expect(describeIdNat(`8${bad}`).rppsKeyValid).toBe(false)
    expect(describeIdNat('9123')).toEqual({ idNatType: null, nationalId: null, localId: null, rppsKeyValid: null })
  })

  it('describes a certificate without CN instead of failing', async () => {
    const name = new x509.Name([{ '2.5.4.6': [{ printableString: 'FR' }] }, { '2.5.4.10': [{ utf8String: 'SANS CN' }] }])
    const { certificate } = await issueWithSubject(ca.intermediate, name, { keyUsages: x509.KeyUsageFlags.keyEncipherment })
    expect(describeCertificate(certificate)).toMatchObject({ idNat: null, kind: 'unknown', organization: null, usage: 'other' })
  })
})

describe('reading certificate files', () => {
  it('reads DER, one PEM, and every certificate of a PEM bundle in order', () => {
    expect(parseCertificates(der(medecin.certificate))[0]?.serialNumber).toBe(medecin.certificate.serialNumber)
    const bundle = [medecin.certificate, ca.intermediate.certificate].map((c) => c.toString('pem')).join('\n')
    expect(parseCertificates(bundle).map((c) => c.subject)).toEqual([medecin.certificate.subject, ca.intermediate.certificate.subject])
    expect(parseCertificates(new TextEncoder().encode(bundle))).toHaveLength(2)
    expect(() => parseCertificates(new TextEncoder().encode('bonjour'))).toThrow()
    expect(() => parseCertificates('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toThrow()
  })

  it('loads trust anchors from PEM and DER files, ignores other files and says which could not be read', async () => {
    const trust = path.join(dir, 'trust')
    rmSync(trust, { recursive: true, force: true })
    mkdirSync(trust)
    writeFileSync(path.join(trust, 'racine.pem'), ca.root.certificate.toString('pem'))
    writeFileSync(path.join(trust, 'intermediaire.der'), der(ca.intermediate.certificate))
    writeFileSync(path.join(trust, 'README.md'), '# racines')
    writeFileSync(path.join(trust, 'abime.crt'), 'pas un certificat')
    const loaded = await loadTrustAnchors([trust, path.join(dir, 'absent')])
    expect(loaded.anchors.map((c) => c.subject).sort()).toEqual([ca.intermediate.certificate.subject, ca.root.certificate.subject].sort())
    expect(loaded.problems).toEqual([
      `fichier ignoré (pas un certificat PEM ou DER) : ${path.join(trust, 'abime.crt')}`,
      `dossier des autorités de confiance illisible : ${path.join(dir, 'absent')}`,
    ])
  })
})

describe('trust in a card certificate', () => {
  const anchors = () => [ca.root.certificate]

  it('trusts a certificate that chains through its intermediate to the anchor, within its dates', async () => {
    const verdict = await validateCertificate(medecin.certificate, {
      pool: [ca.intermediate.certificate],
      anchors: anchors(),
      now: NOW,
      usage: 'authentication',
    })
    expect(verdict).toMatchObject({ trusted: true, code: null, reason: null })
    expect(verdict.chain.map((c) => c.subject)).toEqual([
      medecin.certificate.subject,
      ca.intermediate.certificate.subject,
      ca.root.certificate.subject,
    ])
  })

  it('refuses an expired certificate, saying when it expired', async () => {
    const expired = await issueKey(ca.intermediate, HOLDERS.medecin, {
      usage: 'authentication',
      notBefore: new Date('2024-02-01T00:00:00Z'),
      notAfter: new Date('2025-06-01T00:00:00Z'),
    })
    const verdict = await validateCertificate(expired.certificate, { pool: [ca.intermediate.certificate], anchors: anchors(), now: NOW })
    expect(verdict).toMatchObject({ trusted: false, code: 'EXPIRED', reason: 'le certificat a expiré le 01/06/2025' })
  })

  it('refuses a certificate not valid yet', async () => {
    const verdict = await validateCertificate(medecin.certificate, {
      pool: [ca.intermediate.certificate],
      anchors: anchors(),
      now: new Date('2024-06-01T00:00:00Z'),
    })
    expect(verdict).toMatchObject({ code: 'NOT_YET_VALID', reason: 'le certificat n’est valable qu’à partir du 01/01/2025' })
  })

  it('refuses a chain whose intermediate has expired, naming that authority', async () => {
    const verdict = await validateCertificate(medecin.certificate, {
      pool: [ca.intermediate.certificate],
      anchors: anchors(),
      now: new Date('2041-06-01T00:00:00Z'),
    })
    expect(verdict.code).toBe('EXPIRED')
    // The card certificate (2035) fails first: the verdict names the first expired certificate of the chain.
    expect(verdict.reason).toBe('le certificat a expiré le 01/01/2035')
    const longLived = await issueKey(ca.intermediate, HOLDERS.medecin, { usage: 'authentication', notAfter: new Date('2043-01-01T00:00:00Z') })
    const chainVerdict = await validateCertificate(longLived.certificate, {
      pool: [ca.intermediate.certificate],
      anchors: anchors(),
      now: new Date('2041-06-01T00:00:00Z'),
    })
    expect(chainVerdict).toMatchObject({
      code: 'EXPIRED',
      reason: `le certificat de l’autorité « ${INTERMEDIATE_COMMON_NAME} » a expiré le 01/01/2040`,
    })
  })

  it('refuses a chain from another CA bearing the same names (untrusted), with or without its intermediate', async () => {
    const stranger = await issueKey(other.intermediate, HOLDERS.medecin, { usage: 'authentication' })
    for (const pool of [[other.intermediate.certificate], []]) {
      const verdict = await validateCertificate(stranger.certificate, { pool, anchors: anchors(), now: NOW })
      expect(verdict.trusted).toBe(false)
      expect(verdict.code).toBe('UNTRUSTED')
      expect(verdict.reason).toMatch(/^le certificat n’est pas émis par une autorité de confiance reconnue par ce poste/)
    }
  })

  it('refuses anything when no anchor is installed', async () => {
    const verdict = await validateCertificate(medecin.certificate, { pool: [ca.intermediate.certificate], anchors: [], now: NOW })
    expect(verdict).toMatchObject({ trusted: false, code: 'NO_ANCHORS' })
  })

  it('refuses the wrong key usage: a signature certificate to sign in, an authentication one to sign', async () => {
    const signature = await issueKey(ca.intermediate, HOLDERS.medecin, { usage: 'signature' })
    const asAuth = await validateCertificate(signature.certificate, {
      pool: [ca.intermediate.certificate],
      anchors: anchors(),
      now: NOW,
      usage: 'authentication',
    })
    expect(asAuth).toMatchObject({
      code: 'WRONG_USAGE',
      reason: 'le certificat lu n’est pas un certificat d’authentification (usages de la clé : nonRepudiation)',
    })
    const asSignature = await validateCertificate(medecin.certificate, {
      pool: [ca.intermediate.certificate],
      anchors: anchors(),
      now: NOW,
      usage: 'signature',
    })
    expect(asSignature.code).toBe('WRONG_USAGE')
    const both = await issueKey(ca.intermediate, HOLDERS.medecin, {
      usage: 'authentication',
      keyUsages: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
    })
    const mixed = await validateCertificate(both.certificate, { pool: [ca.intermediate.certificate], anchors: anchors(), now: NOW, usage: 'authentication' })
    expect(mixed.code).toBe('WRONG_USAGE')
  })

  it('refuses a chain through a certificate that is not a CA', async () => {
    const notCa: CertificateAuthority = {
      certificate: medecin.certificate,
      privateKey: medecin.keys.privateKey,
      signingKey: await importCaSigningKey(medecin.keys.privateKey),
    }
    const forged = await issueKey(notCa, HOLDERS.pharmacien, { usage: 'authentication' })
    const verdict = await validateCertificate(forged.certificate, {
      pool: [medecin.certificate, ca.intermediate.certificate],
      anchors: anchors(),
      now: NOW,
    })
    expect(verdict).toMatchObject({ code: 'ISSUER_NOT_CA', reason: `« ${HOLDERS.medecin.idNat} » n’est pas une autorité de certification` })
  })
})
