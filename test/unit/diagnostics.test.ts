import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig, type ChevetConfig } from '../../src-main/config'
import { DiagnosticsReport } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { openStore, type Store } from '../../src-main/store'
import { chooseNodeKeyVault, envKeyVault, fileKeyVault, type KeyVault } from '../../src-main/store/key-vault'
import { OUTCOME_CODES } from '../../src-main/system/checks'
import {
  CHECK_ORDER,
  checkDatabase,
  checkKeyVault,
  createDiagnostics,
  type DiagnosticsDeps,
} from '../../src-main/system/diagnostics'

let dir: string
let stores: Store[]

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-diag-'))
  stores = []
})
afterEach(() => {
  for (const store of stores) store.close()
  rmSync(dir, { recursive: true, force: true })
})

function configFor(env: NodeJS.ProcessEnv = {}): ChevetConfig {
  return loadConfig({ CHEVET_DATA_DIR: dir, CHEVET_PKCS11_MODULE: path.join(dir, 'no-module.so'), ...env })
}

function open(keyVault: KeyVault): Store {
  const store = openStore({ file: path.join(dir, 'chevet.db'), key: keyVault.loadOrCreateKey() })
  stores.push(store)
  return store
}

function deps(overrides: Partial<DiagnosticsDeps> = {}): DiagnosticsDeps {
  const config = overrides.config ?? configFor()
  const keyVault = overrides.keyVault ?? chooseNodeKeyVault(config)
  return {
    config,
    keyVault,
    store: 'store' in overrides ? (overrides.store ?? null) : open(keyVault),
    log: createMemoryLogger(),
    probe: { chromiumCandidates: [], electron: { versions: process.versions, electronDir: () => null } },
    ...overrides,
  }
}

describe('key vault check', () => {
  it('trusts safeStorage', () => {
    const vault: KeyVault = {
      backend: 'safeStorage:gnome_libsecret',
      warning: null,
      loadOrCreateKey: () => randomBytes(32),
    }
    expect(checkKeyVault(vault, dir)).toEqual({
      id: 'keyVault',
      status: 'ok',
      required: true,
      code: 'keyVault.safeStorage',
      detail: 'safeStorage:gnome_libsecret',
    })
  })

  it('warns about the key file, naming it', () => {
    expect(checkKeyVault(fileKeyVault(dir), dir)).toEqual({
      id: 'keyVault',
      status: 'warn',
      required: true,
      code: 'keyVault.file',
      detail: `file : ${path.join(dir, 'chevet.key')}`,
    })
  })

  it('warns about a key from the environment without showing it', () => {
    const hex = randomBytes(32).toString('hex')
    const result = checkKeyVault(envKeyVault(hex), dir)
    expect(result).toMatchObject({ status: 'warn', code: 'keyVault.env', detail: 'env:CHEVET_DB_KEY' })
    expect(JSON.stringify(result)).not.toContain(hex)
  })

  it('fails, required, when the vault refused to give a key', () => {
    const result = checkKeyVault(fileKeyVault(dir), dir, 'Le fichier de clé est lisible par d’autres comptes')
    expect(result).toMatchObject({ status: 'fail', required: true, code: 'keyVault.refused' })
    expect(result.detail).toContain('lisible par d’autres comptes')
  })

  it('does not trust a backend it does not know', () => {
    const vault: KeyVault = { backend: 'basic_text', warning: null, loadOrCreateKey: () => randomBytes(32) }
    expect(checkKeyVault(vault, dir)).toMatchObject({ status: 'fail', code: 'keyVault.refused' })
  })
})

