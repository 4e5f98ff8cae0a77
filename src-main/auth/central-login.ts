import type { SessionUser } from '../contract'
import { CentralError } from '../central/types'
import { createCardAssertion } from './assertion'
import type { CardAlgorithm, CardSession } from './card'
import { createTokenLifecycle, type CentralLogin, type CentralPractitioner, type TokenLifecycleOptions } from './token-lifecycle'

/**
 * Login at the central with the card (DESIGN.md §6): an RFC 7523 JWT-bearer assertion signed on the card is
 * exchanged for a short-lived access token, renewed the same way before it expires while the card stays in
 * (token-lifecycle.ts). The card gone or refusing to sign ends the session like a refusal of the token endpoint.
 */

export { CentralPractitioner, type CentralLogin } from './token-lifecycle'

export interface CentralLoginOptions extends TokenLifecycleOptions {
  session: CardSession
  algorithm?: CardAlgorithm
}

export function createCentralLogin(options: CentralLoginOptions): CentralLogin {
  const now = options.now ?? (() => new Date())

  async function assertion(tokenUrl: string): Promise<string> {
    try {
      return await createCardAssertion({ session: options.session, audience: tokenUrl, algorithm: options.algorithm, now: now() })
    } catch (error) {
      // Whatever the card says (removed, refused, device error), it can no longer prove who is there.
      const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error'
      throw new CentralError('UNAUTHENTICATED', `the card could not sign the assertion (${code})`, null, false)
    }
  }

  return createTokenLifecycle(options, {
    what: 'token endpoint',
    refused: 'the card',
    request: async (tokenUrl) =>
      new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await assertion(tokenUrl) }),
  })
}

/** The signed-in user as the session knows them: who the central says the professional is. */
export function sessionUserOf(practitioner: CentralPractitioner): SessionUser {
  return {
    idNat: practitioner.idNat,
    practitionerId: practitioner.id,
    displayName: practitioner.displayName,
    role: practitioner.role,
    units: practitioner.units,
  }
}
