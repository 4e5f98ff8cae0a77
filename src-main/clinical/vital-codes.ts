import type { Acvpu } from './news2'

// The FHIR shapes used here, structurally (src-main/clinical imports nothing outside itself).
interface Coding {
  system?: string
  code?: string
  display?: string
}
interface CodeableConcept {
  coding?: Coding[]
  text?: string
}
interface Quantity {
  value?: number
  unit?: string
  system?: string
  code?: string
}
interface ObservationComponent {
  code: CodeableConcept
  valueQuantity?: Quantity
}
interface Observation {
  code: CodeableConcept
  valueQuantity?: Quantity
  valueBoolean?: boolean
  valueCodeableConcept?: CodeableConcept
  component?: ObservationComponent[]
}

/**
 * FHIR coding of the vital signs NEWS2 needs beyond the six of the base vital-signs profiles, shared by the
 * cache (writes and reads) and the training hospital, so that both speak the same codes.
 *
 * - Air / O2: LOINC has a flow rate (3151-8) but no "on supplemental oxygen yes/no" observation, and a patient on
 *   oxygen whose flow was not charted still scores 2. So the fact is an Observation of a local code with a
 *   valueBoolean, and the flow, when charted, its component 3151-8 in L/min (as US Core's pulse-oximetry profile
 *   carries it). A bare 3151-8 Observation from another system is read too: a flow above 0 means oxygen.
 * - ACVPU: LOINC 67775-7 "Level of responsiveness"; its AVPU answer list has no "new confusion", so the answer is
 *   coded in a local system A/C/V/P/U.
 * - Pain EVA 72514-3 ({score}), weight 29463-7 (kg), height 8302-2 (cm): the LOINC codes of the FHIR profiles.
 */
export const LOINC_SYSTEM = 'http://loinc.org'
export const VITAL_SIGN_LOCAL_SYSTEM = 'https://chevet.example/fhir/CodeSystem/signes-vitaux'
export const ACVPU_SYSTEM = 'https://chevet.example/fhir/CodeSystem/acvpu'

export const EXTRA_VITAL_CODES = {
  /** Local code (system VITAL_SIGN_LOCAL_SYSTEM). */
  supplementalOxygen: 'oxygenotherapie',
  oxygenFlow: '3151-8',
  consciousness: '67775-7',
  pain: '72514-3',
  weight: '29463-7',
  height: '8302-2',
} as const

export const ACVPU_DISPLAY: Record<Acvpu, string> = {
  A: 'Alerte (éveillé)',
  C: 'Confusion nouvelle',
  V: 'Réagit à la voix',
  P: 'Réagit à la douleur',
  U: 'Aucune réaction',
}

export const OXYGEN_CONCEPT: CodeableConcept = {
  coding: [{ system: VITAL_SIGN_LOCAL_SYSTEM, code: EXTRA_VITAL_CODES.supplementalOxygen, display: 'Oxygénothérapie (air / O2)' }],
  text: 'Air / O2',
}
export const OXYGEN_FLOW_CONCEPT: CodeableConcept = {
  coding: [{ system: LOINC_SYSTEM, code: EXTRA_VITAL_CODES.oxygenFlow, display: "Débit d'oxygène inhalé" }],
  text: "Débit d'O2",
}
export const CONSCIOUSNESS_CONCEPT: CodeableConcept = {
  coding: [{ system: LOINC_SYSTEM, code: EXTRA_VITAL_CODES.consciousness, display: 'Niveau de conscience (ACVPU)' }],
  text: 'Conscience (ACVPU)',
}

export const acvpuConcept = (level: Acvpu): CodeableConcept => ({
  coding: [{ system: ACVPU_SYSTEM, code: level, display: ACVPU_DISPLAY[level] }],
  text: ACVPU_DISPLAY[level],
})

const L_PER_MIN = { unit: 'L/min', system: 'http://unitsofmeasure.org', code: 'L/min' }

/** The value part of the air/O2 Observation: valueBoolean, and the flow as component 3151-8 when given. */
export function oxygenValue(onOxygen: boolean, flow?: number): Pick<Observation, 'valueBoolean' | 'component'> {
  const component: ObservationComponent[] =
    onOxygen && flow !== undefined ? [{ code: OXYGEN_FLOW_CONCEPT, valueQuantity: { value: flow, ...L_PER_MIN } }] : []
  return { valueBoolean: onOxygen, ...(component.length > 0 ? { component } : {}) }
}

const hasCode = (concept: CodeableConcept | undefined, system: string, code: string): boolean =>
  (concept?.coding ?? []).some((c) => c.system === system && c.code === code)

export interface ExtraVitals {
  supplementalOxygen?: boolean
  oxygenFlow?: number
  consciousness?: Acvpu
  pain?: number
  weight?: number
  height?: number
}

const isAcvpu = (code: string | undefined): code is Acvpu => code !== undefined && Object.hasOwn(ACVPU_DISPLAY, code)

/** What an Observation says of the added parameters ({} when it is none of them). */
export function readExtraVitals(observation: Observation): ExtraVitals {
  const code = observation.code
  const quantity = observation.valueQuantity?.value
  if (hasCode(code, VITAL_SIGN_LOCAL_SYSTEM, EXTRA_VITAL_CODES.supplementalOxygen)) {
    if (typeof observation.valueBoolean !== 'boolean') return {}
    const flow = (observation.component ?? []).find((c) => hasCode(c.code, LOINC_SYSTEM, EXTRA_VITAL_CODES.oxygenFlow))
      ?.valueQuantity?.value
    return { supplementalOxygen: observation.valueBoolean, ...(typeof flow === 'number' ? { oxygenFlow: flow } : {}) }
  }
  if (hasCode(code, LOINC_SYSTEM, EXTRA_VITAL_CODES.oxygenFlow)) {
    if (typeof quantity !== 'number') return {}
    return quantity > 0 ? { supplementalOxygen: true, oxygenFlow: quantity } : { supplementalOxygen: false }
  }
  if (hasCode(code, LOINC_SYSTEM, EXTRA_VITAL_CODES.consciousness)) {
    const answer = observation.valueCodeableConcept?.coding?.find((c) => c.system === ACVPU_SYSTEM)?.code
    return isAcvpu(answer) ? { consciousness: answer } : {}
  }
  if (typeof quantity !== 'number') return {}
  if (hasCode(code, LOINC_SYSTEM, EXTRA_VITAL_CODES.pain)) return { pain: quantity }
  if (hasCode(code, LOINC_SYSTEM, EXTRA_VITAL_CODES.weight)) return { weight: quantity }
  if (hasCode(code, LOINC_SYSTEM, EXTRA_VITAL_CODES.height)) return { height: quantity }
  return {}
}
