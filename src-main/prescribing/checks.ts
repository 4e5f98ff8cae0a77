import type { DemoDrug } from '../formulary/demo'
import type { FormCategory } from '../formulary/forms'
import { fold } from '../store/cache/fold'
import type { PrescriptionAlert } from '../contract/prescribing'

/*
 * The safety checks at prescribing time (docs/prescribing.md). Pure: the caller gathers the drug, the patient's
 * age, weight, allergies and active orders; each check returns alerts with a code (the renderer words it from
 * i18n `prescribing.alerts.<code>`), a severity, whether it blocks, its source and its figures.
 */

export interface OrderToCheck {
  drug: DemoDrug
  /** The chosen pharmaceutical form (one of drug.forms). */
  form: string
  category: FormCategory | null
  dose: { value: number; unit: string }
  /** Intakes per 24 h: fixed ones, or for "si besoin" the maximum per 24 h; null when unknown. */
  intakesPer24h: number | null
}

export interface ActiveOrder {
  id: string
  dc: string | null
  substances: string[]
  label: string
}

export interface PatientForChecks {
  birthDate: string
  weightKg: number | null
  /** Labels of active allergies (substance text as the chart shows it). */
  allergies: string[]
  activeOrders: ActiveOrder[]
}

/** Completed years at `today` (YYYY-MM-DD), by the calendar: the 6th birthday is the first day without the alert. */
export function ageInYears(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number) as [number, number, number]
  const [ty, tm, td] = today.slice(0, 10).split('-').map(Number) as [number, number, number]
  let years = ty - by
  if (tm < bm || (tm === bm && td < bd)) years -= 1
  return years
}

const PAEDIATRIC_AGE = 18
export const GALENIC_AGE_LIMIT = 6

const MASS: Readonly<Record<string, number>> = { g: 1000, mg: 1, µg: 0.001 }

/** `value unit` expressed in `target`, or null when the units do not convert (UI vs mg). */
export function convert(value: number, unit: string, target: string): number | null {
  if (unit === target) return value
  const from = MASS[unit]
  const to = MASS[target]
  return from !== undefined && to !== undefined ? (value * from) / to : null
}

const round = (value: number): number => Math.round(value * 100) / 100

/** Salt, hydrate and ester words that are not the active moiety (the fraction thérapeutique). */
const SALT_WORDS = new Set([
  'trihydratee', 'trihydrate', 'dihydratee', 'monohydratee', 'hemihydratee', 'sesquihydrate', 'heptahydrate',
  'sodique', 'potassique', 'calcique', 'magnesique', 'arginine', 'disodique', 'de', 'd', 'du',
])

/**
 * The names a substance is known by: itself, and its fraction thérapeutique (the BDPM's FT): without the salt in
 * parentheses (`MORPHINE (SULFATE DE)` → morphine) and without salt or hydrate words (`AMOXICILLINE TRIHYDRATÉE`
 * → amoxicilline). Folded.
 */
export function substanceNames(substance: string): string[] {
  const folded = fold(substance)
  const withoutParens = fold(substance.replace(/\([^)]*\)/g, ' '))
  const core = withoutParens
    .split(' ')
    .filter((word) => word !== '' && !SALT_WORDS.has(word))
    .join(' ')
  return [...new Set([folded, withoutParens, core].filter((name) => name.length >= 3))]
}

function singular(word: string): string {
  return word.length > 4 && word.endsWith('s') ? word.slice(0, -1) : word
}

/** Whether an allergy label names one of these substances or their class (`Pénicillines` ↔ `pénicilline A`). */
function allergyMatches(allergy: string, drug: DemoDrug): boolean {
  const label = fold(allergy.replace(/\([^)]*\)/g, ' '))
  const inParens = [...allergy.matchAll(/\(([^)]*)\)/g)].map((m) => fold(m[1] ?? ''))
  const names = [...new Set([...drug.substances.flatMap(substanceNames), ...substanceNames(drug.dc)])]
  const labels = [label, ...inParens].filter((l) => l.length >= 3)
  const words = (text: string): string[] => text.split(' ').map(singular)
  const contains = (haystack: string, needle: string): boolean => ` ${words(haystack).join(' ')} `.includes(` ${words(needle).join(' ')} `)
  if (labels.some((l) => names.some((name) => contains(name, l) || contains(l, name)))) return true
  // A class allergy: every word of the label (singular) among the words of the drug's therapeutic class.
  const therapeutic = fold(drug.therapeuticClass)
  return labels.some((l) => contains(therapeutic, l))
}

function allergyAlerts(order: OrderToCheck, patient: PatientForChecks): PrescriptionAlert[] {
  return patient.allergies
    .filter((allergy) => allergyMatches(allergy, order.drug))
    .map((allergy) => ({
      code: 'allergy',
      severity: 'high',
      blocking: true,
      source: 'allergies',
      params: { allergy, dc: order.drug.dc },
      suggestions: [],
    }))
}

