import { createHash } from 'node:crypto'
import {
  CLASS_CODE,
  CONFIDENTIALITY_DISPLAY,
  CONFIDENTIALITY_OID,
  CONTENT_TYPE_CODE,
  DEFAULT_FACILITY_TYPE,
  DEFAULT_PRACTICE_SETTING,
  FINESS_OID,
  FORMAT_CODE_PDF,
  IDNPS_OID,
  LDL_SES_CODE,
  MASKING_CODES,
  MASKING_OID,
} from './codes'
import { structureIdOf } from './cda'
import { insUsable, type Coded, type MaskingFlags, type SignedLetterForTransport } from './types'
import { esc, hl7Date, uuidToOid, xdsTime } from './xml'

// ebRIM identifiers of IHE ITI TF-3 §4.2.5 (XDS metadata): classification schemes and identification schemes.
const SCHEME = {
  documentEntry: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  submissionSet: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  deAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  healthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  practiceSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  dePatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  deUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssContentTypeCode: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
} as const

/** The values the XDS metadata is made of, also used by the DMP deposit (DocumentReference). */
export interface XdsDocumentMetadata {
  uniqueId: string
  /** CX: `<INS>^^^&<oid>&ISO^NH` when QUAL, else the IPP (`^PI`). */
  patientId: string
  sourcePatientId: string
  /** SHA-1 (hex) and size in bytes of the CDA document. */
  hash: string
  size: number
  classCode: Coded
  typeCode: Coded
  formatCode: Coded
  confidentiality: Coded[]
  healthcareFacilityType: Coded
  practiceSetting: Coded
  /** XCN of the signer, XON of the establishment. */
  author: string
  authorInstitution: string
}

export function maskingCodes(masking: MaskingFlags): Coded[] {
  return (Object.keys(MASKING_CODES) as (keyof MaskingFlags)[])
    .filter((flag) => masking[flag])
    .map((flag) => ({ ...MASKING_CODES[flag], system: MASKING_OID }))
}

export function xdsMetadataOf(letter: SignedLetterForTransport, cda: Uint8Array): XdsDocumentMetadata {
  const { patient, signer, establishment } = letter
  const ipp = `${patient.ipp.extension}^^^&${patient.ipp.root}&ISO^PI`
  return {
    uniqueId: uuidToOid(letter.ids.documentId),
    patientId: insUsable(patient) ? `${patient.ins.extension}^^^&${patient.ins.root}&ISO^NH` : ipp,
    sourcePatientId: ipp,
    hash: createHash('sha1').update(cda).digest('hex'),
    size: cda.byteLength,
    classCode: CLASS_CODE,
    typeCode: LDL_SES_CODE,
    formatCode: FORMAT_CODE_PDF,
    confidentiality: [
      { code: letter.confidentiality, display: CONFIDENTIALITY_DISPLAY[letter.confidentiality], system: CONFIDENTIALITY_OID },
      ...maskingCodes(letter.masking),
    ],
    healthcareFacilityType: establishment.facilityType ?? DEFAULT_FACILITY_TYPE,
    practiceSetting: letter.stay.practiceSetting ?? DEFAULT_PRACTICE_SETTING,
    author: `${signer.idNat}^${signer.familyName}^${signer.givenName}^^^^^^&${IDNPS_OID}&ISO^D^^^IDNPS`,
    authorInstitution: `${establishment.name}^^^^^&${FINESS_OID}&ISO^IDNST^^^${structureIdOf(establishment)}`,
  }
}

function slot(name: string, ...values: string[]): string {
  return `<rim:Slot name="${esc(name)}"><rim:ValueList>${values.map((v) => `<rim:Value>${esc(v)}</rim:Value>`).join('')}</rim:ValueList></rim:Slot>`
}

function name(value: string): string {
  return `<rim:Name><rim:LocalizedString xml:lang="fr-FR" charset="UTF-8" value="${esc(value)}"/></rim:Name>`
}

/** Numbers the ebRIM objects of one METADATA.XML. */
type NextId = (prefix: string) => string

function classification(next: NextId, scheme: string, object: string, c: Coded): string {
  return (
    `<rim:Classification id="${next('cl')}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="${esc(c.code)}">` +
    `${slot('codingScheme', c.system)}${name(c.display)}</rim:Classification>`
  )
}

function authorClassification(next: NextId, scheme: string, object: string, meta: XdsDocumentMetadata): string {
  return (
    `<rim:Classification id="${next('cl')}" classificationScheme="${scheme}" classifiedObject="${object}" nodeRepresentation="">` +
    `${slot('authorPerson', meta.author)}${slot('authorInstitution', meta.authorInstitution)}</rim:Classification>`
  )
}

