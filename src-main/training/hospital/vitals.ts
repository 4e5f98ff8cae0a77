import type { CodeableConcept, Observation } from '@medplum/fhirtypes'
import type { Acvpu } from '../../clinical/news2'
import { acvpuConcept, CONSCIOUSNESS_CONCEPT, OXYGEN_CONCEPT, oxygenValue } from '../../clinical/vital-codes'
import { clamp, concept, dateTime, ref, round, ucum } from './fhir'
import type { Rng } from './random'
import { LOINC, OBSERVATION_CATEGORY } from './systems'

export type VitalKind = 'bp' | 'hr' | 'temp' | 'spo2' | 'rr' | 'weight' | 'height' | 'pain'

interface VitalSpec {
  loinc: string
  display: string
  profile?: string
  unit: string
  ucum: string
  decimals: number
}

// Codes and UCUM units of the FHIR vital-signs profiles (which FR Core's vital-sign profiles derive from);
// displays are the French labels the clinicians read.
export const VITALS: Record<VitalKind, VitalSpec> = {
  bp: { loinc: '85354-9', display: 'Pression artérielle', profile: 'bp', unit: 'mm[Hg]', ucum: 'mm[Hg]', decimals: 0 },
  hr: { loinc: '8867-4', display: 'Fréquence cardiaque', profile: 'heartrate', unit: '/min', ucum: '/min', decimals: 0 },
  temp: { loinc: '8310-5', display: 'Température corporelle', profile: 'bodytemp', unit: '°C', ucum: 'Cel', decimals: 1 },
  spo2: { loinc: '59408-5', display: 'Saturation en oxygène (SpO2)', profile: 'oxygensat', unit: '%', ucum: '%', decimals: 0 },
  rr: { loinc: '9279-1', display: 'Fréquence respiratoire', profile: 'resprate', unit: '/min', ucum: '/min', decimals: 0 },
  weight: { loinc: '29463-7', display: 'Poids', profile: 'bodyweight', unit: 'kg', ucum: 'kg', decimals: 1 },
  height: { loinc: '8302-2', display: 'Taille', profile: 'bodyheight', unit: 'cm', ucum: 'cm', decimals: 0 },
  pain: { loinc: '72514-3', display: 'Douleur (EVA)', unit: '{score}', ucum: '{score}', decimals: 0 },
}

const SYSTOLIC = { loinc: '8480-6', display: 'Pression artérielle systolique' }
const DIASTOLIC = { loinc: '8462-4', display: 'Pression artérielle diastolique' }

export const VITAL_SIGNS_CATEGORY: CodeableConcept = concept(OBSERVATION_CATEGORY, 'vital-signs', 'Vital Signs', 'Signes vitaux')

export interface ObservationContext {
  patientId: string
  encounterId?: string
  performerId?: string
}

export type VitalValue = number | readonly [number, number]

function code(kind: VitalKind): CodeableConcept {
  const spec = VITALS[kind]
  const codings = [{ system: LOINC, code: spec.loinc, display: spec.display }]
  // The base oxygensat profile requires 2708-6 beside the pulse-oximetry code.
  if (kind === 'spo2') codings.push({ system: LOINC, code: '2708-6', display: 'Saturation en oxygène du sang artériel' })
  return { coding: codings, text: spec.display }
}

export function vitalObservation(id: string, kind: VitalKind, value: VitalValue, at: number, ctx: ObservationContext): Observation {
  const spec = VITALS[kind]
  const obs: Observation = {
    resourceType: 'Observation',
    id,
    ...(spec.profile ? { meta: { profile: [`http://hl7.org/fhir/StructureDefinition/${spec.profile}`] } } : {}),
    status: 'final',
    category: [VITAL_SIGNS_CATEGORY],
    code: code(kind),
    subject: ref('Patient', ctx.patientId),
    ...(ctx.encounterId ? { encounter: ref('Encounter', ctx.encounterId) } : {}),
    effectiveDateTime: dateTime(at),
    ...(ctx.performerId ? { performer: [ref('Practitioner', ctx.performerId)] } : {}),
  }
  if (typeof value === 'number') {
    obs.valueQuantity = ucum(round(value, spec.decimals), spec.unit, spec.ucum)
  } else {
    obs.component = [
      { code: concept(LOINC, SYSTOLIC.loinc, SYSTOLIC.display), valueQuantity: ucum(Math.round(value[0]), 'mm[Hg]') },
      { code: concept(LOINC, DIASTOLIC.loinc, DIASTOLIC.display), valueQuantity: ucum(Math.round(value[1]), 'mm[Hg]') },
    ]
  }
  return obs
}

