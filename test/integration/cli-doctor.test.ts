import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DiagnosticsReport } from '../../src-main/contract'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const launcher = path.join(root, 'bin', 'chevet.mjs')

/** What the Electron line must say on this machine: the runtime is there when electron's path.txt is. */
function electronInstalled(): boolean {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
    return existsSync(path.join(dir, 'path.txt'))
  } catch {
    return false
  }
}

let dir: string

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-cli-int-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the real launcher from a directory that is not the repository, with only our CHEVET_* variables. */
function chevet(
  args: string[],
  env: NodeJS.ProcessEnv,
  how: { command: string; cwd: string } | null = null,
): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHEVET_')))
  const [command, argv, cwd] = how ? [how.command, args, how.cwd] : [process.execPath, [launcher, ...args], dir]
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env: { ...clean, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('chevet doctor, run as a command', () => {
  it('is an executable launcher', () => {
    expect(statSync(launcher).mode & 0o111).not.toBe(0)
  })

  it('runs as `npx chevet` from the repository', async () => {
    const run = await chevet(['--no', 'chevet', 'help'], {}, { command: 'npx', cwd: root })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('Usage : chevet <commande> [options]')
  })

  // Electron's runtime cannot be downloaded on the test machines, so its line is a WARN there.
  it('prints the six checks with the database schema version and exits 0', async () => {
    const dataDir = path.join(dir, 'data')
    const key = randomBytes(32).toString('hex')
    const run = await chevet(['doctor'], { CHEVET_DATA_DIR: dataDir, CHEVET_DB_KEY: key })
    expect(run.stderr).not.toContain('Error')
    expect(run.code).toBe(0)

    const lines = run.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(7)
    const [electron, keyVault, database, pkcs11, central, chromium, summary] = lines
    const electronStatus = electronInstalled() ? /^OK {3}Environnement Electron : / : /^WARN Environnement Electron : /
    expect(electron).toMatch(electronStatus)
    expect(keyVault).toMatch(/^WARN Coffre de clés : .*CHEVET_DB_KEY/)
    expect(database).toMatch(/^OK {3}Base chiffrée : ouverte — schéma v[1-9]\d*, /)
    expect(database).toContain(path.join(dataDir, 'chevet.db'))
    expect(pkcs11).toMatch(/^(OK {3}|WARN )Modules PKCS#11 \(carte CPS\) : /)
    expect(central).toBe('OK   DPI central : environnement de formation (DPI intégré)')
    expect(chromium).toMatch(/^(OK {3}|WARN )Chromium : /)
    expect(summary).toMatch(/^6 vérifications : \d OK, \d WARN, 0 FAIL — le poste peut fonctionner\.$/)
    expect(existsSync(path.join(dataDir, 'chevet.db'))).toBe(true)

    expect((run.stdout + run.stderr).toLowerCase()).not.toContain(key)
    expect(run.stderr.split('ATTENTION').length - 1).toBe(1)
  })

  it('prints a parsable JSON report with --json', async () => {
    const run = await chevet(['doctor', '--json'], {
      CHEVET_DATA_DIR: path.join(dir, 'data'),
      CHEVET_DB_KEY: randomBytes(32).toString('hex'),
    })
    expect(run.code).toBe(0)
    const report = DiagnosticsReport.parse(JSON.parse(run.stdout))
    expect(report.checks).toHaveLength(6)
    expect(report.checks.find((check) => check.id === 'database')).toMatchObject({ status: 'ok', code: 'database.ok' })
  })

  it('exits 1 with the French error for a config file with an unknown key', async () => {
    const dataDir = path.join(dir, 'data')
    const run0 = await chevet(['doctor'], { CHEVET_DATA_DIR: dataDir, CHEVET_DB_KEY: randomBytes(32).toString('hex') })
    expect(run0.code).toBe(0)
    const config = { centralUrl: 'https://dpi.example/fhir', proxy: 'http://proxy.example' }
    writeFileSync(path.join(dataDir, 'chevet.config.json'), JSON.stringify(config))
    const run = await chevet(['doctor'], { CHEVET_DATA_DIR: dataDir, CHEVET_DB_KEY: randomBytes(32).toString('hex') })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`Fichier de configuration invalide (${path.join(dataDir, 'chevet.config.json')})`)
  })

  it('exits 2 with a French message for an unknown subcommand', async () => {
    const run = await chevet(['docteur'], { CHEVET_DATA_DIR: path.join(dir, 'data') })
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe('chevet : commande inconnue « docteur ». Tapez « chevet help » pour la liste des commandes.')
  })
})