function externalId(next: NextId, scheme: string, object: string, value: string, label: string): string {
  return `<rim:ExternalIdentifier id="${next('ei')}" registryObject="${object}" identificationScheme="${scheme}" value="${esc(value)}">${name(label)}</rim:ExternalIdentifier>`
}

/**
 * METADATA.XML of the XDM archive: an XDS submission set holding one document entry (IHE ITI TF-3 §4.2, with the
 * French extensions of DOMAIN.md §3: masking flags among the confidentiality codes, INS as patientId).
 */
export function buildXdmMetadata(letter: SignedLetterForTransport, meta: XdsDocumentMetadata, options: { documentUri: string; submittedAt: Date; recipients?: string[] }): string {
  let counter = 0
  const next: NextId = (prefix) => `${prefix}${++counter}`
  const { patient, stay } = letter
  const doc = 'Document01'
  const set = 'SubmissionSet01'
  const sourcePatientInfo = [
    `PID-3|${meta.sourcePatientId}`,
    `PID-5|${patient.familyName}^${patient.givenNames.join(' ')}^^^^^L`,
    `PID-7|${hl7Date(patient.birthDate)}`,
    `PID-8|${patient.sex === 'UN' ? 'U' : patient.sex}`,
  ]
  const entry = [
    `<rim:ExtrinsicObject id="${doc}" mimeType="text/xml" objectType="${SCHEME.documentEntry}" status="urn:oasis:names:tc:ebxml-regrep:StatusType:Approved">`,
    slot('creationTime', xdsTime(letter.signedAt)),
    slot('hash', meta.hash),
    slot('size', String(meta.size)),
    slot('languageCode', 'fr-FR'),
    slot('legalAuthenticator', meta.author),
    slot('serviceStartTime', xdsTime(stay.start)),
    slot('serviceStopTime', xdsTime(stay.end)),
    slot('sourcePatientId', meta.sourcePatientId),
    slot('sourcePatientInfo', ...sourcePatientInfo),
    slot('URI', options.documentUri),
    name(letter.title),
    authorClassification(next, SCHEME.deAuthor, doc, meta),
    classification(next, SCHEME.classCode, doc, meta.classCode),
    ...meta.confidentiality.map((c) => classification(next, SCHEME.confidentialityCode, doc, c)),
    classification(next, SCHEME.formatCode, doc, meta.formatCode),
    classification(next, SCHEME.healthcareFacilityTypeCode, doc, meta.healthcareFacilityType),
    classification(next, SCHEME.practiceSettingCode, doc, meta.practiceSetting),
    classification(next, SCHEME.typeCode, doc, meta.typeCode),
    externalId(next, SCHEME.dePatientId, doc, meta.patientId, 'XDSDocumentEntry.patientId'),
    externalId(next, SCHEME.deUniqueId, doc, meta.uniqueId, 'XDSDocumentEntry.uniqueId'),
    '</rim:ExtrinsicObject>',
  ]
  const submission = [
    `<rim:RegistryPackage id="${set}">`,
    slot('submissionTime', xdsTime(options.submittedAt)),
    ...(options.recipients && options.recipients.length > 0 ? [slot('intendedRecipient', ...options.recipients.map((r) => `^^^^^^^^^${r}`))] : []),
    name(letter.title),
    authorClassification(next, SCHEME.ssAuthor, set, meta),
    classification(next, SCHEME.ssContentTypeCode, set, CONTENT_TYPE_CODE),
    externalId(next, SCHEME.ssUniqueId, set, `${meta.uniqueId}.1`, 'XDSSubmissionSet.uniqueId'),
    externalId(next, SCHEME.ssSourceId, set, `${FINESS_OID}.${letter.establishment.finess}`, 'XDSSubmissionSet.sourceId'),
    externalId(next, SCHEME.ssPatientId, set, meta.patientId, 'XDSSubmissionSet.patientId'),
    '</rim:RegistryPackage>',
    `<rim:Classification id="clSet" classifiedObject="${set}" classificationNode="${SCHEME.submissionSet}"/>`,
    `<rim:Association id="as01" associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember" sourceObject="${set}" targetObject="${doc}">`,
    slot('SubmissionSetStatus', 'Original'),
    '</rim:Association>',
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">',
    '<rim:RegistryObjectList>',
    ...entry,
    ...submission,
    '</rim:RegistryObjectList>',
    '</lcm:SubmitObjectsRequest>',
    '',
  ].join('\n')
}
