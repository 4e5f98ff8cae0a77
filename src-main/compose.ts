import path from 'node:path'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ChevetConfig } from './config'
import type { CardSummary, SystemInfo } from './contract'
import { createDispatcher, type Dispatch } from './rpc/dispatcher'
import { createAccessJournal } from './audit'
import { EventBus } from './events'
import type { Logger } from './log'
import { openStore, type Store } from './store'
import { DATABASE_FILE_NAME, type KeyVault } from './store/key-vault'
import { createDiagnostics, type Diagnostics } from './system/diagnostics'
import { SessionService } from './auth/session'
import { RpcFailure } from './rpc/failure'
import { isVirtualCardProvider } from './training/pki'
import { beginEcpsSignIn, loginAtCentralWithEcps, resolvePscSettings, type EcpsSignInResult } from './auth/psc'
import { loginAtCentral, setUpCentral, startUserWorkspace, type UserWorkspace } from './workspace'
import type { FeatureContext } from './rpc/feature'
import { clinicalHandlers } from './rpc/handlers/clinical'
import { resultsHandlers } from './rpc/handlers/results'
import { careHandlers } from './rpc/handlers/care'
import { admission, admitPatient, cachedSensitivity, inUnits } from './access/care'
import { createBtgService } from './access/btg'
import { reviewHandlers } from './audit/review-service'
import { recordsHandlers } from './records/handlers'
import { prescribingHandlers } from './prescribing/handlers'
import { letterHandlers } from './letters/handlers'
import { letterPlugs } from './letters/plugs'
import { letterQueueHandlers } from './letters/queue-handlers'

export type ShellKind = SystemInfo['shell']

/** The fictitious establishment of the training environment (FINESS 99000001-0, Luhn key valid, in the 99 range that no real site uses). */
export const TRAINING_ESTABLISHMENT = { name: 'Centre hospitalier de formation Chevet', finess: '990000010' } as const

export interface ComposeOptions {
  config: ChevetConfig
  shell: ShellKind
  keyVault: KeyVault
  log: Logger
  /** Opens an address in the system browser (Electron's shell.openExternal); absent in the browser host. */
  openExternal?: (url: string) => Promise<void>
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

  const psc = config.psc ? resolvePscSettings(config.psc) : null
  const central = await setUpCentral(config, log, psc)
  let workspace: UserWorkspace | null = null
  const session = new SessionService({
    providers: () => central.providers,
    loginAtCentral: (card, onExpired) => loginAtCentral(central, card, onExpired, log),
    startWorkspace: async (user, login) => {
      const started = startUserWorkspace({ setup: central, store, user, login, events, log, config })
      workspace = started
      return {
        close: async () => {
          if (workspace === started) workspace = null
          await started.close()
        },
      }
    },
    ...(psc
      ? {
          ecps: {
            begin: () => beginEcpsSignIn({ psc, log }),
            loginAtCentral: (signedIn: EcpsSignInResult, onExpired: () => void) => loginAtCentralWithEcps(central, signedIn, onExpired, log),
            ...(options.openExternal ? { open: options.openExternal } : {}),
          },
        }
      : {}),
    events,
    log,
    inactivityMs: config.inactivityMinutes * 60_000,
  })

  /** Training only: the virtual cards, which a trainer (or a test) pulls out of their reader and puts back. */
  async function setTrainingCard(slotId: string, inserted: boolean): Promise<{ cards: CardSummary[] }> {
    const provider = central.environment === 'training' ? central.providers.find(isVirtualCardProvider) : undefined
    if (!provider) throw new RpcFailure('FORBIDDEN', 'virtual cards exist in the training environment only')
    try {
      if (inserted) provider.insertCard(slotId)
      else provider.removeCard(slotId)
    } catch {
      throw new RpcFailure('NOT_FOUND', 'no such virtual card')
    }
    return { cards: await session.cards() }
  }

  /** The signed-in user's workspace; the dispatcher has already refused calls without an active session. */
  function active(): UserWorkspace {
    if (!workspace) throw new RpcFailure('UNAUTHENTICATED', 'no session')
    return workspace
  }

  const features: FeatureContext = {
    config,
    store,
    events,
    log,
    central,
    session,
    active,
    // A patient discharged from my units stays in my care as long as this workstation keeps his data.
    forPatient: (patientId) =>
      admitPatient(store.db, active(), patientId, (who, id) => btg.active(who, id) !== null, config.cacheRetentionHours),
  }
  const btg = createBtgService({
    db: store.db,
    log,
    events,
    tokenUrl: central.tokenUrl,
    fhirUrl: central.fhirUrl,
    hours: config.btgHours,
    keep: (patientId) => inUnits(store.db, patientId, session.user?.units.map((unit) => unit.id) ?? []),
  })
  /** Journal purpose: 'btg' for a patient reached under a break the glass (not for one of the user's own). */
  function purposeOf(patientId: string | null): 'care' | 'btg' {
    const user = session.user
    if (!patientId || !user) return 'care'
    const unitIds = user.units.map((unit) => unit.id)
    const btgActive = (id: string) => btg.active(user.practitionerId, id) !== null
    const dischargedSince = new Date(Date.now() - config.cacheRetentionHours * 3_600_000).toISOString()
    return admission({ db: store.db, practitionerId: user.practitionerId, unitIds, btgActive, dischargedSince }, patientId) === 'btg' ? 'btg' : 'care'
  }

  const systemInfo: SystemInfo = {
    product: 'Chevet',
    version: productVersion(),
    shell,
    environment: central.environment,
    establishment: config.establishment ?? (central.environment === 'training' ? { ...TRAINING_ESTABLISHMENT } : null),
    centralUrl: config.centralUrl,
    ecpsAvailable: psc !== null,
  }

  const dispatch = createDispatcher({
    log,
    sessionState: () => session.state,
    sessionRole: () => session.user?.role ?? null,
    journal: createAccessJournal({
      db: store.db,
      log,
      who: () => (session.user ? { actor: session.user.practitionerId, role: session.user.role } : null),
      purpose: purposeOf,
      sensitive: (patientId) => cachedSensitivity(store.db, patientId).length > 0,
    }),
    handlers: {
      'system.info': () => systemInfo,
      'system.diagnostics': (params) => diagnostics.report({ refresh: params.refresh ?? false }),
      'session.status': () => session.status(),
      'auth.cards': async () => ({ cards: await session.cards() }),
      'auth.signIn': (params) => session.signIn(params.slotId, params.pin),
      'auth.signOut': () => session.signOut(),
      'auth.ecps.begin': () => session.beginEcps(),
      'auth.ecps.cancel': () => ({ cancelled: session.cancelEcps() }),
      'session.lock': () => session.lock('manual'),
      'session.activity': () => ({ noted: session.noteActivity() }),
      'training.card': (params) => setTrainingCard(params.slotId, params.inserted),
      ...clinicalHandlers(features),
      ...resultsHandlers(features),
      ...careHandlers(features, btg),
      ...reviewHandlers(features),
      ...recordsHandlers(features),
      ...prescribingHandlers(features),
      ...letterHandlers(features, letterPlugs(features, { establishment: () => systemInfo.establishment })),
      ...letterQueueHandlers(features),
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
      await session.close()
      btg.close()
      // The PKCS#11 module is finalized once its sessions are closed.
      for (const provider of central.providers) await (provider as { dispose?: () => Promise<void> | void }).dispose?.()
      await central.training?.close()
      store.close()
    },
  }
}
