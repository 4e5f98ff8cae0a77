/**
 * NEWS2 — National Early Warning Score 2, Royal College of Physicians, December 2017 (adults; not in pregnancy,
 * not under 16). Pure and dependency-free so that main and renderer compute the same score.
 *
 * Values are scored at the chart's own resolution: whole numbers, and tenths of a degree for temperature.
 * A value between two printed bands (35.05 °C, a pulse of 90.5 averaged by a device) is first rounded half up
 * to that resolution — as a nurse reading a display would — then looked up: 35.04 → 35.0 → 3 points,
 * 35.05 → 35.1 → 1 point.
 */

/** ACVPU. `C` is NEW confusion (new-onset or worsening disorientation, delirium), never a known chronic state. */
export type Acvpu = 'A' | 'C' | 'V' | 'P' | 'U'

/** Scale 2 is only for hypercapnic respiratory failure (target SpO2 88–92 %), decided by a clinician per patient. */
export type Spo2Scale = 1 | 2

/** One set of observations; any may be missing. Field names match the contract's VitalSigns. */
export interface News2Observations {
  respiratoryRate?: number | null
  spo2?: number | null
  /** true: on supplemental oxygen (any device or flow); false: breathing air. */
  supplementalOxygen?: boolean | null
  systolic?: number | null
  heartRate?: number | null
  consciousness?: Acvpu | null
  temperature?: number | null
}

export const NEWS2_PARAMETERS = [
  'respiratoryRate',
  'spo2',
  'supplementalOxygen',
  'systolic',
  'heartRate',
  'consciousness',
  'temperature',
] as const
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number]

export type News2Risk = 'low' | 'low-medium' | 'medium' | 'high'
export type News2Band = 'news-0' | 'news-low' | 'news-low-medium' | 'news-medium' | 'news-high'

/**
 * i18n keys of the RCP clinical response (RCP 2017, chart 4). Wording for the locale files:
 *
 * news2.response.routine (aggregate 0)
 *   fr: Surveillance au minimum toutes les 12 heures. Poursuivre la surveillance NEWS2 habituelle.
 *   en: Minimum 12-hourly monitoring. Continue routine NEWS2 monitoring.
 * news2.response.nurseAssessment (aggregate 1–4)
 *   fr: Surveillance au minimum toutes les 4 à 6 heures. Prévenir l'infirmier(ère), qui évalue le patient et décide
 *       s'il faut rapprocher la surveillance ou faire appel au médecin.
 *   en: Minimum 4–6-hourly monitoring. Inform the registered nurse, who must assess the patient and decide whether
 *       more frequent monitoring or escalation of care is required.
 * news2.response.urgentWard (3 in a single parameter, aggregate below 5)
 *   fr: Score de 3 sur un paramètre : surveillance au minimum toutes les heures. Réponse urgente dans le service :
 *       l'infirmier(ère) prévient l'équipe médicale en charge du patient, qui l'examine et décide d'une escalade des soins.
 *   en: Score of 3 in a single parameter: minimum 1-hourly monitoring. Urgent ward-based response: the registered
 *       nurse informs the medical team caring for the patient, who will review and decide whether escalation of care
 *       is necessary.
 * news2.response.urgent (aggregate 5–6)
 *   fr: Réponse urgente : surveillance au minimum toutes les heures. L'infirmier(ère) prévient immédiatement l'équipe
 *       médicale en charge du patient et demande une évaluation urgente par un clinicien compétent dans la prise en
 *       charge des patients en état aigu. Soins dans un lieu équipé pour la surveillance.
 *   en: Urgent response: minimum 1-hourly monitoring. The registered nurse immediately informs the medical team caring
 *       for the patient and requests urgent assessment by a clinician or team competent in the care of acutely ill
 *       patients. Care in an environment with monitoring facilities.
 * news2.response.emergency (aggregate 7 or more)
 *   fr: Réponse d'urgence : surveillance continue des constantes. L'infirmier(ère) prévient immédiatement l'équipe
 *       médicale, au moins un médecin senior. Évaluation en urgence par une équipe ayant les compétences de
 *       réanimation, dont la gestion avancée des voies aériennes. Envisager un transfert en soins continus ou en
 *       réanimation.
 *   en: Emergency response: continuous monitoring of vital signs. The registered nurse immediately informs the medical
 *       team, at least at specialist registrar level. Emergency assessment by a team with critical-care competencies,
 *       including advanced airway management. Consider transfer to a level 2 or 3 care facility (HDU or ICU).
 */
export const NEWS2_RESPONSE_KEYS = [
  'news2.response.routine',
  'news2.response.nurseAssessment',
  'news2.response.urgentWard',
  'news2.response.urgent',
  'news2.response.emergency',
] as const
export type News2ResponseKey = (typeof NEWS2_RESPONSE_KEYS)[number]

export interface News2Result {
  spo2Scale: Spo2Scale
  /** All seven parameters present (and the SpO2 scorable). */
  complete: boolean
  missing: News2Parameter[]
  /** Points per parameter; null when missing or not scorable (scale 2, SpO2 ≥ 93 %, air/O2 unknown). */
  parameters: Record<News2Parameter, number | null>
  /** The rest derive from the aggregate, so they are null on an incomplete set. */
  aggregate: number | null
  /** Among the parameters present, even on an incomplete set: the UI may flag a red score before the set is complete. */
  anySingleThree: boolean
  risk: News2Risk | null
  band: News2Band | null
  response: News2ResponseKey | null
}

