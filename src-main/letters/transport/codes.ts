import type { Coded } from './types'

// Codes of the lettre de liaison in the CI-SIS and the DMP (DOMAIN.md §3). Those marked [NC] were not confirmed
// against the ANS terminology here and are overridable by the caller; docs/mssante-dmp.md lists them.

export const LOINC_OID = '2.16.840.1.113883.6.1'
export const LOINC_SYSTEM = 'http://loinc.org'
export const LDL_SES_CODE: Coded = {
  code: '11490-0',
  display: 'Lettre de liaison à la sortie d’un établissement de soins',
  system: LOINC_OID,
}

/** HL7 France realm, CI-SIS conformity, then the LDL-SES volet (schematron Entete_LDL-SES). */
export const LDL_TEMPLATE_IDS = ['2.16.840.1.113883.2.8.2.1', '1.2.250.1.213.1.1.1.1', '1.2.250.1.213.1.1.1.29'] as const

/** N1 CDA: a non-structured body holding a PDF (TRE_A11). */
export const FORMAT_CODE_PDF: Coded = {
  code: 'urn:ihe:iti:xds-sd:pdf:2008',
  display: 'Document à corps non structuré en Pdf/A-1',
  system: '1.3.6.1.4.1.19376.1.2.3',
}
/** The structured LDL-SES (N3), for when the letter's body is structured one day. */
export const FORMAT_CODE_LDL_SES: Coded = { code: 'urn:asip:ci-sis:ldl-ses:2017', display: 'Lettre de liaison de sortie', system: '1.2.250.1.213.1.1.4.2.282' }

/** XDS classCode (JDV_J57, via ASS_X04 from the CDA code). [NC] */
export const CLASS_CODE: Coded = { code: '10', display: 'Compte rendu', system: '1.2.250.1.213.1.1.4.1' }
/** Submission-set contentTypeCode (JDV_J59). [NC] */
export const CONTENT_TYPE_CODE: Coded = { code: '04', display: 'Hospitalisation', system: '1.2.250.1.213.1.1.4.12' }
/** J61 healthcareFacilityTypeCode default. [NC] */
export const DEFAULT_FACILITY_TYPE: Coded = { code: 'SA01', display: 'Établissement public de santé', system: '1.2.250.1.71.4.2.4' }
/** J02 practiceSettingCode default. [NC] */
export const DEFAULT_PRACTICE_SETTING: Coded = { code: 'ETABLISSEMENT', display: 'Établissement de santé', system: '1.2.250.1.213.1.1.4.9' }

export const CONFIDENTIALITY_OID = '2.16.840.1.113883.5.25'
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality'
export const CONFIDENTIALITY_DISPLAY = { N: 'Normal', R: 'Restreint', V: 'Très restreint' } as const

/** Masking flags (TRE_A07), added to the confidentialityCode list of the XDS metadata. */
export const MASKING_OID = '1.2.250.1.213.1.1.4.13'
export const MASKING_CODES = {
  invisiblePatient: { code: 'INVISIBLE_PATIENT', display: 'Document non visible par le patient' },
  maskedFromProfessionals: { code: 'MASQUE_PS', display: 'Document masqué aux professionnels de santé' },
  invisibleLegalRepresentatives: { code: 'INVISIBLE_REPRESENTANTS_LEGAUX', display: 'Non visible par les représentants légaux du patient' },
} as const

export const IDNPS_OID = '1.2.250.1.71.4.2.1'
export const FINESS_OID = '1.2.250.1.71.4.2.2'
export const GENDER_OID = '2.16.840.1.113883.5.1'

/** The patient's Mon espace santé mailbox (DOMAIN.md §4). */
export const PATIENT_MAILBOX_DOMAIN = 'patient.mssante.fr'
