import type { CodeableConcept, Dosage, MedicationRequest, MedicationStatement, Reference } from '@medplum/fhirtypes'
import type { TreatmentLine } from '../contract/letters'

/*
 * Discharge treatments against admission treatments (CSP R1112-1-2, 4°), from FHIR fields only:
 * - before the stay: MedicationStatement (traitement personnel), or MedicationRequest of category community/outpatient;
 * - at discharge: MedicationRequest of category `discharge`; when the stay has none yet, its active orders stand in;
 * - a stop's reason: `statusReason` of the stopped/cancelled request (or statement) of the same substance.
 * Substances are matched by code (ATC, then any code), else by the medication's text.
 */

const CATEGORY = 'http://terminology.hl7.org/CodeSystem/medicationrequest-category'
const ATC = 'http://www.whocc.no/atc'
const ENDED = new Set(['stopped', 'cancelled', 'entered-in-error'])

export interface TreatmentSources {
  encounterId: string | null
  medicationRequests: readonly MedicationRequest[]
  medicationStatements: readonly MedicationStatement[]
}

interface Med {
  key: string
  label: string
  posology: string
  /** Structured posology, compared to tell a modified treatment from a continued one. */
  signature: string
  duration: string | null
  reason: string | null
}

function label(concept: CodeableConcept | undefined, reference: Reference | undefined): string {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? reference?.display ?? 'Médicament non précisé'
}

