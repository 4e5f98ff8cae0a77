import type { CodeableConcept, DiagnosticReport, Observation } from '@medplum/fhirtypes'
import { concept, dateTime, ref, round, ucum } from './fhir'
import type { Rng } from './random'
import { INTERPRETATION_SYSTEM, LOINC, OBSERVATION_CATEGORY, REPORT_CATEGORY } from './systems'

export type AnalyteKey =
  | 'hb' | 'ht' | 'leuco' | 'plaq'
  | 'na' | 'k' | 'cl' | 'hco3' | 'glu'
  | 'crea' | 'uree' | 'dfg'
  | 'crp' | 'tropo' | 'ntprobnp'

export interface Patient4Labs {
  ageYears: number
  sex: 'male' | 'female'
}

interface Analyte {
  loinc: string
  display: string
  unit: string
  ucum: string
  decimals: number
  range: (p: Patient4Labs) => readonly [number | undefined, number | undefined]
  /** Values beyond these are critical (LL / HH). */
  critical?: readonly [number | undefined, number | undefined]
}

// LOINC codes whose property matches the French unit (moles for sodium, creatinine in µmol/L, glucose in
// mmol/L…), with French labels. Adult reference ranges of a typical French laboratory; simplified for children.
export const ANALYTES: Record<AnalyteKey, Analyte> = {
  hb: {
    loinc: '718-7', display: 'Hémoglobine', unit: 'g/dL', ucum: 'g/dL', decimals: 1,
    range: (p) => (p.ageYears < 12 ? [11, 14] : p.sex === 'male' ? [13, 17] : [12, 16]), critical: [7, 20],
  },
  ht: {
    loinc: '4544-3', display: 'Hématocrite', unit: '%', ucum: '%', decimals: 1,
    range: (p) => (p.ageYears < 12 ? [33, 42] : p.sex === 'male' ? [40, 52] : [36, 47]),
  },
  leuco: { loinc: '6690-2', display: 'Leucocytes', unit: 'G/L', ucum: '10*9/L', decimals: 1, range: (p) => (p.ageYears < 6 ? [5, 15] : [4, 10]), critical: [1, 30] },
  plaq: { loinc: '777-3', display: 'Plaquettes', unit: 'G/L', ucum: '10*9/L', decimals: 0, range: () => [150, 400], critical: [50, 1000] },
  na: { loinc: '2951-2', display: 'Sodium', unit: 'mmol/L', ucum: 'mmol/L', decimals: 0, range: () => [136, 145], critical: [125, 155] },
  k: { loinc: '2823-3', display: 'Potassium', unit: 'mmol/L', ucum: 'mmol/L', decimals: 1, range: () => [3.5, 5], critical: [2.8, 6] },
  cl: { loinc: '2075-0', display: 'Chlorure', unit: 'mmol/L', ucum: 'mmol/L', decimals: 0, range: () => [98, 107] },
  hco3: { loinc: '1963-8', display: 'Bicarbonates', unit: 'mmol/L', ucum: 'mmol/L', decimals: 0, range: () => [22, 29], critical: [15, 40] },
  glu: { loinc: '14749-6', display: 'Glucose (glycémie)', unit: 'mmol/L', ucum: 'mmol/L', decimals: 1, range: () => [4.1, 5.9], critical: [2.5, 25] },
  crea: {
    loinc: '14682-9', display: 'Créatinine', unit: 'µmol/L', ucum: 'umol/L', decimals: 0,
    range: (p) => (p.ageYears < 12 ? [15, 60] : p.sex === 'male' ? [62, 106] : [44, 80]), critical: [undefined, 500],
  },
  uree: { loinc: '22664-7', display: 'Urée', unit: 'mmol/L', ucum: 'mmol/L', decimals: 1, range: (p) => (p.ageYears < 12 ? [1.8, 6.4] : [2.5, 7.5]) },
  dfg: {
    loinc: '62238-1', display: 'Débit de filtration glomérulaire estimé (CKD-EPI)', unit: 'mL/min/1,73 m²', ucum: 'mL/min/{1.73_m2}', decimals: 0,
    range: () => [60, undefined],
  },
  crp: { loinc: '1988-5', display: 'Protéine C réactive (CRP)', unit: 'mg/L', ucum: 'mg/L', decimals: 1, range: () => [undefined, 5] },
  tropo: { loinc: '89579-7', display: 'Troponine I ultrasensible', unit: 'ng/L', ucum: 'ng/L', decimals: 0, range: (p) => [undefined, p.sex === 'male' ? 34 : 16] },
  ntprobnp: { loinc: '33762-6', display: 'NT-proBNP', unit: 'pg/mL', ucum: 'pg/mL', decimals: 0, range: (p) => [undefined, p.ageYears >= 75 ? 450 : 125] },
}

export type PanelKey = 'nfs' | 'iono' | 'renal' | 'crp' | 'cardiac'

interface Panel {
  code: CodeableConcept
  analytes: readonly AnalyteKey[]
}

