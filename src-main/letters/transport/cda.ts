import {
  CONFIDENTIALITY_DISPLAY,
  CONFIDENTIALITY_OID,
  DEFAULT_FACILITY_TYPE,
  FINESS_OID,
  GENDER_OID,
  IDNPS_OID,
  LDL_SES_CODE,
  LDL_TEMPLATE_IDS,
  LOINC_OID,
} from './codes'
import { insUsable, type Coded, type SignedLetterForTransport, type TransportEstablishment, type TransportSigner } from './types'
import { esc, hl7Date, hl7Time } from './xml'

/** The establishment's structure id in the CI-SIS: "1" + FINESS under the structure OID. */
export function structureIdOf(establishment: TransportEstablishment): string {
  return `1${establishment.finess}`
}

function code(tag: string, c: Coded): string {
  return `<${tag} code="${esc(c.code)}" displayName="${esc(c.display)}" codeSystem="${esc(c.system)}"/>`
}

function personName(given: string[], family: string): string {
  return `<name>${given.map((g) => `<given>${esc(g)}</given>`).join('')}<family>${esc(family)}</family></name>`
}

function organization(tag: string, establishment: TransportEstablishment): string {
  const address = establishment.address
    ? `<addr>${establishment.address.line.map((l) => `<streetAddressLine>${esc(l)}</streetAddressLine>`).join('')}` +
      `<postalCode>${esc(establishment.address.postalCode)}</postalCode><city>${esc(establishment.address.city)}</city></addr>`
    : ''
  return `<${tag}><id root="${FINESS_OID}" extension="${esc(structureIdOf(establishment))}"/><name>${esc(establishment.name)}</name>${address}</${tag}>`
}

function signerEntity(tag: string, signer: TransportSigner): string {
  const profession = signer.specialty ? code('code', signer.specialty) : ''
  return `<${tag}><id root="${IDNPS_OID}" extension="${esc(signer.idNat)}"/>${profession}<assignedPerson>${personName([signer.givenName], signer.familyName)}</assignedPerson>`
}

/**
 * The letter as a CDA R2 level-1 document (DOMAIN.md §3): the LDL-SES header, and a non-structured body carrying
 * the signed PDF/A in base64. The matricule INS is the patient's id only when the identity is QUAL (EXI SI 08); the
 * IPP is always there.
 */
export function buildLetterCda(letter: SignedLetterForTransport): string {
  const { ids, patient, signer, establishment, stay } = letter
  const signedAt = hl7Time(letter.signedAt)
  const patientIds = [
    ...(insUsable(patient) ? [`<id root="${esc(patient.ins.root)}" extension="${esc(patient.ins.extension)}"/>`] : []),
    `<id root="${esc(patient.ipp.root)}" extension="${esc(patient.ipp.extension)}"/>`,
  ].join('')
  const facility = establishment.facilityType ?? DEFAULT_FACILITY_TYPE
  const period = `<effectiveTime><low value="${hl7Time(stay.start)}"/><high value="${hl7Time(stay.end)}"/></effectiveTime>`

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<realmCode code="FR"/>',
    '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>',
    ...LDL_TEMPLATE_IDS.map((root) => `<templateId root="${root}"/>`),
    `<id root="${esc(ids.documentId.toUpperCase())}"/>`,
    `<code code="${LDL_SES_CODE.code}" displayName="${esc(LDL_SES_CODE.display)}" codeSystem="${LOINC_OID}" codeSystemName="LOINC"/>`,
    `<title>${esc(letter.title)}</title>`,
    `<effectiveTime value="${signedAt}"/>`,
    `<confidentialityCode code="${letter.confidentiality}" displayName="${esc(CONFIDENTIALITY_DISPLAY[letter.confidentiality])}" codeSystem="${CONFIDENTIALITY_OID}"/>`,
    '<languageCode code="fr-FR"/>',
    `<setId root="${esc(ids.setId.toUpperCase())}"/>`,
    `<versionNumber value="${ids.version}"/>`,
    '<recordTarget><patientRole>',
    patientIds,
    '<patient>',
    personName(patient.givenNames, patient.familyName),
    `<administrativeGenderCode code="${patient.sex}" codeSystem="${GENDER_OID}"/>`,
    `<birthTime value="${hl7Date(patient.birthDate)}"/>`,
    '</patient></patientRole></recordTarget>',
    `<author><time value="${signedAt}"/>`,
    signerEntity('assignedAuthor', signer),
    organization('representedOrganization', establishment),
    '</assignedAuthor></author>',
    '<custodian><assignedCustodian>',
    organization('representedCustodianOrganization', establishment),
    '</assignedCustodian></custodian>',
    `<legalAuthenticator><time value="${signedAt}"/><signatureCode code="S"/>`,
    signerEntity('assignedEntity', signer),
    organization('representedOrganization', establishment),
    '</assignedEntity></legalAuthenticator>',
    '<documentationOf><serviceEvent>',
    `<code code="${LDL_SES_CODE.code}" codeSystem="${LOINC_OID}"/>`,
    period,
    `<performer typeCode="PRF">${signerEntity('assignedEntity', signer)}${organization('representedOrganization', establishment)}</assignedEntity></performer>`,
    '</serviceEvent></documentationOf>',
    '<componentOf><encompassingEncounter>',
    ...(stay.nda ? [`<id root="${esc(stay.nda.root)}" extension="${esc(stay.nda.extension)}"/>`] : []),
    period,
    '<location><healthCareFacility>',
    code('code', facility),
    `<location><name>${esc(stay.unitName)}</name></location>`,
    '</healthCareFacility></location>',
    '</encompassingEncounter></componentOf>',
    '<component><nonXMLBody>',
    `<text mediaType="application/pdf" representation="B64">${Buffer.from(letter.pdf).toString('base64')}</text>`,
    '</nonXMLBody></component>',
    '</ClinicalDocument>',
    '',
  ].join('\n')
}
