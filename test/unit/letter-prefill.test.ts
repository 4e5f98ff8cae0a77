import { describe, expect, it } from 'vitest'
import { LetterContent } from '../../src-main/contract/letters'
import { missingItems } from '../../src-main/letters/model'
import { prefillLetter } from '../../src-main/letters/prefill'
import { treatmentChanges } from '../../src-main/letters/treatments'
import { syntheticDischarge } from '../helpers/letter-discharge'

describe('letter prefill from the chart', () => {
  const { sources } = syntheticDischarge()
  const letter = prefillLetter(sources)

  it('is a valid letter content', () => {
    expect(LetterContent.safeParse(letter).success).toBe(true)
  })

  it('identifies the patient, the GP, the referrer and the hospital doctor', () => {
    expect(letter.patient.id).toBe(sources.patient.id)
    expect(letter.patient.identityStatus).toBe('QUAL')
    expect(letter.patient.ins).toMatch(/^[1-478]\d{4}(\d{2}|2A|2B)\d{8}$/)
    expect(letter.medecinTraitant?.name).toMatch(/^Dr /)
    expect(letter.medecinTraitant?.mssante).toMatch(/@medecin\.mssante\.fr$/)
    expect(letter.adresseur?.name).toMatch(/^Dr /)
    expect(letter.adresseur?.name).not.toBe(letter.medecinTraitant?.name)
    expect(letter.hospitalDoctor?.rpps).toMatch(/^\d{11}$/)
  })

  it('takes dates, modes and reason from the stay', () => {
    expect(letter.stay.admissionDate).toMatch(/^\d{2}\/\d{2}\/\d{4}$/)
    expect(letter.stay.dischargeDate).toMatch(/^\d{2}\/\d{2}\/\d{4}$/)
    expect(letter.stay.admissionMode).toContain('urgences')
    expect(letter.stay.dischargeMode).toBe('Retour à domicile')
    expect(letter.stay.unit).toBe('Cardiologie')
    expect(letter.reason.length).toBeGreaterThan(3)
    expect(letter.pendingResults).toContain('hépatite E')
    expect(letter.followUp).toContain('Consultation de cardiologie')
  })

  it('computes new, modified, continued and stopped treatments from the prescriptions', () => {
    const byName = (start: string) => letter.treatments.find((t) => t.medication.startsWith(start))
    expect(byName('furosémide')).toMatchObject({ change: 'poursuivi', reason: '' })
    expect(byName('bisoprolol')).toMatchObject({ change: 'modifie', admission: '1,25 mg le matin.' })
    expect(byName('bisoprolol')?.discharge).toContain('Ne pas donner si fréquence cardiaque')
    expect(byName('metformine')).toMatchObject({ change: 'arrete', discharge: null, reason: 'Insuffisance rénale aiguë (DFG 28 mL/min) : contre-indication' })
    expect(byName('ramipril')).toMatchObject({ change: 'nouveau', admission: null })
    expect(letter.treatments.filter((t) => t.change === 'arrete')).toHaveLength(1)
  })
})