/** Rows of [highest value of the band, points], ascending; the last row takes everything above. */
type Table = readonly (readonly [number, number])[]

const RESPIRATORY_RATE: Table = [[8, 3], [11, 1], [20, 0], [24, 2], [Infinity, 3]]
const SPO2_SCALE_1: Table = [[91, 3], [93, 2], [95, 1], [Infinity, 0]]
// Scale 2 up to 92 %; from 93 % the points depend on air or oxygen.
const SPO2_SCALE_2: Table = [[83, 3], [85, 2], [87, 1], [92, 0]]
const SPO2_SCALE_2_ON_OXYGEN: Table = [[94, 1], [96, 2], [Infinity, 3]]
const SYSTOLIC: Table = [[90, 3], [100, 2], [110, 1], [219, 0], [Infinity, 3]]
const HEART_RATE: Table = [[40, 3], [50, 1], [90, 0], [110, 1], [130, 2], [Infinity, 3]]
// In tenths of a degree, so that band edges compare as integers.
const TEMPERATURE_TENTHS: Table = [[350, 3], [360, 1], [380, 0], [390, 1], [Infinity, 2]]

function lookup(table: Table, value: number): number {
  for (const [upTo, points] of table) if (value <= upTo) return points
  throw new RangeError('NEWS2 table without a catch-all row')
}

/** Rounds half up to `1/perUnit`, as an integer count of those steps (tenths of a degree for temperature). */
function atResolution(value: number, perUnit: number): number {
  return Math.round(value * perUnit)
}

const present = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value)

function spo2Points(spo2: number, scale: Spo2Scale, onOxygen: boolean | null): number | null {
  const value = atResolution(spo2, 1)
  if (scale === 1) return lookup(SPO2_SCALE_1, value)
  if (value <= 92) return lookup(SPO2_SCALE_2, value)
  if (onOxygen === null) return null
  return onOxygen ? lookup(SPO2_SCALE_2_ON_OXYGEN, value) : 0
}

const ACVPU_POINTS: Record<Acvpu, number> = { A: 0, C: 3, V: 3, P: 3, U: 3 }

function classify(aggregate: number, anySingleThree: boolean): Pick<News2Result, 'risk' | 'band' | 'response'> {
  if (aggregate >= 7) return { risk: 'high', band: 'news-high', response: 'news2.response.emergency' }
  if (aggregate >= 5) return { risk: 'medium', band: 'news-medium', response: 'news2.response.urgent' }
  if (anySingleThree) return { risk: 'low-medium', band: 'news-low-medium', response: 'news2.response.urgentWard' }
  if (aggregate >= 1) return { risk: 'low', band: 'news-low', response: 'news2.response.nurseAssessment' }
  return { risk: 'low', band: 'news-0', response: 'news2.response.routine' }
}

export function scoreNews2(observations: News2Observations, options: { spo2Scale?: Spo2Scale } = {}): News2Result {
  const spo2Scale = options.spo2Scale ?? 1
  const o = observations
  const onOxygen = typeof o.supplementalOxygen === 'boolean' ? o.supplementalOxygen : null
  const consciousness = o.consciousness != null && Object.hasOwn(ACVPU_POINTS, o.consciousness) ? o.consciousness : null

  const parameters: Record<News2Parameter, number | null> = {
    respiratoryRate: present(o.respiratoryRate) ? lookup(RESPIRATORY_RATE, atResolution(o.respiratoryRate, 1)) : null,
    spo2: present(o.spo2) ? spo2Points(o.spo2, spo2Scale, onOxygen) : null,
    supplementalOxygen: onOxygen === null ? null : onOxygen ? 2 : 0,
    systolic: present(o.systolic) ? lookup(SYSTOLIC, atResolution(o.systolic, 1)) : null,
    heartRate: present(o.heartRate) ? lookup(HEART_RATE, atResolution(o.heartRate, 1)) : null,
    consciousness: consciousness === null ? null : ACVPU_POINTS[consciousness],
    temperature: present(o.temperature) ? lookup(TEMPERATURE_TENTHS, atResolution(o.temperature, 10)) : null,
  }

  const given: Record<News2Parameter, boolean> = {
    respiratoryRate: present(o.respiratoryRate),
    spo2: present(o.spo2),
    supplementalOxygen: onOxygen !== null,
    systolic: present(o.systolic),
    heartRate: present(o.heartRate),
    consciousness: consciousness !== null,
    temperature: present(o.temperature),
  }
  const missing = NEWS2_PARAMETERS.filter((name) => !given[name])
  const scores = NEWS2_PARAMETERS.map((name) => parameters[name])
  const anySingleThree = scores.includes(3)
  // A scale-2 SpO2 left unscored by a missing air/O2 is covered: supplementalOxygen is then in `missing`.
  const complete = missing.length === 0

  if (!complete) {
    return { spo2Scale, complete, missing, parameters, aggregate: null, anySingleThree, risk: null, band: null, response: null }
  }
  const aggregate = scores.reduce<number>((sum, points) => sum + (points ?? 0), 0)
  return { spo2Scale, complete, missing, parameters, aggregate, anySingleThree, ...classify(aggregate, anySingleThree) }
}
