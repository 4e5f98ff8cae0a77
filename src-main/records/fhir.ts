import type { AllergyIntolerance, CodeableConcept, Condition, Provenance, ProvenanceAgent } from '@medplum/fhirtypes'
import type { Role } from '../contract'
import type { ProblemKind } from '../contract/records'
import { WRITE_IDENTIFIER_SYSTEM } from '../store/cache/fhir'
import { CIM10_SYSTEM } from './cim10'

/*
 * FHIR mapping of the chart's records (docs/records.md):
 * - problems, diagnoses and antécédents are `Condition`s coded in CIM-10; the FHIR category says problem-list-item
 *   or encounter-diagnosis, a second category (RECORD_KIND_SYSTEM) says which kind of antécédent. Antécédents
 *   familiaux are Conditions too, coded with the CIM-10 Z80–Z84 "Antécédents familiaux de …" codes: the training
 *   central serves no FamilyMemberHistory, and CIM-10 already codes a family history as a finding of the patient.
 * - the SpO2 scale 2 of NEWS2 is the Condition J96.1 (insuffisance respiratoire chronique, here hypercapnic) with
 *   the category SPO2_SCALE_2: active → scale 2; made inactive → back to scale 1. It is a medical decision (the
 *   target saturation 88–92 % is prescribed), which the handler requires.
 * - allergies and intolerances are `AllergyIntolerance`s; a substance of the formulary is coded as text with the
 *   formulary as its coding system, free text stays text only.
 * Every write travels with its `Provenance` (author, and the supervising senior as `onBehalfOf` for an interne).
 */
export const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category'
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical'
export const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status'
export const ALLERGY_CLINICAL = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical'
export const ALLERGY_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification'
export const RECORD_KIND_SYSTEM = 'urn:chevet:record-kind'
export const NEWS2_SYSTEM = 'urn:chevet:news2'
export const SPO2_SCALE_2 = 'spo2-scale-2'
export const FORMULARY_SUBSTANCE_SYSTEM = 'urn:chevet:formulary-substance'
const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type'
const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation'

export const HYPERCAPNIA = { code: 'J96.1', label: 'Insuffisance respiratoire chronique, non classée ailleurs' } as const
export const HYPERCAPNIA_TEXT = 'Insuffisance respiratoire hypercapnique — NEWS2 : échelle SpO2 2 (cible 88–92 %)'

const KIND_LABELS: Readonly<Record<ProblemKind, string>> = {
  probleme: 'Problème',
  diagnostic: 'Diagnostic du séjour',
  'antecedent-medical': 'Antécédent médical',
  'antecedent-chirurgical': 'Antécédent chirurgical',
  'antecedent-familial': 'Antécédent familial',
}

/** The signed-in author of a write, and the senior an interne writes for. */
export interface RecordAuthor {
  practitionerId: string
  displayName: string
  role: Role
  /** Practitioner id of the supervising senior (interne only). */
  onBehalfOf?: string | null
}

const coded = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [{ system, code, ...(display ? { display } : {}) }],
})

export function conditionResource(input: {
  patientId: string
  encounterId: string | null
  kind: ProblemKind
  code: { code: string; label: string } | null
  text: string
  clinicalStatus: string
  onset?: string
  note?: string
  recordedAt: string
  author: RecordAuthor
  writeId: string
  spo2Scale2?: boolean
}): Condition {
  const fhirCategory = input.kind === 'diagnostic' ? 'encounter-diagnosis' : 'problem-list-item'
  const category: CodeableConcept[] = [
    { ...coded(CONDITION_CATEGORY, fhirCategory, fhirCategory === 'encounter-diagnosis' ? 'Encounter Diagnosis' : 'Problem List Item') },
    { ...coded(RECORD_KIND_SYSTEM, input.kind, KIND_LABELS[input.kind]), text: KIND_LABELS[input.kind] },
  ]
  if (input.spo2Scale2) category.push({ ...coded(NEWS2_SYSTEM, SPO2_SCALE_2, 'NEWS2 : échelle SpO2 2'), text: 'NEWS2 : échelle SpO2 2' })
  return {
    resourceType: 'Condition',
    identifier: [{ system: WRITE_IDENTIFIER_SYSTEM, value: input.writeId }],
    clinicalStatus: coded(CONDITION_CLINICAL, input.clinicalStatus),
    verificationStatus: coded(CONDITION_VERIFICATION, 'confirmed'),
    category,
    code: input.code
      ? { coding: [{ system: CIM10_SYSTEM, code: input.code.code, display: input.code.label }], text: input.text || input.code.label }
      : { text: input.text },
    subject: { reference: `Patient/${input.patientId}` },
    // A diagnosis belongs to this stay; a history item to the patient.
    ...(input.kind === 'diagnostic' && input.encounterId ? { encounter: { reference: `Encounter/${input.encounterId}` } } : {}),
    ...(input.onset ? { onsetDateTime: input.onset } : {}),
    recordedDate: input.recordedAt,
    recorder: { reference: `Practitioner/${input.author.practitionerId}`, display: input.author.displayName },
    ...(input.note ? { note: [{ text: input.note, time: input.recordedAt }] } : {}),
  }
}

