import type { PscConfig } from '../../config'

export type { PscConfig }

/**
 * Where Pro Santé Connect is and how Chevet is registered there (DOMAIN.md §1.3). PSC is a Keycloak realm whose
 * discovery document is not at the standard `/.well-known/openid-configuration` but at
 * `/.well-known/wallet-openid-configuration`, and whose authorization endpoint is on another host (wallet.…).
 */

export type PscEnvironment = PscConfig['environment']

export interface PscEndpoints {
  issuer: string
  /** The discovery document, when it is not `<issuer>/.well-known/openid-configuration`. */
  discoveryUrl: string | null
  /** The realm's signing keys (Keycloak's `certs`): what a central verifies PSC's access tokens with. */
  jwksUri: string | null
}

const PRODUCTION_ISSUER = 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet'
// The bac-à-sable host of the ANS connector; older integrations used auth.bas.esw.esante.gouv.fr. DOMAIN.md §1.3
// asks to check which one is current: `issuer` / `discoveryUrl` in the configuration override these.
const SANDBOX_ISSUER = 'https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet'

function keycloakRealm(issuer: string): PscEndpoints {
  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/wallet-openid-configuration`,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
  }
}

export const PSC_ENDPOINTS: Readonly<Record<PscEnvironment, PscEndpoints>> = {
  production: keycloakRealm(PRODUCTION_ISSUER),
  'bac-a-sable': keycloakRealm(SANDBOX_ISSUER),
}

/** PSC gives the professional's attributes (SubjectNameID, SubjectRefPro…) under this one scope. */
export const PSC_SCOPE = 'openid scope_all'
/** The only level the ANS connector accepts; an ID token with another `acr` is refused. */
export const PSC_ACR = 'eidas1'

/**
 * How the workstation authenticates at PSC's token endpoint. PSC registers confidential clients with a secret
 * (HTTP Basic at introspection, HS256 ID tokens possible: DOMAIN.md §1.3); a secret shipped in a desktop
 * installation is not secret (RFC 8252 §8.5), PKCE is what protects the code. `none` for a public client.
 */
export type PscClientAuth = NonNullable<PscConfig['clientAuth']>

export interface PscSettings {
  issuer: string
  discoveryUrl: string | null
  /** Known for the PSC environments; null for another issuer (its discovery document gives it). */
  jwksUri: string | null
  clientId: string
  clientSecret: string | null
  clientAuth: PscClientAuth
}

/** The configured issuer wins over the environment's; a secret defaults to HTTP Basic, no secret to `none`. */
export function resolvePscSettings(config: PscConfig): PscSettings {
  const preset = PSC_ENDPOINTS[config.environment]
  const issuer = config.issuer ?? preset.issuer
  const discoveryUrl = config.discoveryUrl ?? (config.issuer ? null : preset.discoveryUrl)
  const jwksUri = config.issuer ? null : preset.jwksUri
  const clientAuth = config.clientAuth ?? (config.clientSecret ? 'client_secret_basic' : 'none')
  if (clientAuth !== 'none' && !config.clientSecret) {
    throw new TypeError(`Pro Santé Connect client authentication ${clientAuth} needs a client secret`)
  }
  return { issuer, discoveryUrl, jwksUri, clientId: config.clientId, clientSecret: config.clientSecret, clientAuth }
}
