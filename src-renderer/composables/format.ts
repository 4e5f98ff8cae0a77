import { useI18n } from 'vue-i18n'
import type { PatientSummary } from '../../src-main/contract'
import {
  ageAt,
  birthNameText,
  daysSince,
  displayUnit,
  formatAge,
  formatAgo,
  formatDateOnly,
  formatDateTime,
  formatNumber,
  locationText,
  patientName,
} from '../format'

/** The formatting helpers of format.ts, bound to the current locale and messages. */
export function useFormat() {
  const { t: translate, locale } = useI18n()
  // One plain signature for format.ts, whatever overloads vue-i18n's `t` has.
  const t = (key: string, named?: Record<string, unknown> | number, plural?: number): string => {
    if (typeof named === 'number') return translate(key, named)
    if (plural !== undefined) return translate(key, named ?? {}, plural)
    return translate(key, named ?? {})
  }
  return {
    t,
    // A sensitive patient in a list (issue 6): masked by main, named only inside the chart.
    name: (patient: Pick<PatientSummary, 'familyName' | 'givenName' | 'masked'>) => (patient.masked ? t('btg.confidential') : patientName(patient)),
    birthName: (patient: Pick<PatientSummary, 'birthName' | 'familyName' | 'sex'>) => birthNameText(patient, t),
    age: (birthDate: string | null, now: Date) => formatAge(ageAt(birthDate, now), t),
    date: (value: string | null) => formatDateOnly(value, locale.value),
    dateTime: (iso: string | null, style: 'short' | 'long' = 'short') => formatDateTime(iso, locale.value, style),
    ago: (iso: string | null, now: Date) => formatAgo(iso, now, locale.value, t),
    stayDays: (iso: string | null, now: Date) => daysSince(iso, now),
    number: (value: number | null, digits = 1) => formatNumber(value, locale.value, digits),
    unit: (unit: string | null) => displayUnit(unit),
    location: (patient: Pick<PatientSummary, 'unit' | 'room' | 'bed'>) => locationText(patient, t),
  }
}
