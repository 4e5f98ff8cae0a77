import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { commands, main, type CliIo } from '../../src-main/cli'
import { DiagnosticsReport } from '../../src-main/contract'
import { CHECK_ORDER } from '../../src-main/system/diagnostics'

let dir: string

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-cli-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), env }
  return { io, stdout: () => out.join('\n'), stderr: () => err.join('\n') }
}

/** A machine with everything optional present (module, Chromium) and a key from the environment. */
function goodEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const module = path.join(dir, 'libcps3_pkcs11_lux.so')
  const chromium = path.join(dir, 'chromium')
  writeFileSync(module, '')
  writeFileSync(chromium, '')
  return {
    CHEVET_DATA_DIR: path.join(dir, 'data'),
    CHEVET_DB_KEY: randomBytes(32).toString('hex'),
    CHEVET_PKCS11_MODULE: module,
    CHEVET_CHROMIUM: chromium,
    ...extra,
  }
}

function checkLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^(OK {3}|WARN |FAIL )/.test(line))
}

describe('chevet command line', () => {
  it.each([['help'], ['--help'], ['-h']])('prints the French usage for %s', async (flag) => {
    const { io, stdout } = capture()
    expect(await main([flag], io)).toBe(0)
    expect(stdout()).toContain('Usage : chevet <commande> [options]')
    expect(stdout()).toMatch(/^ {2}doctor \[--json\] +vérifie le poste/m)
  })

  it('prints the usage on stderr and exits 2 without a command', async () => {
    const { io, stdout, stderr } = capture()
    expect(await main([], io)).toBe(2)
    expect(stdout()).toBe('')
    expect(stderr()).toContain('Usage : chevet')
  })

  it('refuses an unknown command in French with exit code 2', async () => {
    const { io, stderr } = capture()
    expect(await main(['docteur'], io)).toBe(2)
    expect(stderr()).toBe('chevet : commande inconnue « docteur ». Tapez « chevet help » pour la liste des commandes.')
  })

  it('prints the help of one command', async () => {
    for (const argv of [['help', 'doctor'], ['doctor', '--help']]) {
      const { io, stdout } = capture()
      expect(await main(argv, io)).toBe(0)
      expect(stdout()).toContain('Usage : chevet doctor [--json]')
    }
    const { io } = capture()
    expect(await main(['help', 'nope'], io)).toBe(2)
  })

  it('dispatches commands of several words to the longest match, with the rest as arguments', async () => {
    const seen: string[][] = []
    const real = commands['audit verify']
    commands['audit verify'] = {
      synopsis: '<fichier>',
      summary: 'vérifie le journal',
      help: 'Usage : chevet audit verify <fichier>',
      run: async (args) => {
        seen.push(args)
        return 0
      },
    }
    try {
      const { io, stdout } = capture()
      expect(await main(['audit', 'verify', 'journal.db'], io)).toBe(0)
      expect(seen).toEqual([['journal.db']])
      expect(await main(['audit'], io)).toBe(2)
      expect(await main(['help'], io)).toBe(0)
      expect(stdout()).toContain('audit verify <fichier>')
    } finally {
      if (real) commands['audit verify'] = real
      else delete commands['audit verify']
    }
  })

  it('turns a crashing command into exit code 70 and one French line', async () => {
    commands['crash'] = { synopsis: '', summary: '', help: '', run: () => Promise.reject(new Error('boom')) }
    try {
      const { io, stderr } = capture()
      expect(await main(['crash'], io)).toBe(70)
      expect(stderr()).toBe('chevet crash : erreur inattendue — boom')
    } finally {
      delete commands['crash']
    }
  })
})