function galenicAlerts(order: OrderToCheck, age: number): PrescriptionAlert[] {
  if (order.category !== 'oral-solid' || age >= GALENIC_AGE_LIMIT) return []
  const liquids = order.drug.forms.filter((form) => form.category === 'oral-liquid')
  return [
    {
      code: 'galenic-child',
      severity: 'high',
      blocking: true,
      source: 'galenic-rule',
      params: { age, limit: GALENIC_AGE_LIMIT, form: order.form, dc: order.drug.dc },
      suggestions: liquids.map((form) => ({ form: form.form, strengths: form.strengths })),
    },
  ]
}

function adultDoseAlerts(order: OrderToCheck): PrescriptionAlert[] {
  const adult = order.drug.dosing.adult
  const unit = adult.maxPerIntake.unit
  const perIntake = convert(order.dose.value, order.dose.unit, unit)
  if (perIntake === null) return [uncheckedDose(order, unit)]
  const out: PrescriptionAlert[] = []
  if (perIntake > adult.maxPerIntake.value) {
    out.push({
      code: 'dose-per-intake',
      severity: 'high',
      blocking: true,
      source: 'formulary',
      params: { dose: round(perIntake), max: adult.maxPerIntake.value, unit },
      suggestions: [],
    })
  }
  if (order.intakesPer24h !== null && perIntake * order.intakesPer24h > adult.maxPer24h.value) {
    out.push({
      code: 'dose-per-day',
      severity: 'high',
      blocking: true,
      source: 'formulary',
      params: { dose: round(perIntake * order.intakesPer24h), max: adult.maxPer24h.value, unit },
      suggestions: [],
    })
  }
  return out
}

function uncheckedDose(order: OrderToCheck, unit: string): PrescriptionAlert {
  return {
    code: 'dose-unit',
    severity: 'moderate',
    blocking: false,
    source: 'formulary',
    params: { given: order.dose.unit, expected: unit },
    suggestions: [],
  }
}

/**
 * A child's dose against the mg/kg ranges (per intake when the formulary gives one, per 24 h always) and the
 * paediatric maximum per 24 h. Below the range warns; above it blocks. Without a weight nothing can be checked,
 * which is itself a blocking alert.
 */
function paediatricAlerts(order: OrderToCheck, patient: PatientForChecks): PrescriptionAlert[] {
  const paediatric = order.drug.dosing.paediatric
  if (!paediatric) return []
  if (patient.weightKg === null) {
    return [{ code: 'weight-missing', severity: 'high', blocking: true, source: 'patient-record', params: { dc: order.drug.dc }, suggestions: [] }]
  }
  const unit = paediatric.unit
  const perIntake = convert(order.dose.value, order.dose.unit, unit)
  if (perIntake === null) return [uncheckedDose(order, unit)]
  const weight = patient.weightKg
  const out: PrescriptionAlert[] = []
  const compare = (code: 'mgkg-intake' | 'mgkg-day', perKg: number, range: { min: number; max: number }): void => {
    const params = { perKg: round(perKg), min: range.min, max: range.max, unit, weight }
    if (perKg > range.max) out.push({ code: `${code}-high`, severity: 'high', blocking: true, source: 'formulary', params, suggestions: [] })
    else if (perKg < range.min) out.push({ code: `${code}-low`, severity: 'moderate', blocking: false, source: 'formulary', params, suggestions: [] })
  }
  if (paediatric.perKgPerIntake) compare('mgkg-intake', perIntake / weight, paediatric.perKgPerIntake)
  if (order.intakesPer24h !== null) {
    const daily = perIntake * order.intakesPer24h
    compare('mgkg-day', daily / weight, paediatric.perKgPer24h)
    const max = paediatric.maxPer24h ? convert(paediatric.maxPer24h.value, paediatric.maxPer24h.unit, unit) : null
    if (max !== null && daily > max) {
      out.push({ code: 'dose-per-day', severity: 'high', blocking: true, source: 'formulary', params: { dose: round(daily), max, unit }, suggestions: [] })
    }
  }
  return out
}

/** Another active order with a substance in common (by substance, so two brands of one DC are a duplicate too). */
function duplicateAlerts(order: OrderToCheck, patient: PatientForChecks, replacing: string | null): PrescriptionAlert[] {
  const mine = new Set([...order.drug.substances.flatMap(substanceNames), ...substanceNames(order.drug.dc)])
  return patient.activeOrders
    .filter((other) => other.id !== replacing)
    .filter((other) => [...other.substances.flatMap(substanceNames), ...(other.dc ? substanceNames(other.dc) : [])].some((n) => mine.has(n)))
    .map((other) => ({
      code: 'duplicate',
      severity: 'moderate',
      blocking: false,
      source: 'active-orders',
      params: { other: other.label, dc: order.drug.dc },
      suggestions: [],
    }))
}

/**
 * Every alert for one order. `today` is the prescribing date (YYYY-MM-DD); `replacing` the order a modification
 * replaces (not a duplicate of itself).
 */
export function checkOrder(order: OrderToCheck, patient: PatientForChecks, today: string, replacing: string | null = null): PrescriptionAlert[] {
  const age = ageInYears(patient.birthDate, today)
  const child = age < PAEDIATRIC_AGE && order.drug.dosing.paediatric !== undefined
  return [
    ...allergyAlerts(order, patient),
    ...galenicAlerts(order, age),
    ...(child ? paediatricAlerts(order, patient) : adultDoseAlerts(order)),
    ...duplicateAlerts(order, patient, replacing),
  ]
}
