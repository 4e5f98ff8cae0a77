import type { X509 } from '../../auth/x509'
import { AssertionError, createJtiReplayCache, verifyCardAssertion, type AssertionErrorCode } from '../../auth/assertion'
import type { BtgClaims } from './access-token'
import type { AuthenticatedPractitioner, PractitionerDirectory } from './directory'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
/** RFC 8693: the e-CPS (Pro Santé Connect) access token is exchanged here (token-exchange.ts). */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'

/** An RFC 6749 §5.2 error; the description is English, for developers, and never carries personal data. */
export class GrantError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
    /** A code for the central's log (never the assertion or who it names). */
    readonly reason: string = error,
  ) {
    super(description)
    this.name = 'GrantError'
  }
}

/**
 * One grant type of the token endpoint: checks the form's parameters and says who the token is for, or throws a
 * GrantError. The endpoint issues the token. A new grant (RFC 8693 token exchange for the e-CPS) is one more
 * handler in the endpoint's `grants` map.
 */
export type GrantHandler = (form: URLSearchParams) => Promise<AuthenticatedPractitioner & { btg?: BtgClaims }>

const ASSERTION_DESCRIPTION: Record<AssertionErrorCode, string> = {
  ASSERTION_INVALID: 'The assertion is not a well-formed card assertion',
  ASSERTION_BAD_SIGNATURE: 'The assertion signature does not verify with the card certificate',
  ASSERTION_WRONG_AUDIENCE: 'The assertion audience is not this token endpoint',
  ASSERTION_EXPIRED: 'The assertion has expired',
  ASSERTION_NOT_YET_VALID: 'The assertion is not valid yet',
  ASSERTION_LIFETIME_TOO_LONG: 'The assertion lifetime is too long',
  ASSERTION_SUBJECT_MISMATCH: 'The assertion subject is not the certificate holder',
  CERT_UNTRUSTED: 'The card certificate is not issued by a trusted authority',
  CERT_EXPIRED: 'The card certificate has expired',
  CERT_NOT_YET_VALID: 'The card certificate is not valid yet',
  CERT_WRONG_USAGE: 'The certificate is not a card authentication certificate',
  REPLAYED: 'The assertion was already used',
}

export interface JwtBearerGrantOptions {
  /** The token endpoint URL: the assertions' required `aud`. */
  audience: string
  trustAnchors: X509.X509Certificate[]
  directory: PractitionerDirectory
  now: () => Date
}

/**
 * RFC 7523 §2.1: an assertion signed by the card's authentication key, its chain in `x5c` checked against the
 * anchors (DESIGN.md §6); the professional is the Practitioner whose idNat is the certificate's CN.
 */
export function jwtBearerGrant(options: JwtBearerGrantOptions): GrantHandler {
  // One cache per central: a restart forgets jtis, which only matters for assertions younger than their 60 s life.
  const seenJti = createJtiReplayCache({ now: options.now })
  return async (form) => {
    const assertions = form.getAll('assertion')
    if (assertions.length !== 1 || !assertions[0]) throw new GrantError('invalid_request', 'Exactly one assertion is required')
    let idNat: string
    try {
      ;({ idNat } = await verifyCardAssertion(assertions[0], {
        audience: options.audience,
        trustAnchors: options.trustAnchors,
        now: options.now(),
        seenJti,
      }))
    } catch (error) {
      if (error instanceof AssertionError) {
        throw new GrantError('invalid_grant', ASSERTION_DESCRIPTION[error.code], error.code)
      }
      throw error
    }
    const practitioner = await options.directory.byIdNat(idNat)
    if (!practitioner) {
      throw new GrantError('invalid_grant', 'No active practitioner with a role holds this card at this central', 'UNKNOWN_PRACTITIONER')
    }
    return practitioner
  }
}
