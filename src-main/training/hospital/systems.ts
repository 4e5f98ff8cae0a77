// Code systems and identifier systems used by the synthetic hospital, in one place so that the server, the
// client and the tests name them the same way.

export const FR_CORE = 'https://hl7.fr/ig/fhir/core'
export const FR_CORE_IDENTIFIER_TYPE = `${FR_CORE}/CodeSystem/fr-core-cs-v2-0203`
export const HL7_IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203'

/**
 * Training data carry the INS-NIR *test* OID (FR Core slice INS-NIR-TEST), never the production INS-NIR OID
 * 1.2.250.1.213.1.4.8: these people do not exist, and a number under the production OID could be taken for a
 * real person's matricule if it ever leaked into a real system. The numbers still follow the NIR layout and key.
 */
export const INS_NIR_TEST_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.10'
export const INS_NIR_TEST_TYPE = 'INS-NIR-TEST'
/** The production INS-NIR OID, for the real client (not used in training data). */
export const INS_NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8'

/**
 * IPP: the identifier is local to an establishment, whose own OID names it in real life. The training
 * establishment has no registered OID, so a URL under the reserved .example domain says plainly that it is
 * fictitious.
 */
export const IPP_SYSTEM = 'https://chevet.example/ipp'
/** Stay number (NDA), local to the establishment for the same reason. */
export const NDA_SYSTEM = 'https://chevet.example/nda'

export const FINESS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.2'
export const IDNPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1'
export const RPPS_SYSTEM = 'https://rpps.esante.gouv.fr'

/**
 * Identity status (RNIV). FR Core 2.x draws PROV/RECUP/VALI/QUAL from its v2-0445 code system; later ballots
 * move them to fr-core-cs-identity-status with the same codes.
 */
export const IDENTITY_RELIABILITY_URL = `${FR_CORE}/StructureDefinition/fr-core-identity-reliability`
export const IDENTITY_STATUS_SYSTEM = `${FR_CORE}/CodeSystem/fr-core-cs-v2-0445`
export const BIRTH_LIST_GIVEN_NAME_URL = `${FR_CORE}/StructureDefinition/fr-core-patient-birth-list-given-name`
export const BIRTH_PLACE_URL = 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace'
export const INSEE_CODE_URL = `${FR_CORE}/StructureDefinition/fr-core-address-insee-code`
export const COG_COMMUNE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM'

/** Profession (TRE_G15) for health professionals. */
export const PROFESSION_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante'
/**
 * Chevet's own role codes, equal to the session Role enum (src-main/contract/session.ts). Secretaries, DPOs
 * and care managers have no TRE_G15 profession, and an intern is a médecin by profession: the token endpoint
 * reads the role from this coding, not from the profession.
 */
export const CHEVET_ROLE_SYSTEM = 'https://chevet.example/fhir/CodeSystem/role'
/** Unit codes (the training establishment's UF). */
export const UNIT_CODE_SYSTEM = 'https://chevet.example/fhir/CodeSystem/unite'
/**
 * Care context tags with no national code: a detained patient (penitentiary) changes who may see and how the
 * chart is shown, so it is a meta.tag the access rules can read.
 */
export const PATIENT_CONTEXT_SYSTEM = 'https://chevet.example/fhir/CodeSystem/contexte-patient'

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality'
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode'
export const LOINC = 'http://loinc.org'
export const SNOMED = 'http://snomed.info/sct'
export const UCUM = 'http://unitsofmeasure.org'
/** CIM-10: the WHO ICD-10 system URI, which FHIR servers recognise; labels are the French (ATIH) ones. */
export const CIM10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10'
export const ATC_SYSTEM = 'http://www.whocc.no/atc'
export const EDQM_SYSTEM = 'http://standardterms.edqm.eu'
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'
export const INTERPRETATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation'
export const REPORT_CATEGORY = 'http://terminology.hl7.org/CodeSystem/v2-0074'
export const LOCATION_PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type'
