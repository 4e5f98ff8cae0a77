/**
 * The resource types the training central serves (DESIGN.md §6 and what a hospital chart needs around them).
 * Anything else answers 404, so the CapabilityStatement lists exactly what works.
 */
export const SUPPORTED_RESOURCE_TYPES = [
  'AllergyIntolerance',
  'AuditEvent',
  // Letter contents deposited with their DocumentReference (DMP deposit, issue 9); see patient-links.ts.
  'Binary',
  'CarePlan',
  'CareTeam',
  'ClinicalImpression',
  'Communication',
  'Composition',
  'Condition',
  'Consent',
  'Coverage',
  'Device',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'EpisodeOfCare',
  'Flag',
  'Goal',
  'HealthcareService',
  'ImagingStudy',
  'Immunization',
  'List',
  'Location',
  'Medication',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'NutritionOrder',
  'Observation',
  'Organization',
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Procedure',
  'Provenance',
  'QuestionnaireResponse',
  'RelatedPerson',
  'RiskAssessment',
  'ServiceRequest',
  'Specimen',
  'Task',
] as const

const supported = new Set<string>(SUPPORTED_RESOURCE_TYPES)

export function isSupportedResourceType(type: string): boolean {
  return supported.has(type)
}

/**
 * Reference data the hospital's own systems maintain (structure, staff). Writable through load() only: a user who
 * could rewrite a Location's partOf could move a ward under their own unit and gain access to its patients.
 */
export const REFERENCE_DATA_TYPES: ReadonlySet<string> = new Set([
  'Location',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'HealthcareService',
])
