import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { createHash } from 'node:crypto'
import { strFromU8, unzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { buildLetterCda, buildXdmPackage, patientMailbox, XDM_DOCUMENT_PATH, XDM_METADATA_PATH } from '../../src-main/letters/transport'
import { sampleLetter, TINY_PDF } from '../fixtures/letter-transport-letter'

type Node = Record<string, unknown>
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['templateId', 'id', 'given', 'rim:Slot', 'rim:Classification', 'rim:ExternalIdentifier', 'rim:Value'].includes(name) })

function parseCda(xml: string): Node {
  expect(XMLValidator.validate(xml)).toBe(true)
  return (parser.parse(xml) as { ClinicalDocument: Node }).ClinicalDocument
}

function ids(node: unknown): { root: string; extension?: string }[] {
  return ((node as Node).id as Node[]).map((i) => ({ root: i['@root'] as string, ...(i['@extension'] ? { extension: i['@extension'] as string } : {}) }))
}

describe('CDA R2 level 1 of the lettre de liaison', () => {
  it('is well-formed and carries the LDL-SES header elements', () => {
    const letter = sampleLetter()
    const cda = parseCda(buildLetterCda(letter))
    expect((cda.templateId as Node[]).map((t) => t['@root'])).toContain('1.2.250.1.213.1.1.1.29')
    expect(cda.code).toMatchObject({ '@code': '11490-0', '@codeSystem': '2.16.840.1.113883.6.1' })
    expect(ids(cda)).toEqual([{ root: letter.ids.documentId.toUpperCase() }])
    expect(cda.setId).toMatchObject({ '@root': letter.ids.setId.toUpperCase() })
    expect(cda.versionNumber).toMatchObject({ '@value': '1' })
    expect(cda.effectiveTime).toMatchObject({ '@value': '20261123134500+0000' })
    expect(cda.confidentialityCode).toMatchObject({ '@code': 'N', '@codeSystem': '2.16.840.1.113883.5.25' })
    expect(cda.languageCode).toMatchObject({ '@code': 'fr-FR' })

    const patient = ((cda.recordTarget as Node).patientRole as Node).patient as Node
    expect(patient.birthTime).toMatchObject({ '@value': '19850321' })
    expect((patient.name as Node).family).toBe('LEFÈVRE')
    expect((patient.name as Node).given).toEqual(['Hélène', 'Marie'])

    const custodian = ((cda.custodian as Node).assignedCustodian as Node).representedCustodianOrganization as Node
    expect(ids(custodian)).toEqual([{ root: '1.2.250.1.71.4.2.2', extension: '1990000010' }])
    expect(custodian.name).toBe('Centre hospitalier de Formation « Chevet »')

    const legal = cda.legalAuthenticator as Node
    expect(legal.signatureCode).toMatchObject({ '@code': 'S' })
    expect(ids(legal.assignedEntity)).toEqual([{ root: '1.2.250.1.71.4.2.1', extension: '810100000001' }])
    expect(ids(((cda.author as Node).assignedAuthor as Node))).toEqual([{ root: '1.2.250.1.71.4.2.1', extension: '810100000001' }])

    const period = (((cda.componentOf as Node).encompassingEncounter as Node).effectiveTime as Node)
    expect(period).toMatchObject({ low: { '@value': '20261118093000+0000' }, high: { '@value': '20261123140000+0000' } })
    expect(((cda.documentationOf as Node).serviceEvent as Node).effectiveTime).toEqual(period)

    const text = ((cda.component as Node).nonXMLBody as Node).text as Node
    expect(text['@mediaType']).toBe('application/pdf')
    expect(text['@representation']).toBe('B64')
    expect(Buffer.from(text['#text'] as string, 'base64').equals(TINY_PDF)).toBe(true)
  })

  it('names the patient by INS only when the identity is QUAL, always by IPP', () => {
    const qual = sampleLetter()
    const qualIds = ids((parseCda(buildLetterCda(qual)).recordTarget as Node).patientRole)
    expect(qualIds).toEqual([
      { root: '1.2.250.1.213.1.4.10', extension: '285037512301234' },
      { root: '2.25.1234567890', extension: 'IPP000123' },
    ])
    const vali = sampleLetter({ patient: { ...qual.patient, identityStatus: 'VALI' } })
    const xml = buildLetterCda(vali)
    expect(ids((parseCda(xml).recordTarget as Node).patientRole)).toEqual([{ root: '2.25.1234567890', extension: 'IPP000123' }])
    expect(xml).not.toContain('285037512301234')
    expect(patientMailbox(vali.patient)).toBeNull()
    expect(patientMailbox(qual.patient)).toBe('285037512301234@patient.mssante.fr')
  })

  it('escapes what the user typed', () => {
    const letter = sampleLetter({ title: 'Lettre <b>&</b> "sortie"' })
    const cda = parseCda(buildLetterCda(letter))
    expect(cda.title).toBe('Lettre <b>&</b> "sortie"')
  })
})

