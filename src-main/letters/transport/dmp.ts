import type { Binary, Bundle, BundleEntry, CodeableConcept, Coding, DocumentReference } from '@medplum/fhirtypes'
import { randomUUID } from 'node:crypto'
import type { CentralClient } from '../../central/types'
import { CONFIDENTIALITY_SYSTEM, LDL_SES_CODE, LOINC_SYSTEM } from './codes'
import { buildLetterCda } from './cda'
import { xdsMetadataOf } from './metadata'
import { insUsable, type Coded, type SignedLetterForTransport } from './types'

export const RFC3986 = 'urn:ietf:rfc:3986'
/** The CDA versionNumber on the DocumentReference (FHIR R4 has no element for it). */
export const VERSION_EXTENSION = 'urn:chevet:fhir:cda-version-number'

export class DmpDepositError extends Error {
  constructor(
    readonly code: 'IDENTITE_NON_QUALIFIEE' | 'REPONSE_INVALIDE',
    message: string,
  ) {
    super(message)
    this.name = 'DmpDepositError'
  }
}

export interface DmpDepositResult {
  documentReferenceId: string
  binaryId: string
  /** The DocumentReference's version at the central. */
  versionId: string | null
  /** DocumentReference.status at the central: current (superseded once a new version replaces it). */
  status: string
  /** false: this version was already deposited (a replay); the ids are those of the first deposit. */
  created: boolean
  /** XDS uniqueId (OID) of this version: the DocumentReference's masterIdentifier. */
  uniqueId: string
}

export interface DmpDepositOptions {
  /** The DocumentReference of the previous version of the same letter (same setId), which this one replaces. */
  replaces?: string
}

function coding(c: Coded): Coding {
  return { system: `urn:oid:${c.system}`, code: c.code, display: c.display }
}

function concept(c: Coded): CodeableConcept {
  return { coding: [coding(c)] }
}

/** The letter's CDA as DocumentReference + Binary, with the XDS metadata of DOMAIN.md §3 (MHD's mapping). */
export function buildDmpTransaction(letter: SignedLetterForTransport, options: DmpDepositOptions = {}): Bundle {
  const cda = new TextEncoder().encode(buildLetterCda(letter))
  const meta = xdsMetadataOf(letter, cda)
  const { ids, patient, signer, establishment, stay } = letter
  const binaryUrl = `urn:uuid:${randomUUID()}`
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: 'text/xml',
    // The patient's: the central gives the document's access rules to its content.
    securityContext: { reference: `Patient/${patient.id}` },
    data: Buffer.from(cda).toString('base64'),
  }
  const organization = establishment.organizationId ? { reference: `Organization/${establishment.organizationId}`, display: establishment.name } : { display: establishment.name }
  const [confidentiality, ...masking] = meta.confidentiality
  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    extension: [{ url: VERSION_EXTENSION, valueInteger: ids.version }],
    masterIdentifier: { system: RFC3986, value: `urn:oid:${meta.uniqueId}` },
    identifier: [{ system: RFC3986, value: `urn:uuid:${ids.documentId}` }],
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ system: LOINC_SYSTEM, code: LDL_SES_CODE.code, display: LDL_SES_CODE.display }] },
    category: [concept(meta.classCode)],
    subject: { reference: `Patient/${patient.id}` },
    date: letter.signedAt.toISOString(),
    author: [{ reference: `Practitioner/${signer.practitionerId}`, display: `${signer.givenName} ${signer.familyName}` }, organization],
    authenticator: { reference: `Practitioner/${signer.practitionerId}` },
    custodian: organization,
    ...(options.replaces ? { relatesTo: [{ code: 'replaces', target: { reference: `DocumentReference/${options.replaces}` } }] } : {}),
    description: letter.title,
    securityLabel: [
      { coding: [{ system: CONFIDENTIALITY_SYSTEM, code: confidentiality!.code, display: confidentiality!.display }] },
      ...masking.map(concept),
    ],
    content: [
      {
        attachment: {
          contentType: 'text/xml',
          language: 'fr-FR',
          url: binaryUrl,
          size: meta.size,
          // XDS hash is SHA-1 hex; FHIR Attachment.hash is the same digest in base64.
          hash: Buffer.from(meta.hash, 'hex').toString('base64'),
          title: letter.title,
          creation: letter.signedAt.toISOString(),
        },
        format: coding(meta.formatCode),
      },
    ],
    context: {
      encounter: [{ reference: `Encounter/${stay.encounterId}` }],
      period: { start: stay.start, end: stay.end },
      facilityType: concept(meta.healthcareFacilityType),
      practiceSetting: concept(meta.practiceSetting),
      sourcePatientInfo: { reference: `Patient/${patient.id}` },
      // The setId: every version of the letter names it, so the versions are found together.
      related: [{ identifier: { system: RFC3986, value: `urn:uuid:${ids.setId}` } }],
    },
  }
  const entries: BundleEntry[] = [
    { fullUrl: binaryUrl, resource: binary, request: { method: 'POST', url: 'Binary' } },
    { fullUrl: `urn:uuid:${randomUUID()}`, resource: document, request: { method: 'POST', url: 'DocumentReference' } },
  ]
  return { resourceType: 'Bundle', type: 'transaction', entry: entries }
}

