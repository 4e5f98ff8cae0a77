import { describe, expect, it } from 'vitest'
import type { DocumentReference } from '@medplum/fhirtypes'
import { circuitDocument, letterFromDocument, type Published } from '../../src-main/letters/exchange'
import { TINY_PDF } from '../fixtures/letter-transport-letter'

// What another workstation published is read back like any input from outside: only a circuit letter of the
// patient it names, with its content as the schema says and a PDF, comes in; anything else is left out.

const published: Published = {
  id: 'b7f3e2a1-0c4d-4e5f-8a9b-1c2d3e4f5a6b',
  setId: 'b7f3e2a1-0c4d-4e5f-8a9b-1c2d3e4f5a6b',
  version: 1,
  patientId: 'pat-0001',
  unitId: 'loc-cardio',
  encounterId: 'enc-0001',
  authorId: 'pra-medecin',
  authorName: 'Dr Cécile MARCHAND',
  createdAt: '2026-11-23T10:00:00.000Z',
  signedAt: '2026-11-23T10:05:00.000Z',
  signedBy: 'Dr Cécile MARCHAND',
  content: {
    patient: { id: 'pat-0001', familyName: 'DURAND', givenName: 'Hélène', birthName: null, sex: 'female', birthDate: '14/03/1946', ins: null, identityStatus: 'PROV', ipp: '90000001' },
    medecinTraitant: { name: 'Dr Marie-Noëlle DUPRÉ', rpps: null, mssante: null, detail: null },
    adresseur: null,
    hospitalDoctor: { name: 'Dr Cécile MARCHAND', rpps: null, mssante: null, detail: null },
    stay: { encounterId: 'enc-0001', unit: 'Cardiologie', admissionDate: '20/11/2026', admissionMode: 'Urgences', dischargeDate: '23/11/2026', dischargeMode: 'Domicile' },
    reason: 'Décompensation cardiaque',
    summary: { synthesis: 'Évolution favorable.', adverseEvents: 'Aucun.', multiResistantOrganisms: 'Aucun.', bloodProducts: 'Aucun.', implantedDevices: 'Aucun.' },
    treatments: [],
    pendingResults: 'Aucun.',
    followUp: 'Consultation dans un mois.',
  },
}

const document = (): DocumentReference => circuitDocument(published, new Uint8Array(TINY_PDF), 'pra-medecin', null)

function withJson(json: string): DocumentReference {
  const d = document()
  d.content[1]!.attachment.data = Buffer.from(json).toString('base64')
  return d
}

describe('letters between workstations: reading a published letter', () => {
  it('reads back what was published: the content, the version and the PDF byte for byte', () => {
    const read = letterFromDocument(document())
    expect(read?.published).toEqual(published)
    expect(Buffer.from(read!.pdf).equals(TINY_PDF)).toBe(true)
    expect(document()).toMatchObject({ docStatus: 'final', context: { encounter: [{ reference: 'Encounter/enc-0001' }] } })
  })

  it('leaves out a document that is not a circuit letter, or names another patient', () => {
    expect(letterFromDocument({ ...document(), meta: {} })).toBeNull()
    expect(letterFromDocument({ ...document(), subject: { reference: 'Patient/pat-0002' } })).toBeNull()
    expect(letterFromDocument({ ...document(), content: [document().content[0]!] })).toBeNull()
  })

  it('leaves out content that is not JSON, does not follow the schema, or a PDF that is not one', () => {
    expect(letterFromDocument(withJson('{not json'))).toBeNull()
    expect(letterFromDocument(withJson(JSON.stringify({ ...published, extra: '<script>' })))).toBeNull()
    expect(letterFromDocument(withJson(JSON.stringify({ ...published, version: 0 })))).toBeNull()
    expect(letterFromDocument(withJson(JSON.stringify({ ...published, id: '../../etc' })))).toBeNull()
    const notPdf = document()
    notPdf.content[0]!.attachment.data = Buffer.from('<html>').toString('base64')
    expect(letterFromDocument(notPdf)).toBeNull()
  })
})
