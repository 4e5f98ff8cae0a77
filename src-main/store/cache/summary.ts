import type { IdentityStatus, PatientSummary } from '../../contract'
import type { Database } from '../migration'
import { shortLabel } from './placement'
import { sql } from './statements'

/** Columns and joins that build a PatientSummary; callers add WHERE / ORDER BY. */
export const SUMMARY_SELECT = `
SELECT i.patient_id, i.family_name, i.given_name, i.birth_family_name, i.sex, i.birth_date, i.ins, i.identity_status,
       i.sort_key, a.ipp, a.unit_id, a.room_id, a.bed_id, a.admitted_at,
       u.name AS unit_name, r.name AS room_name, b.name AS bed_name
FROM identity i
LEFT JOIN administrative a ON a.patient_id = i.patient_id
LEFT JOIN location u ON u.id = a.unit_id
LEFT JOIN location r ON r.id = a.room_id
LEFT JOIN location b ON b.id = a.bed_id`

export interface SummaryRow {
  patient_id: string
  family_name: string
  given_name: string
  birth_family_name: string | null
  sex: PatientSummary['sex']
  birth_date: string | null
  ins: string | null
  identity_status: IdentityStatus | null
  sort_key: string
  ipp: string | null
  unit_id: string | null
  room_id: string | null
  bed_id: string | null
  admitted_at: string | null
  unit_name: string | null
  room_name: string | null
  bed_name: string | null
}

/**
 * The contract's view of a patient. The matricule INS is given only for a qualified identity (RNIV: an INS
 * that was not checked against an identity document must not be used to identify the patient).
 */
export function toSummary(row: SummaryRow): PatientSummary {
  return {
    id: row.patient_id,
    familyName: row.family_name,
    givenName: row.given_name,
    birthName: row.birth_family_name && row.birth_family_name !== row.family_name ? row.birth_family_name : null,
    sex: row.sex,
    birthDate: row.birth_date,
    ins: row.identity_status === 'QUAL' ? row.ins : null,
    identityStatus: row.identity_status,
    ipp: row.ipp,
    unit: row.unit_id ? { id: row.unit_id, name: row.unit_name ?? row.unit_id } : null,
    room: row.room_id ? shortLabel(row.room_name) ?? row.room_id : null,
    bed: row.bed_id ? shortLabel(row.bed_name) ?? row.bed_id : null,
    admittedAt: row.admitted_at,
  }
}

export function summaryRows(db: Database, patientIds: readonly string[]): Map<string, SummaryRow> {
  const out = new Map<string, SummaryRow>()
  const statement = sql(db, `${SUMMARY_SELECT} WHERE i.patient_id = ?`)
  for (const id of patientIds) {
    const row = statement.get(id) as SummaryRow | undefined
    if (row) out.set(id, row)
  }
  return out
}

export function patientSummary(db: Database, patientId: string): PatientSummary | null {
  const row = summaryRows(db, [patientId]).get(patientId)
  return row ? toSummary(row) : null
}