export interface VitalBaseline {
  sbp: number
  dbp: number
  hr: number
  rr: number
  spo2: number
  temp: number
  pain: number
  weight: number
  height: number
  /** Self-reported pain (EVA) needs a child of 4 or more. */
  selfReportedPain: boolean
}

/** Typical weight and height by age (rough French growth curves), before individual variation. */
function growth(ageYears: number, sex: 'male' | 'female'): { weight: number; height: number } {
  if (ageYears < 1) return { weight: 3.5 + ageYears * 6.5, height: 50 + ageYears * 25 }
  if (ageYears < 12) return { weight: 8 + 2.5 * ageYears, height: 75 + 6.2 * ageYears }
  if (ageYears < 18) {
    const t = (ageYears - 12) / 6
    return sex === 'male' ? { weight: 40 + 30 * t, height: 150 + 26 * t } : { weight: 40 + 18 * t, height: 150 + 14 * t }
  }
  return sex === 'male' ? { weight: 78, height: 175 } : { weight: 65, height: 163 }
}

export function vitalBaseline(rng: Rng, ageYears: number, sex: 'male' | 'female'): VitalBaseline {
  const g = growth(ageYears, sex)
  const height = round(g.height * rng.float(0.95, 1.05), 0)
  const weight = round(g.weight * rng.float(0.82, 1.3), 1)
  if (ageYears < 18) {
    const infant = ageYears < 2
    return {
      sbp: infant ? rng.float(80, 95) : rng.float(95, 115),
      dbp: infant ? rng.float(45, 55) : rng.float(55, 70),
      hr: infant ? rng.float(115, 140) : ageYears < 6 ? rng.float(95, 115) : rng.float(70, 95),
      rr: infant ? rng.float(30, 40) : ageYears < 6 ? rng.float(22, 28) : rng.float(16, 20),
      spo2: rng.float(96, 99),
      temp: rng.float(36.6, 37.4),
      pain: rng.float(0, 2),
      weight,
      height,
      selfReportedPain: ageYears >= 4,
    }
  }
  const elderly = ageYears >= 70
  return {
    sbp: elderly ? rng.float(120, 150) : rng.float(115, 138),
    dbp: rng.float(65, 85),
    hr: rng.float(62, 88),
    rr: rng.float(13, 18),
    spo2: elderly ? rng.float(94.5, 97.5) : rng.float(96, 99),
    temp: rng.float(36.4, 37.3),
    pain: rng.float(0, 3),
    weight,
    height,
    selfReportedPain: true,
  }
}

export interface VitalSet {
  bp: readonly [number, number]
  hr: number
  temp: number
  spo2: number
  rr: number
  pain?: number
  /** L/min of supplemental oxygen; 0 on air. */
  o2?: number
  acvpu?: Acvpu
}

/**
 * Air/O2 and ACVPU follow the severity without drawing from `rng`, so that adding them left every other value
 * of the generated hospital as it was: oxygen from halfway to the worst picture, new confusion near it.
 */
function oxygenAndConsciousness(severity: number): { o2: number; acvpu: Acvpu } {
  return { o2: severity >= 0.5 ? Math.round(2 + 4 * severity) : 0, acvpu: severity >= 0.9 ? 'C' : 'A' }
}

/**
 * One round of vital signs. `severity` (0…1) pulls an adult towards a septic, hypoxic, hypotensive picture:
 * at 1 the set scores well above NEWS2 7 (RR ≥ 25, SpO2 ≤ 91, SBP ≤ 90, HR ≥ 111, T ≥ 39.1).
 */