describe('chevet doctor', () => {
  let central: Server
  let centralUrl: string

  beforeAll(async () => {
    central = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' })
      res.end(JSON.stringify({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' }))
    })
    await new Promise<void>((resolve) => central.listen(0, '127.0.0.1', resolve))
    centralUrl = `http://127.0.0.1:${(central.address() as AddressInfo).port}/fhir`
  })
  afterAll(() => new Promise((resolve) => central.close(resolve)))

  it('prints one line per check and a summary, and exits 0 when nothing required fails', async () => {
    const env = goodEnv({ CHEVET_CENTRAL_URL: centralUrl })
    const { io, stdout, stderr } = capture(env)
    expect(await main(['doctor'], io)).toBe(0)
    const lines = checkLines(stdout())
    expect(lines).toHaveLength(6)
    expect(lines[1]).toBe("WARN Coffre de clés : clé fournie par CHEVET_DB_KEY, protégée seulement par l'environnement — env:CHEVET_DB_KEY")
    expect(lines[2]).toMatch(/^OK {3}Base chiffrée : ouverte — schéma v\d+, .*chevet\.db$/)
    expect(lines[3]).toBe(`OK   Modules PKCS#11 (carte CPS) : module trouvé — ${env.CHEVET_PKCS11_MODULE}`)
    expect(lines[4]).toBe(`OK   DPI central : joignable — ${centralUrl}/metadata — FHIR 4.0.1`)
    expect(lines[5]).toBe(`OK   Chromium : trouvé — ${env.CHEVET_CHROMIUM}`)
    expect(stdout().split('\n').at(-1)).toMatch(/^6 vérifications : \d OK, \d WARN, 0 FAIL — le poste peut fonctionner\.$/)

    // The key vault's warning once, on stderr; the key itself nowhere.
    const all = stdout() + stderr()
    expect(all.split('ATTENTION').length - 1).toBe(1)
    expect(stderr()).toContain('CHEVET_DB_KEY')
    expect(all.toLowerCase()).not.toContain(env.CHEVET_DB_KEY!.toLowerCase())
  })

  it('exits 1 when a required check fails: the central is unreachable', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const { io, stdout } = capture(goodEnv({ CHEVET_CENTRAL_URL: `http://127.0.0.1:${port}` }))
    expect(await main(['doctor'], io)).toBe(1)
    expect(checkLines(stdout())[4]).toBe(`FAIL DPI central : injoignable — http://127.0.0.1:${port}/metadata : ECONNREFUSED`)
    expect(stdout()).toMatch(/1 FAIL — 1 vérification\(s\) requise\(s\) en échec, le poste ne peut pas fonctionner\.$/)
  })

  it('exits 1 and says why when the database does not open with the key', async () => {
    const first = capture(goodEnv())
    expect(await main(['doctor'], first.io)).toBe(0)
    const { io, stdout } = capture(goodEnv({ CHEVET_DB_KEY: randomBytes(32).toString('hex') }))
    expect(await main(['doctor'], io)).toBe(1)
    expect(checkLines(stdout())[2]).toMatch(/^FAIL Base chiffrée : ne s'ouvre pas — La base chiffrée ne s'ouvre pas avec cette clé/)
  })

  it('prints the report as JSON with --json, and nothing else on stdout', async () => {
    const { io, stdout } = capture(goodEnv())
    expect(await main(['doctor', '--json'], io)).toBe(0)
    const report = DiagnosticsReport.parse(JSON.parse(stdout()))
    expect(report.checks.map((check) => check.id)).toEqual(CHECK_ORDER)
    expect(report.checks.find((check) => check.id === 'central')?.code).toBe('central.training')
  })

  it('exits 1 with the French configuration error and runs no check', async () => {
    const env = goodEnv({ CHEVET_CONFIG: path.join(dir, 'chevet.config.json') })
    writeFileSync(env.CHEVET_CONFIG!, JSON.stringify({ centralURL: 'https://dpi.example' }))
    const { io, stdout, stderr } = capture(env)
    expect(await main(['doctor'], io)).toBe(1)
    expect(stdout()).toBe('')
    expect(stderr()).toMatch(/^chevet doctor : Fichier de configuration invalide \(.*chevet\.config\.json\) : /)
  })

  it('refuses an unknown option with exit code 2', async () => {
    const { io, stderr } = capture(goodEnv())
    expect(await main(['doctor', '--jsn'], io)).toBe(2)
    expect(stderr()).toContain('Usage : chevet doctor [--json]')
  })
})