function substanceKey(concept: CodeableConcept | undefined, reference: Reference | undefined): string {
  const coding = concept?.coding?.find((c) => c.system === ATC && c.code) ?? concept?.coding?.find((c) => c.code)
  if (coding?.code) return `${coding.system ?? ''}|${coding.code}`
  return (concept?.text ?? reference?.reference ?? reference?.display ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim()
}

function conceptText(concept: CodeableConcept | undefined): string | null {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? null
}

const PERIOD: Record<string, string> = { h: 'heure', d: 'jour', wk: 'semaine', mo: 'mois' }

function frenchNumber(value: number): string {
  return String(value).replace('.', ',')
}

function structured(dosage: Dosage | undefined): string {
  if (!dosage) return ''
  const dose = dosage.doseAndRate?.[0]?.doseQuantity
  const repeat = dosage.timing?.repeat
  const parts = [
    dose?.value !== undefined ? `${frenchNumber(dose.value)} ${dose.unit ?? dose.code ?? ''}`.trim() : '',
    repeat?.frequency ? `${repeat.frequency} fois par ${PERIOD[repeat.periodUnit ?? 'd'] ?? repeat.periodUnit}` : '',
    dosage.asNeededBoolean ? 'si besoin' : '',
  ]
  return parts.filter(Boolean).join(', ')
}

function posologyOf(dosages: readonly Dosage[] | undefined): { posology: string; signature: string; duration: string | null } {
  const list = dosages ?? []
  const signature = list.map((d) => `${structured(d)}|${d.route?.coding?.[0]?.code ?? ''}|${(d.timing?.repeat?.when ?? []).join(',')}`).join(';')
  const posology = list.map((d) => d.text ?? structured(d)).filter(Boolean).join(' ; ')
  const bounds = list.find((d) => d.timing?.repeat?.boundsDuration)?.timing?.repeat?.boundsDuration
  const duration = bounds?.value !== undefined ? `${frenchNumber(bounds.value)} ${bounds.unit ?? bounds.code ?? ''}`.trim() : null
  return { posology: posology || 'posologie non précisée', signature: signature || posology, duration }
}

function categories(request: MedicationRequest): string[] {
  return (request.category ?? []).flatMap((c) => (c.coding ?? []).filter((x) => x.system === CATEGORY || !x.system).map((x) => x.code ?? ''))
}

function inEncounter(reference: Reference | undefined, encounterId: string | null): boolean {
  return encounterId === null || reference?.reference === `Encounter/${encounterId}`
}

function fromRequest(request: MedicationRequest): Med {
  const reasons = [...(request.reasonCode ?? []).map(conceptText), ...(request.reasonReference ?? []).map((r) => r.display ?? null), ...(request.note ?? []).map((n) => n.text)]
  return {
    key: substanceKey(request.medicationCodeableConcept, request.medicationReference),
    label: label(request.medicationCodeableConcept, request.medicationReference),
    ...posologyOf(request.dosageInstruction),
    reason: reasons.find((r): r is string => Boolean(r)) ?? null,
  }
}

function fromStatement(statement: MedicationStatement): Med {
  return {
    key: substanceKey(statement.medicationCodeableConcept, statement.medicationReference),
    label: label(statement.medicationCodeableConcept, statement.medicationReference),
    ...posologyOf(statement.dosage),
    reason: null,
  }
}

/** Admission and discharge treatments of a stay, and the reasons recorded when a treatment was stopped. */
export function treatmentSets(sources: TreatmentSources): { admission: Med[]; discharge: Med[]; stopReasons: Map<string, string> } {
  const { encounterId } = sources
  const requests = sources.medicationRequests.filter((r) => r.status !== 'entered-in-error')
  const home = (r: MedicationRequest): boolean => categories(r).some((c) => c === 'community' || c === 'outpatient')
  const admission = [
    // A statement stopped during the stay was still taken at admission: it belongs here (and shows as stopped).
    ...sources.medicationStatements.filter((s) => s.status !== 'entered-in-error' && s.status !== 'not-taken').map(fromStatement),
    ...requests.filter((r) => home(r) && r.intent !== 'proposal').map(fromRequest),
  ]
  const ofStay = requests.filter((r) => inEncounter(r.encounter, encounterId) && !home(r))
  const dischargeOrders = ofStay.filter((r) => categories(r).includes('discharge') && !ENDED.has(r.status ?? ''))
  const stayOrders = ofStay.filter((r) => r.status === 'active' && (r.intent === 'order' || r.intent === 'plan' || r.intent === 'original-order'))
  const discharge = (dischargeOrders.length > 0 ? dischargeOrders : stayOrders).map(fromRequest)
  const stopReasons = new Map<string, string>()
  for (const ended of [...ofStay.filter((r) => ENDED.has(r.status ?? '')).map((r) => [fromRequest(r).key, conceptText(r.statusReason)] as const),
    ...sources.medicationStatements.filter((s) => s.status === 'stopped').map((s) => [fromStatement(s).key, conceptText(s.statusReason?.[0])] as const)]) {
    if (ended[1]) stopReasons.set(ended[0], ended[1])
  }
  return { admission: dedupe(admission), discharge: dedupe(discharge), stopReasons }
}

function dedupe(meds: Med[]): Med[] {
  const seen = new Map<string, Med>()
  for (const med of meds) if (!seen.has(med.key)) seen.set(med.key, med)
  return [...seen.values()]
}

/**
 * The treatment table of the letter: every discharge treatment (new, modified or continued) then every admission
 * treatment absent at discharge (stopped). Reasons are prefilled where the prescriptions recorded one; the doctor
 * completes the others (the required-items check asks for them).
 */
export function treatmentChanges(sources: TreatmentSources): TreatmentLine[] {
  const { admission, discharge, stopReasons } = treatmentSets(sources)
  const before = new Map(admission.map((m) => [m.key, m]))
  const after = new Set(discharge.map((m) => m.key))
  const lines: TreatmentLine[] = discharge.map((med) => {
    const previous = before.get(med.key)
    const change = !previous ? 'nouveau' : previous.signature === med.signature ? 'poursuivi' : 'modifie'
    return {
      medication: med.label,
      change,
      admission: previous?.posology ?? null,
      discharge: med.posology,
      duration: med.duration,
      reason: change === 'poursuivi' ? '' : (med.reason ?? ''),
    }
  })
  for (const med of admission) {
    if (after.has(med.key)) continue
    lines.push({ medication: med.label, change: 'arrete', admission: med.posology, discharge: null, duration: null, reason: stopReasons.get(med.key) ?? '' })
  }
  return lines
}
