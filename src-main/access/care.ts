import type { PatientSummary } from '../contract'
import { RpcFailure } from '../rpc/failure'
import type { Database } from '../store'
import { staysEndedIn } from '../store/cache/placement'
import type { UserWorkspace } from '../workspace'
import { sensitivityOf, type Sensitivity } from './sensitivity'

/** How the user reaches a patient: care relationship, break the glass in force, or not at all. */
export type Admission = 'care' | 'btg' | null

export interface CareInput {
  db: Database
  practitionerId: string
  /** The user's units: a patient with an in-progress stay placed there is in the census. */
  unitIds: readonly string[]
  /** Whether a break the glass on this patient is in force for this user now. */
  btgActive: (patientId: string) => boolean
  /**
   * A patient who left one of these units after this instant is still in the unit's care (the letter to send, the
   * results that come back). Absent: only stays in progress count.
   */
  dischargedSince?: string
}

/**
 * Whether a CareTeam in the cache names this professional as an active participant of this patient's care team.
 * The sync does not fetch CareTeam yet (the training hospital has none): this admits nobody until it does.
 */
export function onCareTeam(db: Database, patientId: string, practitionerId: string): boolean {
  const row = db
    .prepare(
      `SELECT 1 FROM health_resource h, json_each(h.json, '$.participant') p
       WHERE h.resource_type = 'CareTeam' AND h.patient_id = ?
         AND coalesce(json_extract(h.json, '$.status'), 'active') = 'active'
         AND json_extract(p.value, '$.member.reference') = ?
         AND (json_extract(p.value, '$.period.end') IS NULL OR json_extract(p.value, '$.period.end') > ?)
       LIMIT 1`,
    )
    .get(patientId, `Practitioner/${practitionerId}`, new Date().toISOString())
  return row !== undefined
}

/**
 * The care relationship of DESIGN.md §9 on the workstation: a patient of my units (census) or discharged from one
 * of them lately, a patient whose care team includes me, or a patient under a break the glass in force. Census first: a BTG on a patient who has since
 * come to my unit is ordinary care.
 */
export function admission(input: CareInput, patientId: string): Admission {
  if (inUnits(input.db, patientId, input.unitIds)) return 'care'
  if (input.dischargedSince && staysEndedIn(input.db, input.unitIds, input.dischargedSince, patientId).length > 0) return 'care'
  if (onCareTeam(input.db, patientId, input.practitionerId)) return 'care'
  if (input.btgActive(patientId)) return 'btg'
  return null
}

/** The census rule of the cache (store/cache/census.ts): a stay in progress placed in one of these units. */
export function inUnits(db: Database, patientId: string, unitIds: readonly string[]): boolean {
  const unit = db
    .prepare('SELECT unit_id FROM administrative WHERE patient_id = ? AND encounter_id IS NOT NULL')
    .pluck()
    .get(patientId) as string | null | undefined
  return typeof unit === 'string' && unitIds.includes(unit)
}

/**
 * THE care check of the workstation (FeatureContext.forPatient): the workspace when the user may open this
 * patient's chart, BREAK_GLASS_REQUIRED otherwise (the page offers break the glass).
 */
export function admitPatient(
  db: Database,
  workspace: UserWorkspace,
  patientId: string,
  btgActive: (practitionerId: string, patientId: string) => boolean,
  afterDischargeHours = 0,
): UserWorkspace {
  const { user } = workspace
  const admitted = admission(
    {
      db,
      practitionerId: user.practitionerId,
      unitIds: user.units.map((u) => u.id),
      btgActive: (id) => btgActive(user.practitionerId, id),
      ...(afterDischargeHours > 0 ? { dischargedSince: new Date(Date.now() - afterDischargeHours * 3_600_000).toISOString() } : {}),
    },
    patientId,
  )
  if (!admitted) throw new RpcFailure('BREAK_GLASS_REQUIRED', 'patient outside your care: break the glass to open the chart')
  return workspace
}

/** Sensitivity of a cached patient, from the Patient resource's meta (security labels and tags). */
export function cachedSensitivity(db: Database, patientId: string): Sensitivity[] {
  const json = db.prepare('SELECT json FROM identity WHERE patient_id = ?').pluck().get(patientId) as string | undefined
  if (!json) return []
  try {
    return sensitivityOf((JSON.parse(json) as { meta?: Parameters<typeof sensitivityOf>[0] }).meta)
  } catch {
    return []
  }
}

/** In a list: "Patient confidentiel" + bed. Names, birth date and identifiers stay inside an authorised chart. */
export function maskSummary(patient: PatientSummary, sensitivity: Sensitivity[]): PatientSummary {
  if (sensitivity.length === 0) return patient
  return {
    ...patient,
    familyName: '',
    givenName: '',
    birthName: null,
    birthDate: null,
    ins: null,
    ipp: null,
    sensitivity,
    masked: true,
  }
}

/** What the search shows of a patient outside my care: name, sex, birth date (nothing for a sensitive one). */
export function minimalSummary(identity: {
  id: string
  familyName: string | null
  givenName: string | null
  sex: PatientSummary['sex']
  birthDate: string | null
  sensitivity: Sensitivity[]
}): PatientSummary {
  const masked = identity.sensitivity.length > 0
  return {
    id: identity.id,
    familyName: masked ? '' : (identity.familyName ?? ''),
    givenName: masked ? '' : (identity.givenName ?? ''),
    birthName: null,
    sex: identity.sex,
    birthDate: masked ? null : identity.birthDate,
    ins: null,
    identityStatus: null,
    ipp: null,
    unit: null,
    room: null,
    bed: null,
    admittedAt: null,
    ...(masked ? { sensitivity: identity.sensitivity, masked: true } : {}),
    access: 'outside',
  }
}
