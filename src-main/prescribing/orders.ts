import type { Composition, Dosage, Extension, MedicationRequest, Timing } from '@medplum/fhirtypes'
import type { Frequency, Order, OrderInput, PharmacyStatus } from '../contract/prescribing'
import type { DemoDrug } from '../formulary/demo'
import { classifyForm } from '../formulary/forms'
import { UCUM, WRITE_IDENTIFIER_SYSTEM } from '../store/cache/fhir'
import { narrativeText } from '../store/cache/notes'
import {
  dcOf,
  DC_SYSTEM,
  DECISION_EXTENSION,
  formExtension,
  formOf,
  OVERRIDE_EXTENSION,
  PHARMACY_REVIEW_CODE,
  PHARMACY_REVIEW_SYSTEM,
  SENIOR_EXTENSION,
  STOP_EXTENSION,
  SUBSTANCE_EXTENSION,
} from './fhir'

const UCUM_CODES: Readonly<Record<string, string>> = { mg: 'mg', g: 'g', µg: 'ug', UI: '[iU]', mmol: 'mmol', mL: 'mL' }
const DAY_MS = 86_400_000

export interface Prescriber {
  practitionerId: string
  displayName: string
}

export interface Override {
  justification: string
  alerts: string[]
}

/** Intakes per 24 h of a frequency (fixed times a day, or one every N hours); for "si besoin", its maximum. */
export function intakesPer24h(input: Pick<OrderInput, 'frequency' | 'asNeeded' | 'maxIntakesPer24h'>): number {
  if (input.asNeeded && input.maxIntakesPer24h !== undefined) return input.maxIntakesPer24h
  return input.frequency.kind === 'perDay' ? input.frequency.times : Math.floor(24 / input.frequency.hours) || 1
}

function timing(input: OrderInput, start: string): Timing {
  const end = input.durationDays ? new Date(Date.parse(start) + input.durationDays * DAY_MS).toISOString() : undefined
  const repeat =
    input.frequency.kind === 'perDay'
      ? { frequency: input.frequency.times, period: 1, periodUnit: 'd' as const }
      : { frequency: 1, period: input.frequency.hours, periodUnit: 'h' as const }
  return { repeat: { ...repeat, boundsPeriod: { start, ...(end ? { end } : {}) } } }
}

/** The MedicationRequest of an order (without id): DC coding, form extension, structured dosage. */
export function buildOrder(
  input: OrderInput,
  drug: DemoDrug,
  context: {
    key: string
    encounterId: string | null
    authoredOn: string
    prescriber: Prescriber
    override: Override | null
    replaces: string | null
    seniorRequired: boolean
  },
): MedicationRequest {
  const start = input.start ? new Date(input.start).toISOString() : context.authoredOn
  const quantity = { value: input.dose.value, unit: input.dose.unit, system: UCUM, code: UCUM_CODES[input.dose.unit] ?? input.dose.unit }
  const dosage: Dosage = {
    sequence: 1,
    timing: timing(input, start),
    ...(input.asNeeded ? { asNeededBoolean: true } : {}),
    route: { text: input.route },
    doseAndRate: [{ doseQuantity: quantity }],
    ...(input.asNeeded && input.maxIntakesPer24h
      ? {
          maxDosePerPeriod: {
            numerator: { ...quantity, value: input.dose.value * input.maxIntakesPer24h },
            denominator: { value: 24, unit: 'h', system: UCUM, code: 'h' },
          },
        }
      : {}),
  }
  const extension: Extension[] = [
    formExtension({ form: input.form, routes: [input.route] }),
    ...drug.substances.map((substance) => ({ url: SUBSTANCE_EXTENSION, valueString: substance })),
  ]
  if (context.override) {
    extension.push({
      url: OVERRIDE_EXTENSION,
      extension: [
        { url: 'justification', valueString: context.override.justification },
        ...context.override.alerts.map((code) => ({ url: 'alert', valueCode: code })),
      ],
    })
  }
  if (context.seniorRequired) extension.push({ url: SENIOR_EXTENSION, extension: [{ url: 'state', valueCode: 'required' }] })
  return {
    resourceType: 'MedicationRequest',
    identifier: [{ system: WRITE_IDENTIFIER_SYSTEM, value: `${context.key}-order` }],
    extension,
    status: context.seniorRequired ? 'draft' : 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: DC_SYSTEM, code: drug.dc, display: drug.dc }],
      text: `${drug.dc} ${input.strength} ${input.form}`,
    },
    subject: { reference: `Patient/${input.patientId}` },
    ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
    authoredOn: context.authoredOn,
    requester: { reference: `Practitioner/${context.prescriber.practitionerId}`, display: context.prescriber.displayName },
    ...(context.replaces ? { priorPrescription: { reference: `MedicationRequest/${context.replaces}` } } : {}),
    ...(input.comment ? { note: [{ text: input.comment }] } : {}),
    dosageInstruction: [dosage],
  }
}

