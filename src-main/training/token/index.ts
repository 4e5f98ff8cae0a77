/** The training central's token endpoint and access tokens (DESIGN.md §6). */
export { ACCESS_TOKEN_SKEW_SECONDS, createAccessTokens, type AccessTokens, type BtgClaims, type IssuedToken } from './access-token'
export { BTG_MAX_SECONDS, btgExchangeGrant, type BtgExchangeOptions } from './btg'
export { createPractitionerDirectory, type AuthenticatedPractitioner, type PractitionerDirectory } from './directory'
export { createTokenEndpoint, type ExtraRoute, type TokenEndpointOptions, type TokenResponse } from './endpoint'
export { GrantError, JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT, jwtBearerGrant, type GrantHandler } from './grants'
export { ACCESS_TOKEN_TYPE, tokenExchangeGrant, type PscTrust, type TokenExchangeGrantOptions } from './token-exchange'
