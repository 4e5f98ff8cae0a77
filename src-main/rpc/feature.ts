import type { ChevetConfig } from '../config'
import type { MethodName } from '../contract'
import type { EventBus } from '../events'
import type { Logger } from '../log'
import type { Store } from '../store'
import type { SessionService } from '../auth/session'
import type { CentralSetup, UserWorkspace } from '../workspace'
import type { Handlers } from './dispatcher'

/**
 * What a feature's handlers may use. Each feature exports `xHandlers(ctx): FeatureHandlers<'x.a' | 'x.b'>` from its
 * own module, and compose.ts spreads it into the dispatcher's handlers: one line per feature there.
 */
export interface FeatureContext {
  readonly config: ChevetConfig
  readonly store: Store
  readonly events: EventBus
  readonly log: Logger
  readonly central: CentralSetup
  readonly session: SessionService
  /** The signed-in user's workspace; the dispatcher has already refused calls without an active session. */
  active(): UserWorkspace
  /**
   * The workspace, once the user may open this patient's chart (care relationship: a patient of the user's units,
   * or under a break-the-glass access). FORBIDDEN otherwise. Every method about one patient goes through it.
   */
  forPatient(patientId: string): UserWorkspace
}

export type FeatureHandlers<K extends MethodName> = Pick<Handlers, K>
