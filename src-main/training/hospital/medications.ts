import type { Dosage, MedicationRequest, TimingRepeat } from '@medplum/fhirtypes'
import { formExtension, type FormInfo } from '../../prescribing/fhir'
import { concept, dateTime, ref, round, ucum } from './fhir'
import { ATC_SYSTEM, EDQM_SYSTEM } from './systems'

export type MedKey =
  | 'paracetamol' | 'paracetamol-ped' | 'furosemide' | 'bisoprolol' | 'ramipril' | 'apixaban' | 'aspirine'
  | 'ticagrelor' | 'atorvastatine' | 'enoxaparine' | 'amoxiclav' | 'amoxicilline' | 'amoxicilline-ped'
  | 'ceftriaxone' | 'ceftriaxone-ped' | 'salbutamol' | 'salbutamol-ped' | 'prednisolone' | 'prednisolone-ped'
  | 'tramadol' | 'amlodipine' | 'metformine' | 'levothyroxine' | 'insuline-ped' | 'nacl-nasal' | 'bicarbonate-ped'

type Route = 'oral' | 'iv' | 'sc' | 'inh' | 'nasal'

const ROUTES: Record<Route, [string, string]> = {
  oral: ['20053000', 'Voie orale'],
  iv: ['20045000', 'Voie intraveineuse'],
  sc: ['20066000', 'Voie sous-cutanée'],
  inh: ['20020000', 'Voie inhalée'],
  nasal: ['20049000', 'Voie nasale'],
}

interface MedSpec {
  /** Prescription in DC (dénomination commune), strength and form, as the LAP shows it. */
  text: string
  /** Substance (DC) and its ATC code. */
  dc: string
  atc?: string
  route: Route
  dose: number
  unit: string
  ucum: string
  /** Dose per kg for children (the prescribed dose is computed from the weight). */
  perKg?: boolean
  frequency: number
  when?: TimingRepeat['when']
  asNeeded?: boolean
  instruction: string
}

