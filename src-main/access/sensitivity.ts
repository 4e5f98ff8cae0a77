import type { Meta } from '@medplum/fhirtypes'

/** Why a patient is masked in lists: confidentiality asked for, a public figure, a detained person. */
export type Sensitivity = 'restricted' | 'vip' | 'penitentiary'

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality'
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'
/** Chevet's care-context tags (no national code for a detained patient): the training hospital uses the same. */
export const PATIENT_CONTEXT_SYSTEM = 'https://chevet.example/fhir/CodeSystem/contexte-patient'

/**
 * The sensitivity flags a resource's meta carries (DESIGN.md §9): confidentiality R or V, the CELEB act code
 * (VIP), the penitentiary care-context tag. Order is fixed so that two readings compare equal.
 */
export function sensitivityOf(meta: Pick<Meta, 'security' | 'tag'> | undefined): Sensitivity[] {
  const out = new Set<Sensitivity>()
  for (const coding of meta?.security ?? []) {
    if (coding.system === CONFIDENTIALITY_SYSTEM && (coding.code === 'R' || coding.code === 'V')) out.add('restricted')
    if (coding.system === ACT_CODE_SYSTEM && coding.code === 'CELEB') out.add('vip')
  }
  for (const coding of [...(meta?.tag ?? []), ...(meta?.security ?? [])]) {
    if (coding.system === PATIENT_CONTEXT_SYSTEM && coding.code === 'penitentiaire') out.add('penitentiary')
  }
  return (['restricted', 'vip', 'penitentiary'] as const).filter((s) => out.has(s))
}