describe('treatment changes', () => {
  const atc = (code: string, text: string) => ({ coding: [{ system: 'http://www.whocc.no/atc', code }], text })
  const dose = (value: number, frequency = 1) => [{ text: `${value} mg`, doseAndRate: [{ doseQuantity: { value, unit: 'mg' } }], timing: { repeat: { frequency, period: 1, periodUnit: 'd' as const } } }]

  it('prefers discharge prescriptions, matches by ATC code and takes the reasons the prescriptions recorded', () => {
    const lines = treatmentChanges({
      encounterId: 'e1',
      medicationStatements: [],
      medicationRequests: [
        // Home treatment recorded as a community prescription.
        { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, category: [{ coding: [{ code: 'community' }] }], medicationCodeableConcept: atc('C03CA01', 'LASILIX 40 mg'), dosageInstruction: dose(40) },
        { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, category: [{ coding: [{ code: 'community' }] }], medicationCodeableConcept: atc('N05BA12', 'alprazolam 0,25 mg'), dosageInstruction: dose(0.25) },
        // An inpatient order stopped during the stay, with its reason.
        { resourceType: 'MedicationRequest', status: 'stopped', intent: 'order', subject: {}, encounter: { reference: 'Encounter/e1' }, statusReason: { text: 'Chute : risque de sédation' }, medicationCodeableConcept: atc('N05BA12', 'alprazolam'), dosageInstruction: dose(0.25) },
        // An inpatient order not carried to discharge: ignored once discharge prescriptions exist.
        { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, encounter: { reference: 'Encounter/e1' }, medicationCodeableConcept: atc('B01AB05', 'énoxaparine'), dosageInstruction: dose(4000) },
        { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, encounter: { reference: 'Encounter/e1' }, category: [{ coding: [{ code: 'discharge' }] }], medicationCodeableConcept: atc('C03CA01', 'furosémide 40 mg'), dosageInstruction: dose(40, 2), note: [{ text: 'Rétention hydrosodée persistante' }] },
        { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, encounter: { reference: 'Encounter/e1' }, category: [{ coding: [{ code: 'discharge' }] }], medicationCodeableConcept: atc('B01AF02', 'apixaban 5 mg'), dosageInstruction: dose(5, 2), reasonCode: [{ text: 'Fibrillation atriale' }] },
        // Another stay's order is not this letter's.
        { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: {}, encounter: { reference: 'Encounter/e0' }, category: [{ coding: [{ code: 'discharge' }] }], medicationCodeableConcept: atc('J01CA04', 'amoxicilline'), dosageInstruction: dose(1000, 3) },
      ],
    })
    expect(lines.map((l) => [l.medication, l.change, l.reason])).toEqual([
      ['furosémide 40 mg', 'modifie', 'Rétention hydrosodée persistante'],
      ['apixaban 5 mg', 'nouveau', 'Fibrillation atriale'],
      ['alprazolam 0,25 mg', 'arrete', 'Chute : risque de sédation'],
    ])
    expect(lines[0]).toMatchObject({ admission: '40 mg', discharge: '40 mg' })
  })
})

describe('required items before signing', () => {
  const { sources } = syntheticDischarge()

  it('lists, in French, what the chart could not say', () => {
    const messages = missingItems(prefillLetter(sources)).map((m) => m.path)
    expect(messages).toEqual(
      expect.arrayContaining(['summary.adverseEvents', 'summary.multiResistantOrganisms', 'summary.bloodProducts', 'summary.implantedDevices']),
    )
    // Reasons: the modified and the new treatments have none in the training prescriptions; the stop has one.
    const prefilled = prefillLetter(sources)
    const reasonPaths = missingItems(prefilled).filter((m) => m.path.endsWith('.reason')).map((m) => prefilled.treatments[Number(m.path.split('.')[1])]!.change)
    expect(new Set(reasonPaths)).toEqual(new Set(['modifie', 'nouveau']))
    expect(missingItems(prefilled).find((m) => m.path === 'summary.bloodProducts')?.message).toBe(
      'Produits sanguins administrés : à renseigner (« aucun » s’il n’y en a pas).',
    )
  })

  it('is empty once the doctor has completed the letter, and catches each item removed', () => {
    const letter = prefillLetter(sources)
    const complete = {
      ...letter,
      summary: { ...letter.summary, synthesis: 'Évolution favorable.', adverseEvents: 'Aucun.', multiResistantOrganisms: 'Aucune.', bloodProducts: 'Aucun.', implantedDevices: 'Aucun.' },
      treatments: letter.treatments.map((t) => (t.change === 'poursuivi' || t.reason ? t : { ...t, reason: 'Adaptation au séjour.' })),
    }
    expect(missingItems(complete)).toEqual([])
    expect(missingItems({ ...complete, medecinTraitant: null }).map((m) => m.path)).toEqual(['medecinTraitant'])
    expect(missingItems({ ...complete, stay: { ...complete.stay, dischargeMode: ' ' } }).map((m) => m.path)).toEqual(['stay.dischargeMode'])
    expect(missingItems({ ...complete, followUp: '' })[0]?.message).toBe('Suites à donner manquantes (rendez-vous, examens, soins).')
    // No referring doctor is not a gap: the law asks for one only when there is one.
    expect(missingItems({ ...complete, adresseur: null })).toEqual([])
  })
})