export const PANELS: Record<PanelKey, Panel> = {
  nfs: { code: concept(LOINC, '58410-2', 'Numération formule sanguine (NFS)'), analytes: ['hb', 'ht', 'leuco', 'plaq'] },
  iono: { code: concept(LOINC, '24326-1', 'Ionogramme sanguin'), analytes: ['na', 'k', 'cl', 'hco3', 'glu'] },
  renal: { code: concept(LOINC, '24362-6', 'Bilan rénal'), analytes: ['crea', 'uree', 'dfg'] },
  crp: { code: concept(LOINC, '1988-5', 'Protéine C réactive (CRP)'), analytes: ['crp'] },
  // No LOINC panel groups these two: the report is named by text only.
  cardiac: { code: { text: 'Marqueurs cardiaques' }, analytes: ['tropo', 'ntprobnp'] },
}

const LAB_CATEGORY = concept(OBSERVATION_CATEGORY, 'laboratory', 'Laboratory', 'Biologie')
const LAB_REPORT_CATEGORY = concept(REPORT_CATEGORY, 'LAB', 'Laboratory', 'Biologie')

/** A healthy value for this patient: the middle of the range, with some spread. */
export function normalValue(rng: Rng, key: AnalyteKey, p: Patient4Labs): number {
  const [low, high] = ANALYTES[key].range(p)
  if (key === 'crp') return rng.float(0.5, 4)
  if (key === 'tropo') return rng.float(2, 12)
  if (key === 'ntprobnp') return rng.float(30, 110)
  if (key === 'dfg') return rng.float(75, 110)
  const lo = low ?? 0
  const hi = high ?? lo * 2
  const mid = (lo + hi) / 2
  return mid + rng.normal(0, (hi - lo) / 8)
}

/** CKD-EPI 2009 (the French labs' formula for years), from creatinine in µmol/L. */
export function ckdEpi(creatUmol: number, p: Patient4Labs): number {
  const scr = creatUmol / 88.4
  const female = p.sex === 'female'
  const kappa = female ? 0.7 : 0.9
  const alpha = female ? -0.329 : -0.411
  const ratio = scr / kappa
  return 141 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.209 * 0.993 ** p.ageYears * (female ? 1.018 : 1)
}

export function interpretation(key: AnalyteKey, value: number, p: Patient4Labs): 'LL' | 'L' | 'N' | 'H' | 'HH' {
  const a = ANALYTES[key]
  const [low, high] = a.range(p)
  const [critLow, critHigh] = a.critical ?? [undefined, undefined]
  if (critLow !== undefined && value < critLow) return 'LL'
  if (critHigh !== undefined && value > critHigh) return 'HH'
  if (low !== undefined && value < low) return 'L'
  if (high !== undefined && value > high) return 'H'
  return 'N'
}

const INTERPRETATION_DISPLAY = { LL: 'Critical low', L: 'Low', N: 'Normal', H: 'High', HH: 'Critical high' } as const
const INTERPRETATION_TEXT = { LL: 'Très bas', L: 'Bas', N: 'Normal', H: 'Élevé', HH: 'Très élevé' } as const

export interface LabContext {
  patientId: string
  encounterId?: string
  organizationId: string
}

export function labObservation(id: string, key: AnalyteKey, rawValue: number, at: number, p: Patient4Labs, ctx: LabContext): Observation {
  const a = ANALYTES[key]
  const value = round(Math.max(0, rawValue), a.decimals)
  const [low, high] = a.range(p)
  const flag = interpretation(key, value, p)
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [LAB_CATEGORY],
    code: concept(LOINC, a.loinc, a.display),
    subject: ref('Patient', ctx.patientId),
    ...(ctx.encounterId ? { encounter: ref('Encounter', ctx.encounterId) } : {}),
    effectiveDateTime: dateTime(at),
    issued: dateTime(at + 90 * 60_000),
    performer: [ref('Organization', ctx.organizationId)],
    valueQuantity: ucum(value, a.unit, a.ucum),
    interpretation: [concept(INTERPRETATION_SYSTEM, flag, INTERPRETATION_DISPLAY[flag], INTERPRETATION_TEXT[flag])],
    referenceRange: [
      {
        ...(low === undefined ? {} : { low: ucum(low, a.unit, a.ucum) }),
        ...(high === undefined ? {} : { high: ucum(high, a.unit, a.ucum) }),
      },
    ],
  }
}

/** One panel: its observations and the DiagnosticReport that groups them. */
export function labPanel(
  panel: PanelKey,
  values: Partial<Record<AnalyteKey, number>>,
  at: number,
  p: Patient4Labs,
  ctx: LabContext,
  nextId: (prefix: string) => string,
): { report: DiagnosticReport; observations: Observation[] } {
  const spec = PANELS[panel]
  const observations: Observation[] = []
  for (const key of spec.analytes) {
    const value = values[key]
    if (value === undefined) continue
    observations.push(labObservation(nextId('obs'), key, value, at, p, ctx))
  }
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    id: nextId('dr'),
    status: 'final',
    category: [LAB_REPORT_CATEGORY],
    code: spec.code,
    subject: ref('Patient', ctx.patientId),
    ...(ctx.encounterId ? { encounter: ref('Encounter', ctx.encounterId) } : {}),
    effectiveDateTime: dateTime(at),
    issued: dateTime(at + 90 * 60_000),
    performer: [ref('Organization', ctx.organizationId, 'Laboratoire de biologie médicale')],
    result: observations.map((o) => ref('Observation', o.id ?? '')),
  }
  return { report, observations }
}
