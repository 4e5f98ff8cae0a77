import { describe, expect, it } from 'vitest'
import type { MedicationRequest } from '@medplum/fhirtypes'
import type { OrderInput } from '../../src-main/contract'
import { findDrug } from '../../src-main/prescribing/drugs'
import { buildOrder, countersignedOrder, pharmacyReview, reviewsByOrder, stoppedOrder, toOrder } from '../../src-main/prescribing/orders'
import { paediatricFormReport } from '../../src-main/prescribing/report'

const input: OrderInput = {
  patientId: 'pat-1',
  dc: 'amoxicilline',
  form: 'poudre pour suspension buvable',
  strength: '250 mg/5 mL',
  dose: { value: 250, unit: 'mg' },
  route: 'orale',
  frequency: { kind: 'every', hours: 8 },
  durationDays: 7,
  asNeeded: false,
  start: '2026-03-01T08:00:00.000Z',
  comment: 'Au cours des repas',
}
const senior = { practitionerId: 'pra-1', displayName: 'Dr Senior' }
const intern = { practitionerId: 'pra-2', displayName: 'Interne' }

function build(seniorRequired = false): MedicationRequest & { id: string } {
  const order = buildOrder(input, findDrug('amoxicilline')!, { key: 'k1', encounterId: 'enc-1', authoredOn: '2026-03-01T07:55:00.000Z', prescriber: intern, override: { justification: 'Justification écrite', alerts: ['galenic-child'] }, replaces: null, seniorRequired })
  return { ...order, id: 'mr-1' }
}

describe('orders as FHIR MedicationRequests', () => {
  it('reads back what it wrote: DC, form and category, dose, rhythm, duration, comment, override', () => {
    expect(toOrder(build(), false, undefined)).toMatchObject({
      status: 'active',
      label: 'amoxicilline 250 mg/5 mL poudre pour suspension buvable',
      dc: 'amoxicilline',
      form: 'poudre pour suspension buvable',
      formCategory: 'oral-liquid',
      dose: { value: 250, unit: 'mg' },
      route: 'orale',
      frequency: { kind: 'every', hours: 8 },
      durationDays: 7,
      start: '2026-03-01T08:00:00.000Z',
      end: '2026-03-08T08:00:00.000Z',
      comment: 'Au cours des repas',
      prescriberName: 'Interne',
      override: { justification: 'Justification écrite', alerts: ['galenic-child'] },
      seniorValidation: null,
      pharmacy: { status: 'a-valider' },
    })
  })
  it('an interne’s order waits for a senior as a draft when required; the senior’s validation makes it active', () => {
    const draft = build(true)
    expect(toOrder(draft, false, undefined)).toMatchObject({ status: 'draft', seniorValidation: 'required' })
    expect(toOrder(countersignedOrder(draft, senior, '2026-03-01T09:00:00.000Z'), false, undefined)).toMatchObject({ status: 'active', seniorValidation: 'done' })
  })
  it('a stop keeps its reason; the newest pharmacist review wins', () => {
    expect(toOrder(stoppedOrder(build(), 'Allergie apparue', senior, '2026-03-02T09:00:00.000Z'), false, undefined)).toMatchObject({ status: 'stopped', stopReason: 'Allergie apparue' })
    const context = (writtenAt: string) => ({ key: writtenAt, writtenAt, pharmacist: { practitionerId: 'pra-3', displayName: 'Pharmacien' }, encounterId: null })
    const reviews = reviewsByOrder([
      pharmacyReview({ patientId: 'pat-1', orderId: 'mr-1', decision: 'validee' }, context('2026-03-02T10:00:00.000Z')),
      pharmacyReview({ patientId: 'pat-1', orderId: 'mr-1', decision: 'refusee', comment: 'Dose <à revoir>' }, context('2026-03-01T10:00:00.000Z')),
    ])
    expect(reviews.get('mr-1')).toEqual({ status: 'validee', comment: null, by: 'Pharmacien', at: '2026-03-02T10:00:00.000Z' })
  })
})

describe('paediatric galenic-form report', () => {
  const patients: Record<string, { birthDate: string }> = { a: { birthDate: '2023-01-10' }, b: { birthDate: '2020-03-01' }, c: { birthDate: '2010-01-01' } }
  const order = (id: string, patient: string, authoredOn: string, form: string | null): MedicationRequest => ({
    resourceType: 'MedicationRequest',
    id,
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patient}` },
    authoredOn,
    medicationCodeableConcept: { coding: [{ system: 'urn:chevet:dc', code: 'paracétamol' }], text: `paracétamol ${form ?? '?'}` },
    ...(form ? { extension: [{ url: 'urn:chevet:prescribing:pharmaceutical-form', extension: [{ url: 'form', valueString: form }, { url: 'route', valueString: 'orale' }] }] } : {}),
  })
  it('counts children under 6 on the day of the order, once each, and lists unclassified lines', () => {
    const report = paediatricFormReport(
      [
        order('1', 'a', '2026-03-01T10:00:00Z', 'comprimé'),
        order('2', 'a', '2026-03-02T10:00:00Z', 'comprimé'),
        order('3', 'b', '2026-02-28T10:00:00Z', 'suspension buvable'), // 5 years 364 days
        order('4', 'b', '2026-03-01T10:00:00Z', 'comprimé'), // 6 years that day: not counted
        order('5', 'c', '2026-03-01T10:00:00Z', 'comprimé'),
        order('6', 'a', '2026-03-03T10:00:00Z', null),
        order('7', 'a', '2026-04-03T10:00:00Z', 'comprimé'), // outside the period
      ],
      (id) => patients[id] as never,
      { from: '2026-02-01', to: '2026-03-31' },
    )
    expect(report).toMatchObject({ children: 2, childrenWithOralSolid: 1, percent: 50, lines: 4, oralSolidLines: 2, unclassifiedLines: 1 })
    expect(report.unclassified).toEqual([{ orderId: '6', label: 'paracétamol ?', form: null }])
    expect(report.dcs).toEqual([{ dc: 'paracétamol', lines: 4, oralSolidLines: 2 }])
  })
})