function idOf(location: string | undefined, type: string): string | undefined {
  const match = new RegExp(`(?:^|/)${type}/([^/]+)`).exec(location ?? '')
  return match?.[1]
}

/**
 * Deposits the letter in the DMP through the central (DOMAIN.md §3): one transaction with the Binary (the CDA) and
 * its DocumentReference. The DMP is indexed by the INS: an identity that is not QUAL cannot be deposited. A version
 * already deposited (same document id) is not deposited twice: its ids come back with `created: false`.
 */
export async function depositLetterInDmp(central: CentralClient, letter: SignedLetterForTransport, options: DmpDepositOptions = {}): Promise<DmpDepositResult> {
  if (!insUsable(letter.patient)) {
    throw new DmpDepositError('IDENTITE_NON_QUALIFIEE', 'The DMP takes documents of QUAL identities only (INS)')
  }
  const existing = await central.search<DocumentReference>('DocumentReference', {
    identifier: `${RFC3986}|urn:uuid:${letter.ids.documentId}`,
    subject: `Patient/${letter.patient.id}`,
  })
  const found = existing.resources[0]
  if (found?.id) return resultOf(found, false)

  const response = await central.transaction(buildDmpTransaction(letter, options))
  const [binaryEntry, documentEntry] = response.entry ?? []
  const documentId = documentEntry?.resource?.id ?? idOf(documentEntry?.response?.location, 'DocumentReference')
  const binaryId = binaryEntry?.resource?.id ?? idOf(binaryEntry?.response?.location, 'Binary')
  if (!documentId || !binaryId) throw new DmpDepositError('REPONSE_INVALIDE', 'The central did not return the deposited ids')
  const stored = await central.read<DocumentReference>('DocumentReference', documentId)
  return resultOf(stored, true, binaryId)
}

function resultOf(document: DocumentReference, created: boolean, binaryId?: string): DmpDepositResult {
  const url = document.content?.[0]?.attachment?.url
  return {
    documentReferenceId: document.id!,
    binaryId: binaryId ?? idOf(url, 'Binary') ?? '',
    versionId: document.meta?.versionId ?? null,
    status: document.status,
    created,
    uniqueId: (document.masterIdentifier?.value ?? '').replace(/^urn:oid:/, ''),
  }
}

/** The deposit's status as the central has it now (current, superseded, entered-in-error). */
export async function dmpDepositStatus(central: CentralClient, documentReferenceId: string): Promise<{ status: string; versionId: string | null }> {
  const document = await central.read<DocumentReference>('DocumentReference', documentReferenceId)
  return { status: document.status, versionId: document.meta?.versionId ?? null }
}
