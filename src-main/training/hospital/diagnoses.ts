import type { AnalyteKey } from './labs'
import type { MedKey } from './medications'
import type { ImagingKey } from './imaging'
import type { UnitCode } from './types'

export interface DiagnosisSpec {
  code: string
  /** French CIM-10 label (ATIH). */
  label: string
  units: readonly UnitCode[]
  weight: number
  minAge?: number
  maxAge?: number
  meds: readonly MedKey[]
  imaging?: ImagingKey
  /** Admission values that depart from normal; they drift back towards normal during the stay. */
  labs?: Partial<Record<AnalyteKey, number>>
  /** Lay summary for letters. */
  summary: string
}

// Reasons for admission, by unit. Children's reasons carry maxAge, adults' minAge, so that a patient's age
// and unit always agree with the diagnosis.
export const DIAGNOSES: readonly DiagnosisSpec[] = [
  // Cardiologie
  { code: 'I50.9', label: 'Insuffisance cardiaque, sans précision', units: ['CARDIO'], weight: 6, minAge: 45, meds: ['furosemide', 'bisoprolol', 'ramipril'], imaging: 'rx-thorax-oap', labs: { ntprobnp: 4800, crea: 125, na: 132 }, summary: 'décompensation cardiaque globale' },
  { code: 'I48.9', label: 'Fibrillation et flutter auriculaires, sans précision', units: ['CARDIO'], weight: 4, minAge: 40, meds: ['apixaban', 'bisoprolol'], imaging: 'echo-coeur', summary: 'fibrillation atriale rapide' },
  { code: 'I21.4', label: 'Infarctus sous-endocardique (aigu) du myocarde', units: ['CARDIO'], weight: 3, minAge: 40, meds: ['aspirine', 'ticagrelor', 'atorvastatine', 'bisoprolol'], imaging: 'echo-coeur', labs: { tropo: 2400 }, summary: 'syndrome coronarien aigu sans sus-décalage du segment ST' },
  { code: 'I20.0', label: 'Angine de poitrine instable', units: ['CARDIO'], weight: 2, minAge: 40, meds: ['aspirine', 'atorvastatine', 'bisoprolol'], labs: { tropo: 28 }, summary: 'angor instable' },
  { code: 'I26.9', label: 'Embolie pulmonaire, sans mention de cœur pulmonaire aigu', units: ['CARDIO', 'MEDINT'], weight: 2, minAge: 18, meds: ['apixaban'], imaging: 'angioscanner-thorax', labs: { tropo: 45 }, summary: 'embolie pulmonaire' },
  { code: 'I35.0', label: 'Sténose (de la valvule) aortique', units: ['CARDIO'], weight: 1, minAge: 65, meds: ['furosemide'], imaging: 'echo-coeur-ra', summary: 'rétrécissement aortique serré' },
  { code: 'R55', label: 'Syncope et collapsus', units: ['CARDIO', 'MEDINT'], weight: 1, minAge: 18, meds: [], imaging: 'echo-coeur', summary: 'malaise avec perte de connaissance brève' },
  // Médecine interne
  { code: 'J18.9', label: 'Pneumopathie, sans précision', units: ['MEDINT'], weight: 5, minAge: 18, meds: ['amoxiclav'], imaging: 'rx-thorax-pneumo', labs: { crp: 160, leuco: 16.5 }, summary: 'pneumopathie infectieuse' },
  { code: 'N39.0', label: 'Infection des voies urinaires, siège non précisé', units: ['MEDINT'], weight: 4, minAge: 18, meds: ['ceftriaxone'], labs: { crp: 95, leuco: 14 }, summary: 'pyélonéphrite aiguë' },
  { code: 'A41.9', label: 'Sepsis, sans précision', units: ['MEDINT'], weight: 2, minAge: 18, meds: ['ceftriaxone'], labs: { crp: 230, leuco: 19, crea: 155, plaq: 110 }, summary: 'sepsis' },
  { code: 'E87.1', label: 'Hypo-osmolarité et hyponatrémie', units: ['MEDINT'], weight: 2, minAge: 50, meds: [], labs: { na: 121 }, summary: 'hyponatrémie sévère' },
  { code: 'N17.9', label: 'Insuffisance rénale aiguë, sans précision', units: ['MEDINT'], weight: 2, minAge: 40, meds: [], imaging: 'echo-renale', labs: { crea: 290, k: 5.9, uree: 21 }, summary: 'insuffisance rénale aiguë' },
  { code: 'D64.9', label: 'Anémie, sans précision', units: ['MEDINT'], weight: 2, minAge: 18, meds: [], labs: { hb: 7.4, ht: 23 }, summary: 'anémie à explorer' },
  { code: 'J44.1', label: 'Maladie pulmonaire obstructive chronique avec épisodes aigus, sans précision', units: ['MEDINT'], weight: 3, minAge: 45, meds: ['salbutamol', 'prednisolone', 'amoxiclav'], imaging: 'rx-thorax', labs: { crp: 38 }, summary: 'exacerbation de BPCO' },
  // Never drawn at random (weight 0): the heavy patient's reason for this stay.
  { code: 'E87.5', label: 'Hyperkaliémie', units: ['MEDINT'], weight: 0, minAge: 18, meds: [], labs: { k: 6.7, crea: 760, uree: 33 }, summary: 'hyperkaliémie chez un patient hémodialysé' },
  { code: 'A46', label: 'Érysipèle', units: ['MEDINT'], weight: 2, minAge: 18, meds: ['amoxicilline'], labs: { crp: 110, leuco: 13 }, summary: 'érysipèle de jambe' },
  // Chirurgie
  { code: 'K35.8', label: 'Appendicite aiguë, autres et sans précision', units: ['CHIR'], weight: 4, minAge: 18, meds: ['amoxiclav', 'tramadol'], imaging: 'scanner-abdo-appendicite', labs: { crp: 65, leuco: 14.5 }, summary: 'appendicite aiguë opérée (appendicectomie cœlioscopique)' },
  { code: 'K81.0', label: 'Cholécystite aiguë', units: ['CHIR'], weight: 3, minAge: 18, meds: ['amoxiclav', 'tramadol'], imaging: 'scanner-abdo-vesicule', labs: { crp: 120, leuco: 15 }, summary: 'cholécystite aiguë lithiasique opérée' },
  { code: 'K40.9', label: 'Hernie inguinale unilatérale ou sans précision, sans occlusion ni gangrène', units: ['CHIR'], weight: 2, minAge: 18, meds: ['tramadol'], summary: 'cure de hernie inguinale' },
  { code: 'S72.0', label: 'Fracture du col du fémur', units: ['CHIR'], weight: 3, minAge: 65, meds: ['tramadol'], imaging: 'rx-bassin', labs: { hb: 10.6 }, summary: 'fracture du col fémoral opérée (prothèse)' },
  { code: 'K56.6', label: 'Occlusions intestinales, autres et sans précision', units: ['CHIR'], weight: 2, minAge: 40, meds: ['tramadol'], imaging: 'scanner-abdo-occlusion', labs: { k: 3.2, crea: 115 }, summary: 'occlusion intestinale sur brides' },
  { code: 'M16.9', label: 'Coxarthrose, sans précision', units: ['CHIR'], weight: 2, minAge: 55, meds: ['tramadol'], imaging: 'rx-bassin-coxarthrose', summary: 'pose programmée de prothèse totale de hanche' },
  // Pédiatrie
  { code: 'J21.9', label: 'Bronchiolite aiguë, sans précision', units: ['PEDIA'], weight: 6, maxAge: 1, meds: ['nacl-nasal', 'paracetamol-ped'], summary: 'bronchiolite aiguë' },
  { code: 'A08.4', label: 'Infection intestinale virale, sans précision', units: ['PEDIA'], weight: 3, maxAge: 6, meds: ['paracetamol-ped', 'bicarbonate-ped'], labs: { na: 133, hco3: 18 }, summary: 'gastro-entérite aiguë avec déshydratation' },
  { code: 'J45.9', label: 'Asthme, sans précision', units: ['PEDIA'], weight: 3, minAge: 3, maxAge: 17, meds: ['salbutamol-ped', 'prednisolone-ped'], imaging: 'rx-thorax', summary: 'crise d’asthme' },
  { code: 'R50.9', label: 'Fièvre, sans précision', units: ['PEDIA'], weight: 2, maxAge: 3, meds: ['paracetamol-ped'], labs: { crp: 32 }, summary: 'fièvre du nourrisson' },
  { code: 'N39.0', label: 'Infection des voies urinaires, siège non précisé', units: ['PEDIA'], weight: 2, maxAge: 17, meds: ['ceftriaxone-ped', 'paracetamol-ped'], labs: { crp: 85, leuco: 17 }, summary: 'pyélonéphrite aiguë' },
  { code: 'J18.9', label: 'Pneumopathie, sans précision', units: ['PEDIA'], weight: 2, maxAge: 17, meds: ['amoxicilline-ped', 'paracetamol-ped'], imaging: 'rx-thorax-pneumo', labs: { crp: 110, leuco: 18 }, summary: 'pneumopathie infectieuse' },
  { code: 'E10.1', label: 'Diabète sucré de type 1, avec acidocétose', units: ['PEDIA'], weight: 1, minAge: 4, maxAge: 17, meds: ['insuline-ped'], labs: { glu: 27, hco3: 11, k: 5.4 }, summary: 'découverte de diabète de type 1 en acidocétose' },
  { code: 'S06.0', label: 'Commotion cérébrale', units: ['PEDIA'], weight: 1, minAge: 2, maxAge: 17, meds: ['paracetamol-ped'], imaging: 'scanner-cerebral', summary: 'traumatisme crânien avec perte de connaissance' },
]