export const MEDICATIONS: Record<MedKey, MedSpec> = {
  paracetamol: { text: 'paracétamol 1 g comprimé', dc: 'paracétamol', atc: 'N02BE01', route: 'oral', dose: 1, unit: 'g', ucum: 'g', frequency: 4, asNeeded: true, instruction: '1 comprimé toutes les 6 heures si douleur ou fièvre, sans dépasser 4 g par 24 heures.' },
  'paracetamol-ped': { text: 'paracétamol 2,4 % suspension buvable', dc: 'paracétamol', atc: 'N02BE01', route: 'oral', dose: 15, unit: 'mg', ucum: 'mg', perKg: true, frequency: 4, asNeeded: true, instruction: '15 mg/kg toutes les 6 heures si fièvre ou douleur, sans dépasser 60 mg/kg par 24 heures.' },
  furosemide: { text: 'furosémide 40 mg comprimé', dc: 'furosémide', atc: 'C03CA01', route: 'oral', dose: 40, unit: 'mg', ucum: 'mg', frequency: 1, when: ['MORN'], instruction: '1 comprimé le matin. Surveillance du poids quotidien et de la kaliémie.' },
  bisoprolol: { text: 'bisoprolol 2,5 mg comprimé', dc: 'bisoprolol', atc: 'C07AB07', route: 'oral', dose: 2.5, unit: 'mg', ucum: 'mg', frequency: 1, when: ['MORN'], instruction: '1 comprimé le matin. Ne pas donner si fréquence cardiaque < 50/min.' },
  ramipril: { text: 'ramipril 5 mg gélule', dc: 'ramipril', atc: 'C09AA05', route: 'oral', dose: 5, unit: 'mg', ucum: 'mg', frequency: 1, when: ['MORN'], instruction: '1 gélule le matin.' },
  apixaban: { text: 'apixaban 5 mg comprimé', dc: 'apixaban', atc: 'B01AF02', route: 'oral', dose: 5, unit: 'mg', ucum: 'mg', frequency: 2, when: ['MORN', 'EVE'], instruction: '1 comprimé matin et soir.' },
  aspirine: { text: 'acide acétylsalicylique 75 mg poudre pour solution buvable en sachet', dc: 'acide acétylsalicylique', atc: 'B01AC06', route: 'oral', dose: 75, unit: 'mg', ucum: 'mg', frequency: 1, when: ['NOON'], instruction: '1 sachet à midi, au cours du repas.' },
  ticagrelor: { text: 'ticagrélor 90 mg comprimé', dc: 'ticagrélor', atc: 'B01AC24', route: 'oral', dose: 90, unit: 'mg', ucum: 'mg', frequency: 2, when: ['MORN', 'EVE'], instruction: '1 comprimé matin et soir.' },
  atorvastatine: { text: 'atorvastatine 40 mg comprimé', dc: 'atorvastatine', atc: 'C10AA05', route: 'oral', dose: 40, unit: 'mg', ucum: 'mg', frequency: 1, when: ['EVE'], instruction: '1 comprimé le soir.' },
  enoxaparine: { text: 'énoxaparine 4 000 UI anti-Xa/0,4 mL solution injectable en seringue préremplie', dc: 'énoxaparine', atc: 'B01AB05', route: 'sc', dose: 4000, unit: 'UI', ucum: '[iU]', frequency: 1, when: ['EVE'], instruction: '1 injection sous-cutanée le soir (prévention de la maladie thromboembolique veineuse). Plaquettes 2 fois par semaine.' },
  amoxiclav: { text: 'amoxicilline/acide clavulanique 1 g/200 mg poudre pour solution injectable', dc: 'amoxicilline et inhibiteur d’enzyme', atc: 'J01CR02', route: 'iv', dose: 1, unit: 'g', ucum: 'g', frequency: 3, instruction: '1 g en perfusion intraveineuse de 30 minutes toutes les 8 heures.' },
  amoxicilline: { text: 'amoxicilline 1 g comprimé dispersible', dc: 'amoxicilline', atc: 'J01CA04', route: 'oral', dose: 1, unit: 'g', ucum: 'g', frequency: 3, instruction: '1 comprimé matin, midi et soir pendant 7 jours.' },
  'amoxicilline-ped': { text: 'amoxicilline 250 mg/5 mL poudre pour suspension buvable', dc: 'amoxicilline', atc: 'J01CA04', route: 'oral', dose: 27, unit: 'mg', ucum: 'mg', perKg: true, frequency: 3, instruction: '80 mg/kg/jour en 3 prises pendant 10 jours.' },
  ceftriaxone: { text: 'ceftriaxone 1 g poudre pour solution injectable', dc: 'ceftriaxone', atc: 'J01DD04', route: 'iv', dose: 1, unit: 'g', ucum: 'g', frequency: 1, instruction: '1 g par jour en intraveineuse lente.' },
  'ceftriaxone-ped': { text: 'ceftriaxone 500 mg poudre pour solution injectable', dc: 'ceftriaxone', atc: 'J01DD04', route: 'iv', dose: 50, unit: 'mg', ucum: 'mg', perKg: true, frequency: 1, instruction: '50 mg/kg par jour en intraveineuse lente.' },
  salbutamol: { text: 'salbutamol 5 mg/2,5 mL solution pour inhalation par nébuliseur', dc: 'salbutamol', atc: 'R03AC02', route: 'inh', dose: 5, unit: 'mg', ucum: 'mg', frequency: 4, instruction: '1 nébulisation toutes les 6 heures, avec de l’air.' },
  'salbutamol-ped': { text: 'salbutamol 100 µg/dose suspension pour inhalation en flacon pressurisé', dc: 'salbutamol', atc: 'R03AC02', route: 'inh', dose: 400, unit: 'µg', ucum: 'ug', frequency: 6, instruction: '4 bouffées avec chambre d’inhalation toutes les 4 heures, à espacer selon l’évolution.' },
  prednisolone: { text: 'prednisolone 20 mg comprimé orodispersible', dc: 'prednisolone', atc: 'H02AB06', route: 'oral', dose: 40, unit: 'mg', ucum: 'mg', frequency: 1, when: ['MORN'], instruction: '2 comprimés le matin pendant 5 jours.' },
  'prednisolone-ped': { text: 'prednisolone 20 mg comprimé orodispersible', dc: 'prednisolone', atc: 'H02AB06', route: 'oral', dose: 1, unit: 'mg', ucum: 'mg', perKg: true, frequency: 1, when: ['MORN'], instruction: '1 mg/kg le matin pendant 3 jours (maximum 40 mg).' },
  tramadol: { text: 'tramadol 50 mg gélule', dc: 'tramadol', atc: 'N02AX02', route: 'oral', dose: 50, unit: 'mg', ucum: 'mg', frequency: 3, asNeeded: true, instruction: '1 gélule si douleur non soulagée par le paracétamol, jusqu’à 3 fois par jour.' },
  amlodipine: { text: 'amlodipine 5 mg gélule', dc: 'amlodipine', atc: 'C08CA01', route: 'oral', dose: 5, unit: 'mg', ucum: 'mg', frequency: 1, when: ['MORN'], instruction: '1 gélule le matin.' },
  metformine: { text: 'metformine 1 000 mg comprimé pelliculé', dc: 'metformine', atc: 'A10BA02', route: 'oral', dose: 1000, unit: 'mg', ucum: 'mg', frequency: 2, when: ['CM', 'CV'], instruction: '1 comprimé au petit déjeuner et au dîner. Suspendre avant une injection de produit de contraste iodé.' },
  levothyroxine: { text: 'lévothyroxine sodique 75 µg comprimé', dc: 'lévothyroxine sodique', atc: 'H03AA01', route: 'oral', dose: 75, unit: 'µg', ucum: 'ug', frequency: 1, when: ['ACM'], instruction: '1 comprimé le matin à jeun.' },
  'insuline-ped': { text: 'insuline glargine 100 unités/mL solution injectable en stylo prérempli', dc: 'insuline glargine', atc: 'A10AE04', route: 'sc', dose: 0.3, unit: 'UI', ucum: '[iU]', perKg: true, frequency: 1, when: ['EVE'], instruction: '0,3 UI/kg le soir, à adapter selon les glycémies capillaires (protocole du service).' },
  // A hospital preparation: no BDPM form, so the paediatric galenic-form report counts it as unclassified.
  'bicarbonate-ped': { text: 'bicarbonate de sodium 1 mmol/mL préparation hospitalière buvable', dc: 'bicarbonate de sodium', route: 'oral', dose: 1, unit: 'mmol', ucum: 'mmol', perKg: true, frequency: 3, instruction: '1 mmol/kg 3 fois par jour, à diluer dans le biberon.' },
  'nacl-nasal': { text: 'chlorure de sodium 0,9 % solution pour lavage nasal en unidose', dc: 'chlorure de sodium', route: 'nasal', dose: 5, unit: 'mL', ucum: 'mL', frequency: 6, instruction: 'Lavage de nez avant chaque biberon.' },
}

