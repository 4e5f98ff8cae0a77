import type { PatientSummary } from '../src-main/contract'

/**
 * Pure formatting of clinical values for display. Each function takes the locale (and `t` where words are
 * needed) so that views stay declarative and these rules stay testable without a DOM.
 */

type Translate = (key: string, named?: Record<string, unknown> | number, plural?: number) => string

const DAY_MS = 86_400_000

/** A date-only FHIR value (YYYY, YYYY-MM or YYYY-MM-DD) as a local calendar date, or null. */
export function parseDateOnly(value: string | null): { year: number; month: number; day: number } | null {
  if (!value) return null
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value)
  if (!match) return null
  return { year: Number(match[1]), month: Number(match[2] ?? '1'), day: Number(match[3] ?? '1') }
}

export interface Age {
  unit: 'years' | 'months' | 'days'
  value: number
}

/** Age in whole years; in months under 2 years and in days under a month, as paediatric units count. */
export function ageAt(birthDate: string | null, now: Date): Age | null {
  const birth = parseDateOnly(birthDate)
  if (!birth) return null
  let months = (now.getFullYear() - birth.year) * 12 + (now.getMonth() + 1 - birth.month)
  if (now.getDate() < birth.day) months -= 1
  if (months < 0) return null
  if (months >= 24) return { unit: 'years', value: Math.floor(months / 12) }
  if (months >= 1) return { unit: 'months', value: months }
  const born = new Date(birth.year, birth.month - 1, birth.day)
  return { unit: 'days', value: Math.max(0, Math.floor((now.getTime() - born.getTime()) / DAY_MS)) }
}

export function formatAge(age: Age | null, t: Translate): string {
  if (!age) return t('common.unknown')
  return t(`age.${age.unit}`, { n: age.value }, age.value)
}

/** A date-only value in the locale's short form (12/04/1980), without going through UTC (no day shift). */
export function formatDateOnly(value: string | null, locale: string): string {
  const date = parseDateOnly(value)
  if (!date) return value ?? ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short' }).format(new Date(date.year, date.month - 1, date.day))
}

export function formatDateTime(iso: string | null, locale: string, style: 'short' | 'long' = 'short'): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return new Intl.DateTimeFormat(locale, { dateStyle: style === 'long' ? 'long' : 'short', timeStyle: 'short' }).format(date)
}

/** "il y a 3 h", "il y a 5 min", "à l'instant": how old a value is, in the unit a nurse would say. */
export function formatAgo(iso: string | null, now: Date, locale: string, t: Translate): string {
  if (!iso) return ''
  const then = new Date(iso).getTime()
  if (Number.isNaN(then)) return ''
  const minutes = Math.round((now.getTime() - then) / 60_000)
  if (minutes < 1) return t('time.justNow')
  const relative = new Intl.RelativeTimeFormat(locale, { style: 'short', numeric: 'always' })
  if (minutes < 60) return relative.format(-minutes, 'minute')
  const hours = Math.round(minutes / 60)
  if (hours < 48) return relative.format(-hours, 'hour')
  return relative.format(-Math.round(hours / 24), 'day')
}

/** Whole days since admission (day of admission = 0), for the length of stay. */
export function daysSince(iso: string | null, now: Date): number | null {
  if (!iso) return null
  const then = new Date(iso)
  if (Number.isNaN(then.getTime())) return null
  const start = new Date(then.getFullYear(), then.getMonth(), then.getDate())
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate())
  return Math.max(0, Math.round((today.getTime() - start.getTime()) / DAY_MS))
}

export function formatNumber(value: number | null, locale: string, maximumFractionDigits = 1): string {
  if (value === null) return ''
  return new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value)
}

/** UCUM codes as a clinician reads them. */
const UNIT_DISPLAY: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  Cel: '°C',
  '/min': '/min',
  '%': '%',
  // French laboratories write 10⁹/L as G/L (giga) and 10¹²/L as T/L.
  '10*9/L': 'G/L',
  '10*12/L': 'T/L',
  'umol/L': 'µmol/L',
  'ug/L': 'µg/L',
  'U/L': 'UI/L',
}

export function displayUnit(unit: string | null): string {
  if (!unit) return ''
  return UNIT_DISPLAY[unit] ?? unit
}

/** The name the ward uses: FAMILY Given. */
export function patientName(patient: Pick<PatientSummary, 'familyName' | 'givenName'>): string {
  return `${patient.familyName.toLocaleUpperCase('fr')} ${patient.givenName}`.trim()
}

/** "née MARTIN" / "né MARTIN", or '' when the birth name is the usage name. */
export function birthNameText(patient: Pick<PatientSummary, 'birthName' | 'familyName' | 'sex'>, t: Translate): string {
  const birthName = patient.birthName?.trim()
  if (!birthName || birthName.toLocaleUpperCase('fr') === patient.familyName.toLocaleUpperCase('fr')) return ''
  const key = patient.sex === 'female' ? 'patient.bornFemale' : patient.sex === 'male' ? 'patient.bornMale' : 'patient.bornOther'
  return t(key, { name: birthName.toLocaleUpperCase('fr') })
}

/** A 15-digit INS (NIR) grouped as on the carte Vitale: 2 80 04 75 123 456 78. */
export function formatIns(ins: string): string {
  const digits = ins.replace(/\s+/g, '')
  const match = /^([12378])(\d{2})(\d{2})(\d[\dAB])(\d{3})(\d{3})(\d{2})$/.exec(digits)
  return match ? match.slice(1).join(' ') : ins
}

/** Where the patient lies: unit, room, bed, as far as known. */
export function locationText(patient: Pick<PatientSummary, 'unit' | 'room' | 'bed'>, t: Translate): string {
  const parts: string[] = []
  if (patient.unit) parts.push(patient.unit.name)
  if (patient.room) parts.push(t('patient.room', { room: patient.room }))
  if (patient.bed) parts.push(t('patient.bed', { bed: patient.bed }))
  return parts.join(' · ')
}

/** What the census sorts beds by, field after field, with a numeric collation ("2" before "10"). */
export function bedFields(patient: Pick<PatientSummary, 'unit' | 'room' | 'bed'>): string[] {
  return [patient.unit?.name ?? '', patient.room ?? '', patient.bed ?? '']
}