describe('IHE XDM archive', () => {
  it('holds the CDA, its XDS metadata with hash and size, INDEX.HTM and README.TXT', () => {
    const letter = sampleLetter({ masking: { invisiblePatient: true, maskedFromProfessionals: false, invisibleLegalRepresentatives: false } })
    const { zip } = buildXdmPackage(letter, { submittedAt: new Date('2026-11-23T14:10:00Z'), recipients: ['jean.martin@medecin.mssante.fr'] })
    const files = unzipSync(zip)
    expect(Object.keys(files).sort()).toEqual(['IHE_XDM/SUBSET01/DOC0001.XML', 'IHE_XDM/SUBSET01/METADATA.XML', 'INDEX.HTM', 'README.TXT'])
    const cda = files[XDM_DOCUMENT_PATH]!
    expect(parseCda(strFromU8(cda)).code).toMatchObject({ '@code': '11490-0' })

    const metadataXml = strFromU8(files[XDM_METADATA_PATH]!)
    expect(XMLValidator.validate(metadataXml)).toBe(true)
    const list = ((parser.parse(metadataXml) as Node)['lcm:SubmitObjectsRequest'] as Node)['rim:RegistryObjectList'] as Node
    const entry = list['rim:ExtrinsicObject'] as Node
    const slots = Object.fromEntries((entry['rim:Slot'] as Node[]).map((s) => [s['@name'], ((s['rim:ValueList'] as Node)['rim:Value'] as unknown[]).map(String)]))
    expect(slots.hash).toEqual([createHash('sha1').update(cda).digest('hex')])
    expect(slots.size).toEqual([String(cda.byteLength)])
    expect(slots.URI).toEqual(['DOC0001.XML'])
    expect(slots.sourcePatientId).toEqual(['IPP000123^^^&2.25.1234567890&ISO^PI'])
    expect(slots.legalAuthenticator![0]).toMatch(/^810100000001\^MARCHAND\^Cécile/)

    const codes = (entry['rim:Classification'] as Node[]).map((c) => [c['@classificationScheme'], c['@nodeRepresentation']])
    expect(codes).toEqual(
      expect.arrayContaining([
        ['urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a', '10'],
        ['urn:uuid:f0306f51-975f-434e-a61c-c59651d33983', '11490-0'],
        ['urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d', 'urn:ihe:iti:xds-sd:pdf:2008'],
        ['urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f', 'N'],
        ['urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f', 'INVISIBLE_PATIENT'],
        ['urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1', 'SA01'],
        ['urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead', 'ETABLISSEMENT'],
      ]),
    )
    const external = Object.fromEntries((entry['rim:ExternalIdentifier'] as Node[]).map((e) => [e['@identificationScheme'], e['@value']]))
    expect(external['urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']).toBe('285037512301234^^^&1.2.250.1.213.1.4.10&ISO^NH')
    expect(external['urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']).toMatch(/^2\.25\.\d+$/)
    expect(list['rim:RegistryPackage']).toBeDefined()
    expect(list['rim:Association']).toMatchObject({ '@sourceObject': 'SubmissionSet01', '@targetObject': 'Document01' })
    expect(strFromU8(files['README.TXT']!)).toContain('IHE XDM')
  })
})
