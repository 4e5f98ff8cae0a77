import type { Binary, DocumentReference, Encounter, Patient } from '@medplum/fhirtypes'
import { XMLValidator } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCardAssertion } from '../../src-main/auth/assertion'
import { createCentralClient } from '../../src-main/central'
import type { CentralClient } from '../../src-main/central/types'
import { depositLetterInDmp, dmpDepositStatus, DmpDepositError, type SignedLetterForTransport, type TransportPatient } from '../../src-main/letters/transport'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'
import { IDENTITY_RELIABILITY_URL, INS_NIR_TEST_SYSTEM, IPP_SYSTEM } from '../../src-main/training/hospital/systems'
import { oidForUri } from '../../src-main/letters/transport/xml'
import { sampleLetter, TINY_PDF } from '../fixtures/letter-transport-letter'

// The DMP deposit against the real training central (token endpoint, access rules, medplum underneath): the doctor
// signs in with her virtual card, deposits a letter of one of her patients, and the DocumentReference and the CDA
// in its Binary are read back. Another unit's nurse cannot read the Binary.

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
let central: TrainingCentral

async function clientAs(key: string): Promise<CentralClient> {
  const member = central.hospital.staff.find((s) => s.key === key)!
  const session = await central.cards.login(`virtual:${key}`, new TextEncoder().encode(member.pin))
  let token: string
  try {
    const assertion = await createCardAssertion({ session, audience: central.tokenUrl, now: new Date() })
    const response = await fetch(central.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
    })
    expect(response.status).toBe(200)
    token = ((await response.json()) as { access_token: string }).access_token
  } finally {
    await session.close()
  }
  return createCentralClient({ baseUrl: central.fhirUrl, token: async () => token, timeoutMs: 10_000, retries: 0 })
}

function statusOf(patient: Patient): TransportPatient['identityStatus'] {
  const ext = patient.extension?.find((e) => e.url === IDENTITY_RELIABILITY_URL)
  return (ext?.extension?.find((e) => e.url === 'identityStatus')?.valueCoding?.code ?? 'PROV') as TransportPatient['identityStatus']
}

function transportPatient(patient: Patient): TransportPatient {
  const ins = patient.identifier?.find((i) => i.system === INS_NIR_TEST_SYSTEM)
  const ipp = patient.identifier?.find((i) => i.system === IPP_SYSTEM)
  const name = patient.name?.[0]
  return {
    id: patient.id!,
    ipp: { root: oidForUri(IPP_SYSTEM), extension: ipp!.value! },
    ins: ins?.value ? { root: '1.2.250.1.213.1.4.10', extension: ins.value } : null,
    identityStatus: statusOf(patient),
    familyName: name?.family ?? '',
    givenNames: name?.given ?? [],
    birthDate: patient.birthDate!,
    sex: patient.gender === 'male' ? 'M' : patient.gender === 'female' ? 'F' : 'UN',
  }
}

beforeAll(async () => {
  central = await startTrainingCentral({ hospital: { pastPatients: 5, heavyObservations: 0 } })
})

afterAll(async () => {
  await central?.close()
})

