import path from 'node:path'
import type { ChevetConfig } from '../config'
import type { Check, CheckId, DiagnosticsReport } from '../contract'
import type { Logger } from '../log'
import type { Store } from '../store'
import { KEY_FILE_NAME, type KeyVault } from '../store/key-vault'
import {
  check,
  checkCentral,
  checkChromium,
  checkElectron,
  checkPkcs11,
  type ElectronProbe,
  type OutcomeCode,
} from './checks'

export interface DiagnosticsDeps {
  config: ChevetConfig
  keyVault: KeyVault
  /** The opened store, or null when it could not be opened (`storeError` says why). */
  store: Store | null
  log: Logger
  storeError?: string
  /** Why no database key could be had, when the key vault refused to give one. */
  keyVaultError?: string
  /** Test seams for the checks that look at this machine. */
  probe?: { electron?: ElectronProbe; chromiumCandidates?: string[]; centralTimeoutMs?: number }
}

export interface Diagnostics {
  report(opts: { refresh: boolean }): Promise<DiagnosticsReport>
}

/** The order of `chevet doctor` and of the diagnostic screen. */
export const CHECK_ORDER: readonly CheckId[] = ['electron', 'keyVault', 'database', 'pkcs11', 'central', 'chromium']

export function checkKeyVault(keyVault: KeyVault, dataDir: string, refusal?: string): Check {
  const backend = keyVault.backend
  if (refusal !== undefined || backend.startsWith('refused')) {
    return check('keyVault', 'fail', true, 'keyVault.refused', refusal ?? backend)
  }
  if (backend.startsWith('safeStorage')) return check('keyVault', 'ok', true, 'keyVault.safeStorage', backend)
  if (backend.startsWith('env')) return check('keyVault', 'warn', true, 'keyVault.env', backend)
  if (backend.startsWith('file')) {
    return check('keyVault', 'warn', true, 'keyVault.file', `${backend} : ${path.join(dataDir, KEY_FILE_NAME)}`)
  }
  // An unknown backend is not trusted with the key.
  return check('keyVault', 'fail', true, 'keyVault.refused', backend)
}

export function checkDatabase(store: Store | null, storeError?: string): Check {
  if (store === null) return check('database', 'fail', true, 'database.failed', storeError ?? 'base non ouverte')
  if (!store.db.open) return check('database', 'fail', true, 'database.failed', `base fermée : ${store.file}`)
  return check('database', 'ok', true, 'database.ok', `schéma v${store.schemaVersion}, ${store.file}`)
}

const CRASHED: Record<CheckId, { required: boolean; code: OutcomeCode }> = {
  electron: { required: false, code: 'electron.missing' },
  keyVault: { required: true, code: 'keyVault.refused' },
  database: { required: true, code: 'database.failed' },
  pkcs11: { required: false, code: 'pkcs11.missing' },
  central: { required: true, code: 'central.unreachable' },
  chromium: { required: false, code: 'chromium.missing' },
}

// A check that throws is a bug, but the report must still come out, so it becomes that check's failure.
async function guarded(id: CheckId, run: () => Check | Promise<Check>, log: Logger): Promise<Check> {
  try {
    return await run()
  } catch (error) {
    log.error('diagnostics.check_crashed', { check: id, error: (error as Error).name })
    const { required, code } = CRASHED[id]
    return { id, status: 'fail', required, code, detail: `erreur interne : ${(error as Error).message}`.slice(0, 1000) }
  }
}

export function createDiagnostics(deps: DiagnosticsDeps): Diagnostics {
  const { config, keyVault, store, log, probe = {} } = deps
  let cached: Promise<DiagnosticsReport> | null = null

  async function compute(): Promise<DiagnosticsReport> {
    const runs: Record<CheckId, () => Check | Promise<Check>> = {
      electron: () => checkElectron(probe.electron),
      keyVault: () => checkKeyVault(keyVault, config.dataDir, deps.keyVaultError),
      database: () => checkDatabase(store, deps.storeError),
      pkcs11: () => checkPkcs11(config.pkcs11Modules),
      central: () =>
        checkCentral(config.centralUrl, { trainingDir: config.trainingDir, timeoutMs: probe.centralTimeoutMs }),
      chromium: () => checkChromium(config.chromiumPath, probe.chromiumCandidates),
    }
    const checks = await Promise.all(CHECK_ORDER.map((id) => guarded(id, runs[id], log)))
    const count = (status: Check['status']) => checks.filter((c) => c.status === status).length
    log.info('diagnostics.report', { ok: count('ok'), warn: count('warn'), fail: count('fail') })
    return { generatedAt: new Date().toISOString(), checks }
  }

  return {
    report({ refresh }) {
      if (refresh || cached === null) {
        const run = compute()
        cached = run
        // A failed run must not stay cached.
        run.catch(() => {
          if (cached === run) cached = null
        })
      }
      return cached
    },
  }
}