describe('database check', () => {
  it('is ok with the schema version and the file of an opened store', () => {
    const store = open(fileKeyVault(dir))
    expect(store.schemaVersion).toBeGreaterThan(0)
    expect(checkDatabase(store)).toEqual({
      id: 'database',
      status: 'ok',
      required: true,
      code: 'database.ok',
      detail: `schéma v${store.schemaVersion}, ${path.join(dir, 'chevet.db')}`,
    })
  })

  it('fails, required, with the reason the store did not open', () => {
    open(fileKeyVault(dir)).close()
    let reason = ''
    try {
      openStore({ file: path.join(dir, 'chevet.db'), key: randomBytes(32) })
    } catch (error) {
      reason = (error as Error).message
    }
    expect(reason).not.toBe('')
    expect(checkDatabase(null, reason)).toEqual({
      id: 'database',
      status: 'fail',
      required: true,
      code: 'database.failed',
      detail: reason,
    })
  })

  it('fails once the store has been closed', () => {
    const store = open(fileKeyVault(dir))
    store.close()
    expect(checkDatabase(store)).toMatchObject({ status: 'fail', code: 'database.failed' })
  })
})

describe('diagnostics service', () => {
  it('reports the six checks in order, each valid against the contract with a known code', async () => {
    const report = await createDiagnostics(deps()).report({ refresh: false })
    expect(DiagnosticsReport.parse(report)).toEqual(report)
    expect(CHECK_ORDER).toEqual(['electron', 'keyVault', 'database', 'pkcs11', 'central', 'chromium'])
    expect(report.checks.map((check) => check.id)).toEqual(CHECK_ORDER)
    for (const check of report.checks) expect(OUTCOME_CODES).toContain(check.code)
    expect(report.checks.map((check) => check.code)).toEqual([
      'electron.missing',
      'keyVault.file',
      'database.ok',
      'pkcs11.missing',
      'central.training',
      'chromium.missing',
    ])
  })

  it('keeps its report until asked to refresh', async () => {
    const module = path.join(dir, 'libcps3_pkcs11_lux.so')
    const diagnostics = createDiagnostics(deps({ config: configFor({ CHEVET_PKCS11_MODULE: module }) }))
    const first = await diagnostics.report({ refresh: false })
    expect(first.checks.find((check) => check.id === 'pkcs11')?.code).toBe('pkcs11.missing')

    writeFileSync(module, 'a module appears')
    const cached = await diagnostics.report({ refresh: false })
    expect(cached).toBe(first)

    const fresh = await diagnostics.report({ refresh: true })
    expect(fresh.checks.find((check) => check.id === 'pkcs11')).toMatchObject({ code: 'pkcs11.found', detail: module })
    expect(await diagnostics.report({ refresh: false })).toBe(fresh)
  })

  it('reports a store that did not open and a refused key vault', async () => {
    const keyVault = fileKeyVault(dir)
    writeFileSync(path.join(dir, 'chevet.key'), randomBytes(32))
    chmodSync(path.join(dir, 'chevet.key'), 0o644)
    let refusal = ''
    try {
      keyVault.loadOrCreateKey()
    } catch (error) {
      refusal = (error as Error).message
    }
    expect(refusal).toContain('chevet.key')
    const report = await createDiagnostics(
      deps({ keyVault, store: null, keyVaultError: refusal, storeError: 'pas de clé, base non ouverte' }),
    ).report({ refresh: false })
    expect(report.checks.find((check) => check.id === 'keyVault')).toMatchObject({
      status: 'fail',
      code: 'keyVault.refused',
    })
    expect(report.checks.find((check) => check.id === 'database')).toMatchObject({
      status: 'fail',
      required: true,
      code: 'database.failed',
      detail: 'pas de clé, base non ouverte',
    })
  })

  it('never puts the database key in the report or the log', async () => {
    const hex = randomBytes(32).toString('hex')
    const log = createMemoryLogger()
    const config = configFor({ CHEVET_DB_KEY: hex })
    const report = await createDiagnostics(deps({ config, keyVault: chooseNodeKeyVault(config), log })).report({
      refresh: true,
    })
    expect(report.checks.find((check) => check.id === 'keyVault')?.code).toBe('keyVault.env')
    expect(JSON.stringify(report).toLowerCase()).not.toContain(hex.toLowerCase())
    expect(JSON.stringify(log.lines).toLowerCase()).not.toContain(hex.toLowerCase())
    expect(log.lines).toContainEqual(
      expect.objectContaining({ event: 'diagnostics.report', fields: { ok: 2, warn: 4, fail: 0 } }),
    )
  })
})