export function vitalSet(rng: Rng, base: VitalBaseline, severity = 0): VitalSet {
  const towards = (normal: number, worst: number): number => normal + (worst - normal) * severity
  const sbp = towards(base.sbp, 84) + rng.normal(0, 6 * (1 - severity) + 1)
  const dbp = towards(base.dbp, 48) + rng.normal(0, 4 * (1 - severity) + 1)
  const set: VitalSet = {
    bp: [clamp(sbp, 60, 220), clamp(Math.min(dbp, sbp - 20), 30, 130)],
    hr: clamp(towards(base.hr, 128) + rng.normal(0, 4), 35, 220),
    temp: clamp(towards(base.temp, 39.5) + rng.normal(0, 0.2), 34.5, 41.5),
    spo2: clamp(towards(base.spo2, 88) + rng.normal(0, 0.8), 70, 100),
    rr: clamp(towards(base.rr, 28) + rng.normal(0, 1), 6, 70),
    ...oxygenAndConsciousness(severity),
  }
  if (base.selfReportedPain) set.pain = clamp(towards(base.pain, 6) + rng.normal(0, 1), 0, 10)
  return set
}

/** Rounded as the observations store them, so that checks on the set and on the resources agree. */
export function roundedSet(set: VitalSet): VitalSet {
  return {
    bp: [Math.round(set.bp[0]), Math.round(set.bp[1])],
    hr: Math.round(set.hr),
    temp: round(set.temp, 1),
    spo2: Math.round(set.spo2),
    rr: Math.round(set.rr),
    ...(set.pain === undefined ? {} : { pain: Math.round(set.pain) }),
    ...(set.o2 === undefined ? {} : { o2: set.o2 }),
    ...(set.acvpu === undefined ? {} : { acvpu: set.acvpu }),
  }
}

/** Air/O2 (with its flow) and ACVPU, coded as src-main/clinical/vital-codes.ts says. */
function codedObservation(id: string, concept: CodeableConcept, at: number, ctx: ObservationContext): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [VITAL_SIGNS_CATEGORY],
    code: concept,
    subject: ref('Patient', ctx.patientId),
    ...(ctx.encounterId ? { encounter: ref('Encounter', ctx.encounterId) } : {}),
    effectiveDateTime: dateTime(at),
    ...(ctx.performerId ? { performer: [ref('Practitioner', ctx.performerId)] } : {}),
  }
}

export function oxygenObservation(id: string, flow: number, at: number, ctx: ObservationContext): Observation {
  return { ...codedObservation(id, OXYGEN_CONCEPT, at, ctx), ...oxygenValue(flow > 0, flow > 0 ? flow : undefined) }
}

export function consciousnessObservation(id: string, level: Acvpu, at: number, ctx: ObservationContext): Observation {
  return { ...codedObservation(id, CONSCIOUSNESS_CONCEPT, at, ctx), valueCodeableConcept: acvpuConcept(level) }
}

/** The observations of one set, in a stable order; `nextId` names each. */
export function setObservations(set: VitalSet, at: number, ctx: ObservationContext, nextId: () => string): Observation[] {
  const out: Observation[] = [
    vitalObservation(nextId(), 'bp', set.bp, at, ctx),
    vitalObservation(nextId(), 'hr', set.hr, at, ctx),
    vitalObservation(nextId(), 'temp', set.temp, at, ctx),
    vitalObservation(nextId(), 'spo2', set.spo2, at, ctx),
    vitalObservation(nextId(), 'rr', set.rr, at, ctx),
  ]
  if (set.pain !== undefined) out.push(vitalObservation(nextId(), 'pain', set.pain, at, ctx))
  if (set.o2 !== undefined) out.push(oxygenObservation(nextId(), set.o2, at, ctx))
  if (set.acvpu !== undefined) out.push(consciousnessObservation(nextId(), set.acvpu, at, ctx))
  return out
}
