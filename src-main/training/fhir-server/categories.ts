import type { Observation, Resource } from '@medplum/fhirtypes'
import type { Category } from '../../access/matrix'

/**
 * Which category of the habilitation matrix (src-main/access/matrix.ts) each FHIR resource type belongs to, so that
 * the training central refuses what a role may not do, as Chevet does for what it serves from its cache. One table,
 * documented in docs/habilitations.md ("Le central de formation applique la matrice"). Observation depends on its
 * category (laboratory/imaging are results, the rest — vital signs, surveys, social history — observations);
 * Provenance takes the category of what it attests (its targets).
 */
export const RESOURCE_CATEGORIES: Readonly<Record<string, Category>> = {
  Patient: 'identite',
  RelatedPerson: 'administratif',
  Encounter: 'administratif',
  EpisodeOfCare: 'administratif',
  Coverage: 'administratif',
  CareTeam: 'administratif',
  Consent: 'administratif',
  Flag: 'administratif',
  Task: 'administratif',
  Device: 'administratif',
  List: 'administratif',
  AllergyIntolerance: 'sante.observations',
  Condition: 'sante.observations',
  Procedure: 'sante.observations',
  Immunization: 'sante.observations',
  MedicationAdministration: 'sante.observations',
  QuestionnaireResponse: 'sante.observations',
  RiskAssessment: 'sante.observations',
  Goal: 'sante.observations',
  Composition: 'sante.notes',
  ClinicalImpression: 'sante.notes',
  Communication: 'sante.notes',
  DiagnosticReport: 'sante.resultats',
  ImagingStudy: 'sante.resultats',
  Specimen: 'sante.resultats',
  MedicationRequest: 'sante.prescriptions',
  MedicationStatement: 'sante.prescriptions',
  MedicationDispense: 'sante.prescriptions',
  ServiceRequest: 'sante.prescriptions',
  NutritionOrder: 'sante.prescriptions',
  CarePlan: 'sante.prescriptions',
  Medication: 'sante.prescriptions',
  DocumentReference: 'documents',
  Binary: 'documents',
  Practitioner: 'professionnels',
  PractitionerRole: 'professionnels',
  Organization: 'professionnels',
  Location: 'professionnels',
  HealthcareService: 'professionnels',
  AuditEvent: 'journal',
}

const RESULT_OBSERVATION_CATEGORIES: ReadonlySet<string> = new Set(['laboratory', 'imaging', 'procedure'])

/** The category of one resource; undefined for Provenance (its targets decide) and for unknown types. */
export function categoryOf(resource: Resource): Category | undefined {
  if (resource.resourceType === 'Observation') {
    const codes = ((resource as Observation).category ?? []).flatMap((c) => (c.coding ?? []).map((coding) => coding.code))
    return codes.some((code) => code !== undefined && RESULT_OBSERVATION_CATEGORIES.has(code)) ? 'sante.resultats' : 'sante.observations'
  }
  return RESOURCE_CATEGORIES[resource.resourceType]
}

/** Every category a search of this type may return (Observation: two), to refuse a search none of them allows. */
export function categoriesOfType(type: string): Category[] {
  if (type === 'Observation') return ['sante.observations', 'sante.resultats']
  const category = RESOURCE_CATEGORIES[type]
  return category ? [category] : []
}
