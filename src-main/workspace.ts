import type { ChevetConfig } from './config'
import type { PscSettings } from './auth/psc'
import { createCentralLogin, sessionUserOf } from './auth/central-login'
import type { CardProvider, CardSession } from './auth/card'
import { createWorkstationCardProvider } from './auth/pkcs11'
import type { CentralLogin, Workspace } from './auth/session'
import { createCentralClient } from './central'
import type { CentralClient } from './central/types'
import type { SessionUser } from './contract'
import type { EventBus } from './events'
import type { Logger } from './log'
import type { Store } from './store'
import { createSyncEngine, type SyncEngine } from './sync'
import type { TrainingCentral } from './training/central'
import { createVirtualCardProvider, loadTrainingPki } from './training/pki'

/** Where the workstation's central is, and which cards may sign in there. */
export interface CentralSetup {
  environment: 'training' | 'production'
  fhirUrl: string
  tokenUrl: string
  providers: CardProvider[]
  /** The in-process training central, when this workstation runs one. */
  training: TrainingCentral | null
}

/** Hospital size of the in-process training central: `small` keeps test start-up short. */
function trainingHospitalOptions(env: NodeJS.ProcessEnv): { pastPatients?: number; heavyObservations?: number } {
  return env.CHEVET_TRAINING_SIZE === 'small' ? { pastPatients: 40, heavyObservations: 2_000 } : {}
}

/**
 * No central configured: start the training central in this process (DESIGN.md §7). A central configured with a
 * training directory (`chevet training serve --dir`): a training central in another process, whose virtual cards
 * are read from that directory. A central without one: a real central, where virtual cards are never offered.
 */
export async function setUpCentral(config: ChevetConfig, log: Logger, psc: PscSettings | null = null): Promise<CentralSetup> {
  if (!config.centralUrl) {
    const { startTrainingCentral } = await import('./training/central')
    const training = await startTrainingCentral({
      port: 0,
      dir: config.trainingDir ?? `${config.dataDir}/training`,
      hospital: trainingHospitalOptions(process.env),
      // With Pro Santé Connect configured, the training central accepts its tokens (RFC 8693 token exchange).
      psc: psc ? { issuer: psc.issuer, ...(psc.jwksUri ? { jwksUri: psc.jwksUri } : {}), clientId: psc.clientId } : null,
      log,
    })
    log.info('training.central.started', { ms: Math.round(training.timings.totalMs) })
    return { environment: 'training', fhirUrl: training.fhirUrl, tokenUrl: training.tokenUrl, providers: [training.cards], training }
  }
  const tokenUrl = config.tokenUrl ?? config.centralUrl
  if (config.trainingDir) {
    const pki = await loadTrainingPki(config.trainingDir)
    return {
      environment: 'training',
      fhirUrl: config.centralUrl,
      tokenUrl,
      providers: [createVirtualCardProvider({ pki, allowed: true })],
      training: null,
    }
  }
  // CPS/CPE cards through the PKCS#11 module, loaded at the first card listing: without it, no card and a logged reason.
  const cards = createWorkstationCardProvider(config, log)
  return { environment: 'production', fhirUrl: config.centralUrl, tokenUrl, providers: [cards], training: null }
}

/** Logs in at the central with the card; the access token stays in memory and is renewed while the card works. */
export async function loginAtCentral(
  setup: CentralSetup,
  card: CardSession,
  onExpired: () => void,
  log: Logger,
): Promise<CentralLogin> {
  const login = createCentralLogin({ tokenUrl: setup.tokenUrl, session: card, onExpired, log })
  try {
    await login.login()
  } catch (error) {
    login.close()
    throw error
  }
  const practitioner = login.practitioner
  if (!practitioner) {
    login.close()
    throw new Error('central login gave no practitioner')
  }
  return { user: sessionUserOf(practitioner), token: login.token, close: () => login.close() }
}

export interface UserWorkspace extends Workspace {
  readonly user: SessionUser
  readonly engine: SyncEngine
  /** The central, with this user's token: for calls that are not cached (reviews, reports, deposits). */
  readonly central: CentralClient
  /** The user's login at the central (its token, renewed while the card works). */
  readonly login: CentralLogin
}

/** The signed-in user's central client and sync engine over the shared encrypted cache. */
export function startUserWorkspace(options: {
  setup: CentralSetup
  store: Store
  user: SessionUser
  login: CentralLogin
  events: EventBus
  log: Logger
  config: Pick<ChevetConfig, 'syncIntervalSeconds' | 'cacheRetentionHours'>
}): UserWorkspace {
  const { setup, store, user, login, events, log, config } = options
  const central = createCentralClient({ baseUrl: setup.fhirUrl, token: login.token, log })
  const engine = createSyncEngine({
    db: store.db,
    central,
    user: { practitionerId: user.practitionerId, units: user.units.map((unit) => unit.id), view: user.role },
    events,
    log,
    intervalMs: config.syncIntervalSeconds * 1000,
    retentionHours: config.cacheRetentionHours,
  })
  engine.start()
  return { user, engine, central, login, close: () => engine.stop() }
}
