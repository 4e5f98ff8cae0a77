import type { MedicationRequest, Patient } from '@medplum/fhirtypes'
import type { PaediatricFormReport } from '../contract/prescribing'
import { ageInYears, GALENIC_AGE_LIMIT } from './checks'
import { dcOf, formCategoryOf, formOf } from './fhir'

/*
 * « Quel % d'enfants de moins de 6 ans a reçu une forme galénique solide ? » over the orders authored in a period
 * (docs/prescribing.md): age on the day of the order; a child counts once; an order whose form is missing or fits
 * no rule of docs/formulary.md is missing data, listed, and neither solid nor liquid.
 */
export function paediatricFormReport(
  orders: Iterable<MedicationRequest>,
  patientOf: (id: string) => Patient | undefined,
  period: { from: string; to: string },
  now = new Date(),
): PaediatricFormReport {
  const children = new Set<string>()
  const withSolid = new Set<string>()
  const dcs = new Map<string, { dc: string; lines: number; oralSolidLines: number }>()
  const unclassified: PaediatricFormReport['unclassified'] = []
  let lines = 0
  let oralSolidLines = 0
  for (const order of orders) {
    if (order.status === 'entered-in-error' || !order.authoredOn) continue
    const day = order.authoredOn.slice(0, 10)
    if (day < period.from || day > period.to) continue
    const patientId = order.subject?.reference?.replace(/^Patient\//, '')
    const birthDate = patientId ? patientOf(patientId)?.birthDate : undefined
    if (!patientId || !birthDate || ageInYears(birthDate, day) >= GALENIC_AGE_LIMIT) continue
    lines += 1
    children.add(patientId)
    const category = formCategoryOf(order)
    const dc = dcOf(order) ?? order.medicationCodeableConcept?.text ?? '?'
    const entry = dcs.get(dc) ?? { dc, lines: 0, oralSolidLines: 0 }
    entry.lines += 1
    if (category === 'oral-solid') {
      oralSolidLines += 1
      entry.oralSolidLines += 1
      withSolid.add(patientId)
    }
    if (category === null) {
      unclassified.push({ orderId: order.id ?? '', label: order.medicationCodeableConcept?.text ?? dc, form: formOf(order)?.form ?? null })
    }
    dcs.set(dc, entry)
  }
  return {
    from: period.from,
    to: period.to,
    children: children.size,
    childrenWithOralSolid: withSolid.size,
    percent: children.size === 0 ? null : Math.round((withSolid.size / children.size) * 1000) / 10,
    lines,
    oralSolidLines,
    unclassifiedLines: unclassified.length,
    dcs: [...dcs.values()].sort((a, b) => b.oralSolidLines - a.oralSolidLines || b.lines - a.lines || a.dc.localeCompare(b.dc, 'fr')),
    unclassified,
    computedAt: now.toISOString(),
  }
}