export function allergyResource(input: {
  patientId: string
  encounterId: string | null
  substance: string
  fromFormulary: boolean
  type: 'allergy' | 'intolerance'
  category?: 'medication' | 'food' | 'environment' | 'biologic'
  manifestation?: string
  severity?: 'mild' | 'moderate' | 'severe'
  criticality?: 'low' | 'high' | 'unable-to-assess'
  clinicalStatus: string
  verificationStatus: string
  note?: string
  recordedAt: string
  author: RecordAuthor
  writeId: string
}): AllergyIntolerance {
  return {
    resourceType: 'AllergyIntolerance',
    identifier: [{ system: WRITE_IDENTIFIER_SYSTEM, value: input.writeId }],
    clinicalStatus: coded(ALLERGY_CLINICAL, input.clinicalStatus),
    verificationStatus: coded(ALLERGY_VERIFICATION, input.verificationStatus),
    type: input.type,
    ...(input.category ? { category: [input.category] } : input.fromFormulary ? { category: ['medication' as const] } : {}),
    ...(input.criticality ? { criticality: input.criticality } : {}),
    code: input.fromFormulary
      ? { coding: [{ system: FORMULARY_SUBSTANCE_SYSTEM, code: input.substance.toUpperCase(), display: input.substance }], text: input.substance }
      : { text: input.substance },
    patient: { reference: `Patient/${input.patientId}` },
    ...(input.encounterId ? { encounter: { reference: `Encounter/${input.encounterId}` } } : {}),
    recordedDate: input.recordedAt,
    recorder: { reference: `Practitioner/${input.author.practitionerId}`, display: input.author.displayName },
    ...(input.manifestation || input.severity
      ? {
          reaction: [
            {
              manifestation: [{ text: input.manifestation ?? 'Réaction non précisée' }],
              ...(input.severity ? { severity: input.severity } : {}),
            },
          ],
        }
      : {}),
    ...(input.note ? { note: [{ text: input.note, time: input.recordedAt }] } : {}),
  }
}

/**
 * The Provenance of one write: the author, and for an interne the senior on whose behalf (CSP R6153-3: the interne
 * acts "par délégation et sous la responsabilité du praticien dont il relève").
 */
export function provenanceOf(targetUrl: string, recorded: string, author: RecordAuthor, activity: 'CREATE' | 'UPDATE'): Provenance {
  const agent: ProvenanceAgent = {
    type: { coding: [{ system: PROVENANCE_PARTICIPANT, code: 'author', display: 'Author' }] },
    who: { reference: `Practitioner/${author.practitionerId}`, display: author.displayName },
    ...(author.role === 'interne' && author.onBehalfOf ? { onBehalfOf: { reference: `Practitioner/${author.onBehalfOf}` } } : {}),
  }
  return {
    resourceType: 'Provenance',
    target: [{ reference: targetUrl }],
    recorded,
    activity: { coding: [{ system: DATA_OPERATION, code: activity, display: activity === 'CREATE' ? 'create' : 'revise' }] },
    agent: [agent],
  }
}

/** The conditional create of a Provenance: R4 gives it no identifier, so its author and instant name it. */
export function provenanceIfNoneExist(author: RecordAuthor, recorded: string): string {
  return `agent=Practitioner/${author.practitionerId}&recorded=ge${recorded}&recorded=le${recorded}`
}
