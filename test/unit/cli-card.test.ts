import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main, type CliIo } from '../../src-main/cli'
import { HOLDERS, createTestCa, der, issueKey, type TestCa } from '../fixtures/cps-pki'

let dir: string
let trust: string
let ca: TestCa
let pemFile: string
let derFile: string
let expiredFile: string

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), env }
  return { io, stdout: () => out.join('\n'), stderr: () => err.join('\n') }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-cli-card-'))
  ca = await createTestCa()
  trust = path.join(dir, 'trust')
  mkdirSync(trust)
  writeFileSync(path.join(trust, 'racine.pem'), ca.root.certificate.toString('pem'))
  const medecin = await issueKey(ca.intermediate, HOLDERS.medecin, { usage: 'authentication' })
  const cpe = await issueKey(ca.intermediate, HOLDERS.cpe, { usage: 'authentication' })
  const expired = await issueKey(ca.intermediate, HOLDERS.pharmacien, {
    usage: 'authentication',
    notBefore: new Date('2024-02-01T00:00:00Z'),
    notAfter: new Date('2025-06-01T00:00:00Z'),
  })
  // A PEM bundle: the card certificate, then its issuer.
  pemFile = path.join(dir, 'medecin.pem')
  writeFileSync(pemFile, [medecin.certificate, ca.intermediate.certificate].map((c) => c.toString('pem')).join('\n'))
  derFile = path.join(dir, 'cpe.cer')
  writeFileSync(derFile, der(cpe.certificate))
  expiredFile = path.join(dir, 'expiree.pem')
  writeFileSync(expiredFile, [expired.certificate, ca.intermediate.certificate].map((c) => c.toString('pem')).join('\n'))
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('chevet card inspect-cert', () => {
  it('prints the identity of a PEM certificate as JSON, trusted through the bundle to the --trust root', async () => {
    const { io, stdout } = capture({ CHEVET_DATA_DIR: path.join(dir, 'data') })
    expect(await main(['card', 'inspect-cert', pemFile, '--trust', trust], io)).toBe(0)
    const report = JSON.parse(stdout()) as Record<string, unknown>
    expect(Object.keys(report).slice(0, 13)).toEqual([
      'idNat',
      'kind',
      'profession',
      'givenName',
      'surname',
      'organization',
      'upn',
      'issuer',
      'notBefore',
      'notAfter',
      'keyUsage',
      'trusted',
      'reason',
    ])
    expect(report).toMatchObject({
      idNat: HOLDERS.medecin.idNat,
      idNatType: 'RPPS',
      kind: 'CPS',
      profession: 'Médecin',
      givenName: 'JEANNE',
      surname: 'LEFEBVRE-ESSAI',
      organization: null,
      upn: `${HOLDERS.medecin.idNat}@formation.chevet.test`,
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2035-01-01T00:00:00.000Z',
      keyUsage: ['digitalSignature'],
      trusted: true,
      reason: null,
      trustAnchorsDir: trust,
    })
    expect(report.chain).toHaveLength(3)
  })

  it('reads a DER certificate (a CPE), and says why it is not trusted when its issuer is missing', async () => {
    const { io, stdout } = capture()
    expect(await main(['card', 'inspect-cert', derFile, '--trust', trust], io)).toBe(1)
    const report = JSON.parse(stdout()) as Record<string, unknown>
    expect(report).toMatchObject({
      idNat: HOLDERS.cpe.idNat,
      kind: 'CPE',
      organization: HOLDERS.cpe.organization,
      trusted: false,
      reasonCode: 'UNTRUSTED',
    })
    expect(report.reason).toMatch(/^le certificat n’est pas émis par une autorité de confiance reconnue par ce poste/)
  })

  it('says an expired certificate is not trusted, with the date in French', async () => {
    const { io, stdout } = capture()
    expect(await main(['card', 'inspect-cert', expiredFile, '--trust', trust], io)).toBe(1)
    expect(JSON.parse(stdout())).toMatchObject({ trusted: false, reasonCode: 'EXPIRED', reason: 'le certificat a expiré le 01/06/2025' })
  })

  it('uses trustAnchorsDir from the config file when --trust is not given', async () => {
    const data = path.join(dir, 'data-config')
    mkdirSync(data, { recursive: true })
    writeFileSync(path.join(data, 'chevet.config.json'), JSON.stringify({ trustAnchorsDir: trust }))
    const { io, stdout } = capture({ CHEVET_DATA_DIR: data })
    expect(await main(['card', 'inspect-cert', pemFile], io)).toBe(0)
    expect(JSON.parse(stdout())).toMatchObject({ trusted: true, trustAnchorsDir: trust })
  })

  it('refuses a missing file or a file that is not a certificate in French, and a missing argument with exit 2', async () => {
    const missing = capture()
    expect(await main(['card', 'inspect-cert', path.join(dir, 'absent.pem'), '--trust', trust], missing.io)).toBe(1)
    expect(missing.stderr()).toContain('fichier introuvable')
    const garbage = path.join(dir, 'texte.pem')
    writeFileSync(garbage, 'ceci n’est pas un certificat')
    const notCertificate = capture()
    expect(await main(['card', 'inspect-cert', garbage, '--trust', trust], notCertificate.io)).toBe(1)
    expect(notCertificate.stderr()).toContain('ce n’est pas un certificat DER ou PEM lisible')
    const usage = capture()
    expect(await main(['card', 'inspect-cert'], usage.io)).toBe(2)
    expect(usage.stderr()).toContain('Usage : chevet card inspect-cert FICHIER [--trust DOSSIER]')
  })
})

describe('chevet card list without a module', () => {
  it('says in French that no PKCS#11 module was found, and where it looked', async () => {
    const module = path.join(dir, 'absent', 'libcps3_pkcs11_lux.so')
    const { io, stderr } = capture({ CHEVET_DATA_DIR: path.join(dir, 'data'), CHEVET_PKCS11_MODULE: module })
    expect(await main(['card', 'list'], io)).toBe(1)
    expect(stderr()).toBe(
      `chevet card list : aucun module PKCS#11 trouvé (cherché : ${module}) : pas de lecteur de carte CPS sur ce poste`,
    )
  })

  it('is in the command list and has its own help', async () => {
    const help = capture()
    expect(await main(['help'], help.io)).toBe(0)
    expect(help.stdout()).toMatch(/^ {2}card list \[--json\] \[--module CHEMIN\] +liste les lecteurs PKCS#11/m)
    expect(help.stdout()).toMatch(/^ {2}card inspect-cert FICHIER \[--trust DOSSIER\] +affiche en JSON/m)
    const list = capture()
    expect(await main(['card', 'list', '--help'], list.io)).toBe(0)
    expect(list.stdout()).toContain('Usage : chevet card list [--json] [--module CHEMIN]')
    const wrong = capture()
    expect(await main(['card', 'list', '--jsonn'], wrong.io)).toBe(2)
  })
})
