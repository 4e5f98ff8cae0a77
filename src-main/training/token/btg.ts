import type { Patient } from '@medplum/fhirtypes'
import type { TrainingRepository } from '../fhir-server'
import type { AccessTokens, BtgClaims } from './access-token'
import type { AuthenticatedPractitioner, PractitionerDirectory } from './directory'
import { GrantError, type GrantHandler } from './grants'
import { ACCESS_TOKEN_TYPE } from './token-exchange'

/** Longest break the glass this central grants, whatever the workstation asks (its default is 4 h). */
export const BTG_MAX_SECONDS = 24 * 3600
const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/

export interface BtgExchangeOptions {
  tokens: AccessTokens
  directory: PractitionerDirectory
  repo: TrainingRepository
  /** Another token exchange (PSC's) served by the same grant type, for requests that are not break the glass. */
  otherwise?: GrantHandler
  maxSeconds?: number
}

function single(form: URLSearchParams, name: string): string | null {
  const values = form.getAll(name)
  if (values.length > 1) throw new GrantError('invalid_request', `${name} must not be repeated`)
  return values[0] || null
}

/**
 * Break the glass as an RFC 8693 token exchange: the workstation presents the user's own access token of this
 * central (`subject_token`) with `purpose_of_use=BTG`, `patient` and `requested_lifetime` (seconds), and gets a new
 * token naming that one patient, valid for that long (capped). The FHIR server's `allowPatient` lets it reach
 * that patient, and every AuditEvent of a request made with it carries purposeOfEvent BTG. The reason is the
 * workstation's journal's to keep (it exports the grant); the central records the token's use.
 */
export function btgExchangeGrant(options: BtgExchangeOptions): GrantHandler {
  const maxSeconds = options.maxSeconds ?? BTG_MAX_SECONDS
  return async (form): Promise<AuthenticatedPractitioner & { btg?: BtgClaims }> => {
    const purpose = single(form, 'purpose_of_use')
    if (purpose === null) {
      if (options.otherwise) return options.otherwise(form)
      // Without a PSC issuer to trust, token exchange is break the glass only: anything else is not supported here.
      throw new GrantError('unsupported_grant_type', 'This grant type is not supported here', 'NOT_BTG')
    }
    if (purpose !== 'BTG') throw new GrantError('invalid_request', 'purpose_of_use must be BTG', 'BTG_PURPOSE')
    const subjectToken = single(form, 'subject_token')
    if (!subjectToken || single(form, 'subject_token_type') !== ACCESS_TOKEN_TYPE) {
      throw new GrantError('invalid_request', 'subject_token must be an access token of this central', 'BTG_SUBJECT')
    }
    const subject = await options.tokens.verify(subjectToken)
    // A BTG token is not exchanged again: each break the glass starts from the user's own sign-in.
    if (!subject || subject.btg) throw new GrantError('invalid_request', 'The subject token is not a valid access token of this central', 'BTG_SUBJECT')
    const patient = single(form, 'patient')
    if (!patient || !PATIENT_ID.test(patient)) throw new GrantError('invalid_request', 'patient is required', 'BTG_PATIENT')
    const stored = options.repo.current('Patient', patient) as Patient | undefined
    if (!stored || stored.active === false) throw new GrantError('invalid_request', 'No such patient at this central', 'BTG_PATIENT')
    const requested = Number(single(form, 'requested_lifetime') ?? maxSeconds)
    if (!Number.isInteger(requested) || requested <= 0) throw new GrantError('invalid_request', 'requested_lifetime must be a positive integer', 'BTG_LIFETIME')
    const practitioner = await options.directory.byIdNat(subject.idNat)
    if (!practitioner || practitioner.id !== subject.sub) {
      throw new GrantError('invalid_grant', 'No active practitioner with a role holds this token', 'UNKNOWN_PRACTITIONER')
    }
    return { ...practitioner, btg: { patient, lifetimeSeconds: Math.min(requested, maxSeconds) } }
  }
}