export interface ComorbiditySpec {
  code: string
  label: string
  minAge: number
  probability: number
  meds: readonly MedKey[]
  /** Chronic lab signature (e.g. chronic kidney disease raises creatinine). */
  labs?: Partial<Record<AnalyteKey, number>>
}

export const COMORBIDITIES: readonly ComorbiditySpec[] = [
  { code: 'I10', label: 'Hypertension essentielle (primitive)', minAge: 45, probability: 0.35, meds: ['amlodipine'] },
  { code: 'E11.9', label: 'Diabète sucré de type 2, sans complication', minAge: 40, probability: 0.15, meds: ['metformine'], labs: { glu: 8.9 } },
  { code: 'E78.0', label: 'Hypercholestérolémie essentielle', minAge: 40, probability: 0.2, meds: ['atorvastatine'] },
  { code: 'N18.3', label: 'Maladie rénale chronique, stade 3', minAge: 60, probability: 0.1, meds: [], labs: { crea: 150 } },
  { code: 'J44.9', label: 'Maladie pulmonaire obstructive chronique, sans précision', minAge: 50, probability: 0.08, meds: [] },
  { code: 'E66.9', label: 'Obésité, sans précision', minAge: 18, probability: 0.12, meds: [] },
  { code: 'F17.2', label: 'Troubles mentaux et du comportement liés à l’utilisation de tabac : syndrome de dépendance', minAge: 18, probability: 0.15, meds: [] },
  { code: 'E03.9', label: 'Hypothyroïdie, sans précision', minAge: 30, probability: 0.06, meds: ['levothyroxine'] },
  { code: 'G30.9', label: 'Maladie d’Alzheimer, sans précision', minAge: 75, probability: 0.1, meds: [] },
  { code: 'I25.9', label: 'Cardiopathie ischémique chronique, sans précision', minAge: 55, probability: 0.08, meds: ['aspirine'] },
  // Never drawn at random: the heavy (dialysed) patient's record.
  { code: 'N18.5', label: 'Maladie rénale chronique, stade 5', minAge: 18, probability: 0, meds: [], labs: { crea: 720, uree: 24, hb: 10.6 } },
  { code: 'Z99.2', label: 'Dépendance envers une dialyse rénale', minAge: 18, probability: 0, meds: [] },
]

export function comorbidityByCode(code: string): ComorbiditySpec {
  const found = COMORBIDITIES.find((c) => c.code === code)
  if (!found) throw new RangeError(`unknown comorbidity ${code}`)
  return found
}

export function diagnosesFor(unit: UnitCode, ageYears: number): DiagnosisSpec[] {
  return DIAGNOSES.filter(
    (d) => d.units.includes(unit) && (d.minAge === undefined || ageYears >= d.minAge) && (d.maxAge === undefined || ageYears <= d.maxAge),
  )
}

export function diagnosisByCode(code: string, unit: UnitCode): DiagnosisSpec {
  const found = DIAGNOSES.find((d) => d.code === code && d.units.includes(unit))
  if (!found) throw new RangeError(`no diagnosis ${code} in ${unit}`)
  return found
}
