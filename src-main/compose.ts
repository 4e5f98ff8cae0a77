import path from 'node:path'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ChevetConfig } from './config'
import type { SessionStatus, SystemInfo } from './contract'
import { createDispatcher, type Dispatch } from './rpc/dispatcher'
import { EventBus } from './events'
import type { Logger } from './log'
import { openStore, type Store } from './store'
import { DATABASE_FILE_NAME, type KeyVault } from './store/key-vault'
import { createDiagnostics, type Diagnostics } from './system/diagnostics'

export type ShellKind = SystemInfo['shell']

/** The fictitious establishment of the training environment (FINESS 99000001-0, Luhn key valid, in the 99 range that no real site uses). */
export const TRAINING_ESTABLISHMENT = { name: 'Centre hospitalier de formation Chevet', finess: '990000010' } as const

export interface ComposeOptions {
  config: ChevetConfig
  shell: ShellKind
  keyVault: KeyVault
  log: Logger
}

/** Everything main runs, built once and handed to the Electron shell or to the browser host. */
export interface Services {
  readonly config: ChevetConfig
  readonly dispatch: Dispatch
  readonly events: EventBus
  readonly store: Store
  readonly diagnostics: Diagnostics
  readonly log: Logger
  close(): Promise<void>
}

export function productVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  for (const candidate of [path.join(here, '..', 'package.json'), path.join(here, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'chevet' && pkg.version) return pkg.version
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0'
}

export async function composeServices(options: ComposeOptions): Promise<Services> {
  const { config, shell, keyVault, log } = options
  const events = new EventBus()
  const key = keyVault.loadOrCreateKey()
  let store: Store
  try {
    store = openStore({ file: path.join(config.dataDir, DATABASE_FILE_NAME), key })
  } finally {
    key.fill(0)
  }
  log.info('store.opened', { schemaVersion: store.schemaVersion, keyVault: keyVault.backend })
  const diagnostics = createDiagnostics({ config, keyVault, store, log })

  // The session arrives with the authentication issue; until then nobody is signed in.
  const session: SessionStatus = { state: 'signed-out', user: null }

  const systemInfo: SystemInfo = {
    product: 'Chevet',
    version: productVersion(),
    shell,
    environment: config.centralUrl ? 'production' : 'training',
    establishment: config.establishment ?? (config.centralUrl ? null : { ...TRAINING_ESTABLISHMENT }),
    centralUrl: config.centralUrl,
  }

  const dispatch = createDispatcher({
    log,
    sessionState: () => session.state,
    handlers: {
      'system.info': () => systemInfo,
      'system.diagnostics': (params) => diagnostics.report({ refresh: params.refresh ?? false }),
      'session.status': () => session,
    },
  })

  return {
    config,
    dispatch,
    events,
    store,
    diagnostics,
    log,
    async close() {
      store.close()
    },
  }
}