/**
 * Pharmaceutical form and routes (BDPM names) of each order, as Chevet's orders carry them (prescribing/fhir.ts);
 * the hospital preparation has none on purpose.
 */
const FORMS: Partial<Record<MedKey, FormInfo>> = {
  paracetamol: { form: 'comprimé', routes: ['orale'] },
  'paracetamol-ped': { form: 'suspension buvable', routes: ['orale'] },
  furosemide: { form: 'comprimé', routes: ['orale'] },
  bisoprolol: { form: 'comprimé', routes: ['orale'] },
  ramipril: { form: 'gélule', routes: ['orale'] },
  apixaban: { form: 'comprimé pelliculé', routes: ['orale'] },
  aspirine: { form: 'poudre pour solution buvable en sachet', routes: ['orale'] },
  ticagrelor: { form: 'comprimé pelliculé', routes: ['orale'] },
  atorvastatine: { form: 'comprimé pelliculé', routes: ['orale'] },
  enoxaparine: { form: 'solution injectable en seringue préremplie', routes: ['sous-cutanée'] },
  amoxiclav: { form: 'poudre pour solution injectable', routes: ['intraveineuse'] },
  amoxicilline: { form: 'comprimé dispersible', routes: ['orale'] },
  'amoxicilline-ped': { form: 'poudre pour suspension buvable', routes: ['orale'] },
  ceftriaxone: { form: 'poudre pour solution injectable', routes: ['intraveineuse'] },
  'ceftriaxone-ped': { form: 'poudre pour solution injectable', routes: ['intraveineuse'] },
  salbutamol: { form: 'solution pour inhalation par nébuliseur', routes: ['inhalée'] },
  'salbutamol-ped': { form: 'suspension pour inhalation en flacon pressurisé', routes: ['inhalée'] },
  prednisolone: { form: 'comprimé orodispersible', routes: ['orale'] },
  'prednisolone-ped': { form: 'comprimé orodispersible', routes: ['orale'] },
  tramadol: { form: 'gélule', routes: ['orale'] },
  amlodipine: { form: 'gélule', routes: ['orale'] },
  metformine: { form: 'comprimé pelliculé', routes: ['orale'] },
  levothyroxine: { form: 'comprimé', routes: ['orale'] },
  'insuline-ped': { form: 'solution injectable en stylo prérempli', routes: ['sous-cutanée'] },
  'nacl-nasal': { form: 'solution pour lavage nasal', routes: ['nasale'] },
}

export interface MedicationContext {
  patientId: string
  encounterId: string
  requesterId: string
  weightKg: number
}

export function medicationRequest(id: string, key: MedKey, authoredOn: number, ctx: MedicationContext): MedicationRequest {
  const spec = MEDICATIONS[key]
  const [routeCode, routeDisplay] = ROUTES[spec.route]
  const dose = spec.perKg ? round(spec.dose * ctx.weightKg, spec.dose < 1 ? 1 : 0) : spec.dose
  const dosage: Dosage = {
    sequence: 1,
    text: spec.instruction,
    timing: { repeat: { frequency: spec.frequency, period: 1, periodUnit: 'd', ...(spec.when ? { when: spec.when } : {}) } },
    ...(spec.asNeeded ? { asNeededBoolean: true } : {}),
    route: concept(EDQM_SYSTEM, routeCode, routeDisplay),
    doseAndRate: [{ doseQuantity: ucum(dose, spec.unit, spec.ucum) }],
  }
  const form = FORMS[key]
  return {
    resourceType: 'MedicationRequest',
    id,
    ...(form ? { extension: [formExtension(form)] } : {}),
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: spec.atc
      ? { coding: [{ system: ATC_SYSTEM, code: spec.atc, display: spec.dc }], text: spec.text }
      : { text: spec.text },
    subject: ref('Patient', ctx.patientId),
    encounter: ref('Encounter', ctx.encounterId),
    authoredOn: dateTime(authoredOn),
    requester: ref('Practitioner', ctx.requesterId),
    dosageInstruction: [dosage],
  }
}
