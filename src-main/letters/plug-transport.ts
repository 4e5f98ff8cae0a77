import type { Organization, Practitioner } from '@medplum/fhirtypes'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { readCertificateIdentity, type CertificateIdentity } from '../auth/assertion'
import { x509 } from '../auth/x509'
import type { CentralClient } from '../central/types'
import type { Letter } from '../contract'
import type { Database } from '../store/migration'
import { patientTraits } from '../store/cache/patient-traits'
import type { PrefillSources } from './prefill'
import { NO_MASKING, oidForUri, type IdentityStatus, type SignedLetterForTransport, type TransportPatient } from './transport'

/* h6's Letter (and the cached chart behind it) mapped onto what h8's transport takes. */

const IDNPS = 'urn:oid:1.2.250.1.71.4.2.1'
const FINESS_SYSTEMS = new Set(['urn:oid:1.2.250.1.71.4.2.2', 'http://finess.sante.gouv.fr'])

export class TransportMappingError extends Error {
  constructor(readonly code: 'SEJOUR_INCONNU' | 'IDENTITE_INCOMPLETE' | 'SIGNATAIRE_INCONNU') {
    super(code)
    this.name = 'TransportMappingError'
  }
}

function bareOid(system: string): string {
  return system.replace(/^urn:oid:/, '')
}

/** The cached Patient as the CDA's recordTarget wants it: IPP always, the INS only with its OID. */
export function transportPatientOf(sources: PrefillSources, letter: Letter): TransportPatient {
  const { patient } = sources
  const traits = patientTraits(patient)
  if (!patient.id || !patient.birthDate) throw new TransportMappingError('IDENTITE_INCOMPLETE')
  const ippSystem = patient.identifier?.find((i) => i.value === traits.ipp)?.system ?? 'urn:chevet:ipp'
  const status = (traits.identityStatus ?? letter.content.patient.identityStatus ?? 'PROV') as IdentityStatus
  const official = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0]
  return {
    id: patient.id,
    ipp: { root: oidForUri(ippSystem), extension: traits.ipp ?? patient.id },
    ins: traits.ins && traits.insOid ? { root: bareOid(traits.insOid), extension: traits.ins } : null,
    identityStatus: status,
    familyName: (official?.family ?? traits.familyName).toUpperCase(),
    givenNames: official?.given?.length ? official.given : [traits.givenName],
    birthDate: patient.birthDate,
    sex: traits.sex === 'male' ? 'M' : traits.sex === 'female' ? 'F' : 'UN',
  }
}

/** Who signed: read from the signature certificate inside the signed PDF itself, not from whoever sends it. */
export function signerOfPdf(pdf: Uint8Array): CertificateIdentity {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1')
  const matches = [...text.matchAll(/\/ByteRange\s*\[[^\]]*\]\s*\/Contents\s*<([0-9A-Fa-f]+)>/g)]
  const hex = matches.at(-1)?.[1]
  if (!hex) throw new TransportMappingError('SIGNATAIRE_INCONNU')
  const der = Buffer.from(hex, 'hex')
  const parsed = asn1js.fromBER(der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer)
  if (parsed.offset === -1) throw new TransportMappingError('SIGNATAIRE_INCONNU')
  const signedData = new pkijs.SignedData({ schema: new pkijs.ContentInfo({ schema: parsed.result }).content })
  const first = signedData.certificates?.find((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
  if (!first) throw new TransportMappingError('SIGNATAIRE_INCONNU')
  return readCertificateIdentity(new x509.X509Certificate(new Uint8Array(first.toSchema().toBER())))
}

export async function transportLetterOf(input: {
  db: Database
  central: CentralClient
  letter: Letter
  pdf: Uint8Array
  sources: PrefillSources
  establishment: { name: string; finess: string }
}): Promise<SignedLetterForTransport> {
  const { letter, sources, central } = input
  const encounter = sources.encounter
  if (!encounter?.id) throw new TransportMappingError('SEJOUR_INCONNU')
  const signer = signerOfPdf(input.pdf)
  const found = await central.search<Practitioner>('Practitioner', { identifier: `${IDNPS}|${signer.idNat}`, _count: '1' })
  const practitioner = found.resources[0]
  if (!practitioner?.id) throw new TransportMappingError('SIGNATAIRE_INCONNU')
  const mssante = practitioner.telecom?.find((t) => t.system === 'email' && t.value?.endsWith('.mssante.fr'))?.value
  const organizations = (input.db.prepare(`SELECT json FROM health_resource WHERE resource_type = 'Organization'`).pluck().all() as string[]).map(
    (t) => JSON.parse(t) as Organization,
  )
  const organization = organizations.find((o) => o.identifier?.some((i) => i.system && FINESS_SYSTEMS.has(i.system) && i.value === input.establishment.finess))
  const signedAt = letter.signedAt ? new Date(letter.signedAt) : new Date()
  return {
    ids: { documentId: letter.id, setId: letter.setId, version: letter.version },
    title: `Lettre de liaison de sortie${sources.unitName ? ` — ${sources.unitName}` : ''}`,
    patient: transportPatientOf(sources, letter),
    signer: {
      practitionerId: practitioner.id,
      idNat: signer.idNat,
      familyName: signer.surname ?? practitioner.name?.[0]?.family ?? '',
      givenName: signer.givenName ?? practitioner.name?.[0]?.given?.[0] ?? '',
      ...(mssante ? { mssante } : {}),
      professionCode: '10',
    },
    establishment: { ...input.establishment, ...(organization?.id ? { organizationId: organization.id } : {}) },
    stay: {
      encounterId: encounter.id,
      start: encounter.period?.start ?? signedAt.toISOString(),
      end: encounter.period?.end ?? signedAt.toISOString(),
      unitName: sources.unitName ?? letter.content.stay.unit ?? '',
    },
    pdf: input.pdf,
    signedAt,
    confidentiality: 'N',
    masking: NO_MASKING,
  }
}
