/**
 * What the transport needs of a signed letter. The letter model (src-main/letters/) maps its own types onto these,
 * so the CDA, the XDM archive, the MSSanté message and the DMP deposit are built from one description.
 */

/** RNIV identity status (DOMAIN.md §2): only QUAL allows the matricule INS to travel. */
export type IdentityStatus = 'PROV' | 'RECUP' | 'VALI' | 'QUAL'

/** An identifier as HL7 v3 names it: an OID (or UUID) root and a value. */
export interface InstanceId {
  root: string
  extension: string
}

export interface TransportPatient {
  /** The Patient's id at the central (DocumentReference.subject). */
  id: string
  /** IPP: the establishment's local identifier and the OID that names its assigning authority. */
  ipp: InstanceId
  /** Matricule INS (15 digits) and its OID (1.2.250.1.213.1.4.8 NIR, .9 NIA, .10 test, .11 demo); null without one. */
  ins: InstanceId | null
  identityStatus: IdentityStatus
  familyName: string
  givenNames: string[]
  /** YYYY-MM-DD */
  birthDate: string
  /** HL7 AdministrativeGender: M, F or UN. */
  sex: 'M' | 'F' | 'UN'
}

/** The doctor who signed with the CPS signature key: author and legal authenticator. */
export interface TransportSigner {
  /** The Practitioner's id at the central. */
  practitionerId: string
  /** National id of the professional (idNat: 8 + RPPS, 0 + ADELI). */
  idNat: string
  familyName: string
  givenName: string
  /** The signer's own MSSanté address: the From of the message when set. */
  mssante?: string
  /** Profession code (TRE_G15), e.g. 10 = médecin; and specialty (TRE_R38) if known. */
  professionCode?: string
  specialty?: Coded
}

export interface TransportEstablishment {
  name: string
  finess: string
  /** The establishment's Organization id at the central (DocumentReference.custodian). */
  organizationId?: string
  /** J61 healthcareFacilityTypeCode, e.g. SA01 "Établissement public de santé". */
  facilityType?: Coded
  address?: { line: string[]; postalCode: string; city: string }
}

export interface Coded {
  code: string
  display: string
  /** OID of the code system. */
  system: string
}

export interface TransportStay {
  /** The Encounter's id at the central. */
  encounterId: string
  /** The stay number (NDA) and the OID of its assigning authority: the CDA encounter's id. */
  nda?: InstanceId
  /** ISO date-times */
  start: string
  end: string
  unitName: string
  /** J02 practiceSettingCode, e.g. MEDECINE "Médecine". */
  practiceSetting?: Coded
}

export interface TransportDocumentIds {
  /** This version's id (a UUID): CDA id, XDS uniqueId, DocumentReference masterIdentifier is the setId. */
  documentId: string
  /** Stays the same across versions of one letter (UUID). */
  setId: string
  /** 1, 2, …: a change after signature makes a new version. */
  version: number
}

/** Masking flags (DOMAIN.md §3, TRE_A07): who must not see the document. */
export interface MaskingFlags {
  /** No copy to the patient's mailbox, not visible to the patient in the DMP. */
  invisiblePatient: boolean
  /** Masked from professionals in the DMP. */
  maskedFromProfessionals: boolean
  invisibleLegalRepresentatives: boolean
}

export const NO_MASKING: MaskingFlags = { invisiblePatient: false, maskedFromProfessionals: false, invisibleLegalRepresentatives: false }

/** HL7 Confidentiality: N normal, R restricted, V very restricted. */
export type Confidentiality = 'N' | 'R' | 'V'

export interface SignedLetterForTransport {
  ids: TransportDocumentIds
  title: string
  patient: TransportPatient
  signer: TransportSigner
  establishment: TransportEstablishment
  stay: TransportStay
  /** The signed PDF/A (PAdES), byte for byte. */
  pdf: Uint8Array
  /** When the doctor signed it (CDA effectiveTime, legalAuthenticator time). */
  signedAt: Date
  confidentiality: Confidentiality
  masking: MaskingFlags
}

/** The identity may travel with the matricule INS (EXI SI 08). */
export function insUsable(patient: TransportPatient): patient is TransportPatient & { ins: InstanceId } {
  return patient.identityStatus === 'QUAL' && patient.ins !== null
}
