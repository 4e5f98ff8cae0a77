import { parseSearchRequest } from '@medplum/core'
import type { Patient } from '@medplum/fhirtypes'
import { sensitivityOf, type Sensitivity } from '../../access/sensitivity'
import type { Logger } from '../../log'
import type { Authorize, FhirServer } from '../fhir-server'
import { auditAsSearch, jsonGetRoute } from '../json-route'
import type { ExtraRoute } from '../token'

/** Path of the identity look-up on the central (next to /fhir and /auth/token). */
export const IDENTITY_PATH = '/identity/patients'
const MAX_RESULTS = 20

/** What anyone signed in may learn of a patient outside their care: enough to tell two people apart, no more. */
export interface MinimalIdentity {
  id: string
  /** Null for a sensitive patient: masked outside an authorised chart. */
  familyName: string | null
  givenName: string | null
  sex: 'male' | 'female' | 'other' | 'unknown'
  birthDate: string | null
  sensitivity: Sensitivity[]
}

function minimal(patient: Patient): MinimalIdentity {
  const sensitivity = sensitivityOf(patient.meta)
  const name = patient.name?.find((n) => n.use === 'usual') ?? patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0]
  const masked = sensitivity.length > 0
  return {
    id: patient.id as string,
    familyName: masked ? null : (name?.family ?? ''),
    givenName: masked ? null : (name?.given?.[0] ?? ''),
    sex: patient.gender ?? 'unknown',
    birthDate: masked ? null : (patient.birthDate ?? null),
    sensitivity,
  }
}

/**
 * The identity look-up of the training central (the hospital's identity server, in a real DPI): any professional
 * signed in finds a patient outside their care by name and birth date, with a minimal identity (no stay, no INS,
 * no IPP; nothing but the flag for a sensitive patient), so that the workstation can offer break the glass. Each
 * look-up is audited like a FHIR search.
 */
export function createIdentityRoute(options: { fhir: FhirServer; authorize: Authorize; log?: Logger }): ExtraRoute {
  return jsonGetRoute(IDENTITY_PATH, options.authorize, async ({ url, user, req }) => {
    const name = (url.searchParams.get('name') ?? '').trim().slice(0, 200)
    const birthdate = url.searchParams.get('birthdate') ?? ''
    if (!name && !/^\d{4}-\d{2}-\d{2}$/.test(birthdate)) return { status: 400, body: { error: 'name or birthdate is required' } }
    const query = new URLSearchParams({ _count: String(MAX_RESULTS) })
    if (name) query.set('name', name)
    if (/^\d{4}-\d{2}-\d{2}$/.test(birthdate)) query.set('birthdate', birthdate)
    const found = (await options.fhir.repo.searchResources<Patient>(parseSearchRequest(`Patient?${query.toString()}`)))
      .filter((p) => p.id && p.active !== false)
      .slice(0, MAX_RESULTS)
    const touched = found.map((p) => ({ reference: `Patient/${p.id}`, action: 'search' as const, patients: [p.id as string] }))
    await auditAsSearch(options.fhir, user, req, `identity:${query.toString()}`, touched)
    return { status: 200, body: { patients: found.map(minimal) } }
  })
}
