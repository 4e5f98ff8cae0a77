import type { Logger } from '../../log'
import { sessionUserOf } from '../central-login'
import type { CentralLogin as SessionLogin } from '../session'
import { createEcpsCentralLogin } from './central-login'
import type { EcpsSignInResult } from './sign-in'

/** e-CPS sign-in through Pro Santé Connect, and the central login that follows it (README.md). */
export { createEcpsCentralLogin, type EcpsCentralLoginOptions } from './central-login'
export { EcpsError, type EcpsErrorCode } from './errors'
export { mapPscUserInfo, type EcpsActivity, type EcpsEstablishment, type EcpsExercice, type EcpsIdentity } from './identity'
export { beginEcpsSignIn, type EcpsSignIn, type EcpsSignInOptions, type EcpsSignInResult } from './sign-in'
export {
  PSC_ACR,
  PSC_ENDPOINTS,
  PSC_SCOPE,
  resolvePscSettings,
  type PscClientAuth,
  type PscConfig,
  type PscEnvironment,
  type PscSettings,
} from './settings'

/**
 * The e-CPS counterpart of workspace.ts's `loginAtCentral`: PSC's access token exchanged at the central (RFC 8693),
 * giving the SessionService's CentralLogin. The central names the user; it must be the professional PSC named.
 */
export async function loginAtCentralWithEcps(
  setup: { tokenUrl: string },
  signedIn: EcpsSignInResult,
  onExpired: () => void,
  log: Logger,
): Promise<SessionLogin> {
  const login = createEcpsCentralLogin({
    tokenUrl: setup.tokenUrl,
    subject: { accessToken: signedIn.accessToken, expiresAt: signedIn.expiresAt },
    onExpired,
    log,
  })
  try {
    await login.login()
    const practitioner = login.practitioner
    if (!practitioner) throw new Error('central login gave no practitioner')
    if (practitioner.idNat !== signedIn.idNat) throw new Error('the central named another professional than Pro Santé Connect')
    return { user: sessionUserOf(practitioner), token: login.token, close: () => login.close() }
  } catch (error) {
    login.close()
    throw error
  }
}
