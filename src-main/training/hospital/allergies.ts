import type { AllergyIntolerance } from '@medplum/fhirtypes'
import { concept, date, ref } from './fhir'
import type { Rng } from './random'
import { SNOMED } from './systems'

interface Substance {
  snomed: string
  display: string
  text: string
  category: 'medication' | 'food' | 'environment'
  weight: number
  adultsOnly?: boolean
}

// SNOMED CT substance codes; French names in text, which is what the banner shows.
const SUBSTANCES: readonly Substance[] = [
  { snomed: '764146007', display: 'Penicillin', text: 'Pénicillines', category: 'medication', weight: 5 },
  { snomed: '372687004', display: 'Amoxicillin', text: 'Amoxicilline', category: 'medication', weight: 5 },
  { snomed: '44588005', display: 'Iodine', text: 'Produits de contraste iodés', category: 'medication', weight: 3, adultsOnly: true },
  { snomed: '111088007', display: 'Latex', text: 'Latex', category: 'environment', weight: 2 },
  { snomed: '762952008', display: 'Peanut', text: 'Arachide', category: 'food', weight: 3 },
  { snomed: '387458008', display: 'Aspirin', text: 'Acide acétylsalicylique (aspirine)', category: 'medication', weight: 2, adultsOnly: true },
  { snomed: '387207008', display: 'Ibuprofen', text: 'Ibuprofène', category: 'medication', weight: 2 },
  { snomed: '387494007', display: 'Codeine', text: 'Codéine', category: 'medication', weight: 1, adultsOnly: true },
  { snomed: '102263004', display: 'Eggs', text: 'Œuf', category: 'food', weight: 1 },
  { snomed: '387517004', display: 'Paracetamol', text: 'Paracétamol', category: 'medication', weight: 0.3 },
]

const REACTIONS: readonly { snomed: string; display: string; text: string; severity: 'mild' | 'moderate' | 'severe' }[] = [
  { snomed: '126485001', display: 'Urticaria', text: 'Urticaire', severity: 'mild' },
  { snomed: '271807003', display: 'Eruption of skin', text: 'Éruption cutanée', severity: 'mild' },
  { snomed: '41291007', display: 'Angioedema', text: 'Œdème de Quincke', severity: 'severe' },
  { snomed: '39579001', display: 'Anaphylaxis', text: 'Choc anaphylactique', severity: 'severe' },
  { snomed: '4386001', display: 'Bronchospasm', text: 'Bronchospasme', severity: 'moderate' },
  { snomed: '422587007', display: 'Nausea', text: 'Nausées', severity: 'mild' },
]

export function allergies(
  rng: Rng,
  patientId: string,
  ageYears: number,
  recordedAt: number,
  recorderId: string,
  nextId: () => string,
): AllergyIntolerance[] {
  const probability = ageYears < 18 ? 0.08 : 0.22
  if (!rng.chance(probability)) return []
  const count = rng.chance(0.2) ? 2 : 1
  const pool = SUBSTANCES.filter((s) => ageYears >= 18 || !s.adultsOnly)
  const chosen: Substance[] = []
  while (chosen.length < count) {
    const s = rng.weighted(pool.map((x) => [x, x.weight] as const))
    if (!chosen.includes(s)) chosen.push(s)
  }
  return chosen.map((s) => {
    const reaction = rng.pick(REACTIONS)
    const critical = reaction.severity === 'severe'
    return {
      resourceType: 'AllergyIntolerance',
      id: nextId(),
      clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active', 'Active'),
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', 'confirmed', 'Confirmed', 'Confirmée'),
      type: 'allergy',
      category: [s.category],
      criticality: critical ? 'high' : 'low',
      code: concept(SNOMED, s.snomed, s.display, s.text),
      patient: ref('Patient', patientId),
      recordedDate: date(recordedAt),
      recorder: ref('Practitioner', recorderId),
      reaction: [
        {
          manifestation: [concept(SNOMED, reaction.snomed, reaction.display, reaction.text)],
          severity: reaction.severity,
          description: `${reaction.text} après exposition (${s.text.toLowerCase()}).`,
        },
      ],
    }
  })
}