/** The order stopped: status, reason (statusReason and our extension with who and when). */
export function stoppedOrder(order: MedicationRequest & { id: string }, reason: string, by: Prescriber, at: string): MedicationRequest & { id: string } {
  const extension = (order.extension ?? []).filter((e) => e.url !== STOP_EXTENSION)
  extension.push({
    url: STOP_EXTENSION,
    extension: [
      { url: 'reason', valueString: reason },
      { url: 'at', valueDateTime: at },
      { url: 'by', valueReference: { reference: `Practitioner/${by.practitionerId}`, display: by.displayName } },
    ],
  })
  return { ...order, status: 'stopped', statusReason: { text: reason }, extension }
}

export function countersignedOrder(order: MedicationRequest & { id: string }, by: Prescriber, at: string): MedicationRequest & { id: string } {
  const extension = (order.extension ?? []).filter((e) => e.url !== SENIOR_EXTENSION)
  extension.push({
    url: SENIOR_EXTENSION,
    extension: [
      { url: 'state', valueCode: 'done' },
      { url: 'at', valueDateTime: at },
      { url: 'by', valueReference: { reference: `Practitioner/${by.practitionerId}`, display: by.displayName } },
    ],
  })
  return { ...order, status: 'active', extension }
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** The pharmacist's analysis of one order: a Composition (an "avis pharmaceutique", a note) pointing at it. */
export function pharmacyReview(
  params: { patientId: string; orderId: string; decision: 'validee' | 'refusee'; comment?: string | undefined },
  context: { key: string; writtenAt: string; pharmacist: Prescriber; encounterId: string | null },
): Composition {
  const comment = params.comment ?? ''
  return {
    resourceType: 'Composition',
    identifier: { system: WRITE_IDENTIFIER_SYSTEM, value: `${context.key}-review` },
    extension: [{ url: DECISION_EXTENSION, valueCode: params.decision }],
    status: 'final',
    type: { coding: [{ system: PHARMACY_REVIEW_SYSTEM, code: PHARMACY_REVIEW_CODE, display: 'Analyse pharmaceutique' }], text: 'Analyse pharmaceutique' },
    subject: { reference: `Patient/${params.patientId}` },
    ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
    date: context.writtenAt,
    author: [{ reference: `Practitioner/${context.pharmacist.practitionerId}`, display: context.pharmacist.displayName }],
    title: 'Analyse pharmaceutique',
    section: [
      {
        title: 'Avis',
        ...(comment ? { text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeXml(comment)}</div>` } } : {}),
        entry: [{ reference: `MedicationRequest/${params.orderId}` }],
      },
    ],
  }
}

export function isPharmacyReview(composition: Composition): boolean {
  return (composition.type?.coding ?? []).some((c) => c.system === PHARMACY_REVIEW_SYSTEM && c.code === PHARMACY_REVIEW_CODE)
}

export interface ReviewState {
  status: PharmacyStatus
  comment: string | null
  by: string | null
  at: string | null
}

/** The latest review of each order, from the patient's pharmacy-review Compositions. */
export function reviewsByOrder(compositions: Composition[]): Map<string, ReviewState> {
  const out = new Map<string, ReviewState>()
  const sorted = compositions.filter(isPharmacyReview).sort((a, b) => (a.date ?? '').localeCompare(b.date ?? ''))
  for (const c of sorted) {
    const decision = c.extension?.find((e) => e.url === DECISION_EXTENSION)?.valueCode
    if (decision !== 'validee' && decision !== 'refusee') continue
    for (const section of c.section ?? []) {
      for (const entry of section.entry ?? []) {
        const id = entry.reference?.replace(/^MedicationRequest\//, '')
        if (!id || id === entry.reference) continue
        const text = narrativeText(section.text?.div)
        out.set(id, { status: decision, comment: text || null, by: c.author?.[0]?.display ?? null, at: c.date ?? null })
      }
    }
  }
  return out
}

function sub(extension: Extension | undefined, url: string): Extension | undefined {
  return extension?.extension?.find((e) => e.url === url)
}

function frequencyOf(dosage: Dosage | undefined): Frequency | null {
  const repeat = dosage?.timing?.repeat
  if (!repeat?.frequency) return null
  const period = repeat.period ?? 1
  if (repeat.periodUnit === 'd' && period === 1) return { kind: 'perDay', times: repeat.frequency }
  if (repeat.periodUnit === 'h') return { kind: 'every', hours: period / repeat.frequency }
  if (repeat.periodUnit === 'd') return { kind: 'every', hours: (period * 24) / repeat.frequency }
  return null
}

/** The contract's view of an order, ours or the hospital's (whatever it carries). */
export function toOrder(request: MedicationRequest & { id: string }, pending: boolean, review: ReviewState | undefined): Order {
  const dosage = request.dosageInstruction?.[0]
  const quantity = dosage?.doseAndRate?.[0]?.doseQuantity
  const form = formOf(request)
  const override = request.extension?.find((e) => e.url === OVERRIDE_EXTENSION)
  const senior = request.extension?.find((e) => e.url === SENIOR_EXTENSION)
  const stop = request.extension?.find((e) => e.url === STOP_EXTENSION)
  const bounds = dosage?.timing?.repeat?.boundsPeriod
  const seniorState = sub(senior, 'state')?.valueCode
  const max = dosage?.maxDosePerPeriod?.numerator?.value
  const start = bounds?.start ?? null
  const end = bounds?.end ?? null
  return {
    id: request.id,
    pending,
    status: request.status,
    label: request.medicationCodeableConcept?.text ?? dcOf(request) ?? '',
    dc: dcOf(request),
    form: form?.form ?? null,
    formCategory: form ? classifyForm(form.form, form.routes).category : null,
    dose: quantity?.value !== undefined ? { value: quantity.value, unit: quantity.unit ?? '' } : null,
    route: form?.routes[0] ?? dosage?.route?.text ?? dosage?.route?.coding?.[0]?.display ?? null,
    frequency: frequencyOf(dosage),
    asNeeded: dosage?.asNeededBoolean === true,
    maxIntakesPer24h: max !== undefined && quantity?.value ? Math.round(max / quantity.value) : null,
    durationDays: start && end ? Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS) : null,
    start,
    end,
    instructions: dosage?.text ?? null,
    comment: request.note?.[0]?.text ?? null,
    authoredOn: request.authoredOn ?? null,
    prescriberName: request.requester?.display ?? null,
    replaces: request.priorPrescription?.reference?.replace(/^MedicationRequest\//, '') ?? null,
    stopReason: sub(stop, 'reason')?.valueString ?? request.statusReason?.text ?? null,
    override: override
      ? {
          justification: sub(override, 'justification')?.valueString ?? '',
          alerts: (override.extension ?? []).filter((e) => e.url === 'alert').map((e) => e.valueCode ?? ''),
        }
      : null,
    seniorValidation: seniorState === 'required' || seniorState === 'done' ? seniorState : null,
    pharmacy: review ?? { status: 'a-valider', comment: null, by: null, at: null },
  }
}