describe('DMP deposit through the training central', () => {
  it('deposits DocumentReference + Binary with the XDS metadata, reads them back, and does not deposit twice', async () => {
    const doctor = await clientAs('medecin')
    const medecin = central.hospital.staff.find((s) => s.key === 'medecin')!
    const stays = central.hospital.currentStays.filter((s) => s.unitId === 'loc-cardio')
    let letter: SignedLetterForTransport | undefined
    for (const stay of stays) {
      const patient = transportPatient(await doctor.read<Patient>('Patient', stay.patientId))
      if (patient.identityStatus !== 'QUAL' || !patient.ins) continue
      const encounter = await doctor.read<Encounter>('Encounter', stay.encounterId)
      const base = sampleLetter()
      letter = sampleLetter({
        patient,
        signer: { ...base.signer, practitionerId: medecin.practitionerId, idNat: medecin.idNat, familyName: medecin.familyName, givenName: medecin.givenName },
        establishment: { ...base.establishment, finess: central.hospital.establishment.finess, organizationId: central.hospital.establishment.organizationId },
        stay: { ...base.stay, encounterId: stay.encounterId, start: encounter.period!.start!, end: new Date().toISOString() },
        masking: { invisiblePatient: true, maskedFromProfessionals: false, invisibleLegalRepresentatives: false },
      })
      break
    }
    expect(letter, 'a QUAL patient in cardiology').toBeDefined()

    const deposit = await depositLetterInDmp(doctor, letter!)
    expect(deposit).toMatchObject({ status: 'current', created: true, versionId: '1' })
    expect(deposit.uniqueId).toMatch(/^2\.25\.\d+$/)

    const document = await doctor.read<DocumentReference>('DocumentReference', deposit.documentReferenceId)
    expect(document).toMatchObject({
      status: 'current',
      docStatus: 'final',
      subject: { reference: `Patient/${letter!.patient.id}` },
      type: { coding: [{ system: 'http://loinc.org', code: '11490-0' }] },
      category: [{ coding: [{ code: '10' }] }],
      authenticator: { reference: `Practitioner/${medecin.practitionerId}` },
      custodian: { reference: `Organization/${central.hospital.establishment.organizationId}` },
      masterIdentifier: { value: `urn:oid:${deposit.uniqueId}` },
      context: {
        encounter: [{ reference: `Encounter/${letter!.stay.encounterId}` }],
        related: [{ identifier: { value: `urn:uuid:${letter!.ids.setId}` } }],
      },
    })
    expect(document.content[0]!.format?.code).toBe('urn:ihe:iti:xds-sd:pdf:2008')
    expect(document.securityLabel?.flatMap((l) => l.coding?.map((c) => c.code))).toEqual(['N', 'INVISIBLE_PATIENT'])
    expect(document.content[0]!.attachment.url).toBe(`Binary/${deposit.binaryId}`)

    const binary = await doctor.read<Binary>('Binary', deposit.binaryId)
    const cda = Buffer.from(binary.data!, 'base64').toString('utf8')
    expect(XMLValidator.validate(cda)).toBe(true)
    expect(cda).toContain(`extension="${letter!.patient.ins!.extension}"`)
    expect(cda).toContain(TINY_PDF.toString('base64'))
    expect(Buffer.byteLength(cda)).toBe(document.content[0]!.attachment.size)

    // A replay (the send retried after a timeout) finds the first deposit instead of making a second one.
    const again = await depositLetterInDmp(doctor, letter!)
    expect(again).toMatchObject({ created: false, documentReferenceId: deposit.documentReferenceId, binaryId: deposit.binaryId })
    const all = await doctor.search<DocumentReference>('DocumentReference', { subject: `Patient/${letter!.patient.id}`, type: 'http://loinc.org|11490-0' })
    expect(all.resources.filter((d) => d.masterIdentifier?.value === `urn:oid:${deposit.uniqueId}`)).toHaveLength(1)

    // Version 2 replaces version 1; both share the setId.
    const v2 = await depositLetterInDmp(doctor, { ...letter!, ids: { ...letter!.ids, documentId: 'b7e4f1a2-3c5d-4e6f-8a9b-0c1d2e3f4a5b', version: 2 } }, { replaces: deposit.documentReferenceId })
    const second = await doctor.read<DocumentReference>('DocumentReference', v2.documentReferenceId)
    expect(second.relatesTo).toEqual([{ code: 'replaces', target: { reference: `DocumentReference/${deposit.documentReferenceId}` } }])
    expect(await dmpDepositStatus(doctor, v2.documentReferenceId)).toEqual({ status: 'current', versionId: '1' })

    // The letter's content follows the patient's access rules: the paediatrician, without a care relationship, is refused.
    const other = await clientAs('pediatre')
    await expect(other.read<Binary>('Binary', deposit.binaryId)).rejects.toMatchObject({ status: 403 })
  })

  it('refuses to deposit the letter of an identity that is not QUAL', async () => {
    const doctor = await clientAs('medecin')
    const base = sampleLetter()
    await expect(depositLetterInDmp(doctor, sampleLetter({ patient: { ...base.patient, identityStatus: 'VALI' } }))).rejects.toBeInstanceOf(DmpDepositError)
  })
})
