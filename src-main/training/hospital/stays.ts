import type {
  AllergyIntolerance,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  MedicationRequest,
  Observation,
} from '@medplum/fhirtypes'
import type { DiagnosisSpec, ComorbiditySpec } from './diagnoses'
import { clamp, concept, date, dateTime, DAY, HOUR, ref } from './fhir'
import { imagingReport } from './imaging'
import { ckdEpi, labPanel, normalValue, type AnalyteKey, type PanelKey, type Patient4Labs } from './labs'
import { medicationRequest, MEDICATIONS, type MedKey } from './medications'
import type { Rng } from './random'
import { ORGANIZATION_ID, type Bed } from './structure'
import { ACT_CODE_SYSTEM, CIM10_SYSTEM, LOINC, NDA_SYSTEM } from './systems'
import type { UnitCode } from './types'
import {
  roundedSet,
  setObservations,
  vitalObservation,
  vitalSet,
  type VitalBaseline,
  type VitalSet,
} from './vitals'

/** Names resource ids of one patient: `${prefix}-${patient number}-${n}`. */
export class IdAllocator {
  private readonly counters = new Map<string, number>()

  constructor(private readonly patientNumber: string) {}

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1
    this.counters.set(prefix, n)
    return `${prefix}-${this.patientNumber}-${n}`
  }
}

/** What one patient's stays add to the hospital, by resource type. */
export interface ClinicalBuckets {
  encounters: Encounter[]
  conditions: Condition[]
  allergies: AllergyIntolerance[]
  observations: Observation[]
  reports: DiagnosticReport[]
  medications: MedicationRequest[]
  documents: DocumentReference[]
}

export function emptyBuckets(): ClinicalBuckets {
  return { encounters: [], conditions: [], allergies: [], observations: [], reports: [], medications: [], documents: [] }
}

export interface StayPatient extends Patient4Labs {
  id: string
  displayName: string
  birthDate: string
  baseline: VitalBaseline
  comorbidities: readonly ComorbiditySpec[]
  gp?: { name: string; mssante: string }
}

export interface StayInput {
  rng: Rng
  ids: IdAllocator
  patient: StayPatient
  unitCode: UnitCode
  unitName: string
  bed: Bed
  diagnosis: DiagnosisSpec
  start: number
  /** Absent for a stay in progress. */
  end?: number
  now: number
  doctorId: string
  nurseId: string
  /** Full chart (current inpatient) or the summary a past stay leaves. */
  detail: 'full' | 'summary'
  deteriorating: boolean
  letter: boolean
}

export interface StayResult {
  encounterId: string
  lastVitals?: VitalSet
}

function encounter(input: StayInput, id: string, conditionId: string): Encounter {
  const inProgress = input.end === undefined
  const locationStatus = inProgress ? 'active' : 'completed'
  const period = { start: dateTime(input.start), ...(inProgress ? {} : { end: dateTime(input.end ?? input.now) }) }
  return {
    resourceType: 'Encounter',
    id,
    identifier: [{ type: concept('http://terminology.hl7.org/CodeSystem/v2-0203', 'VN', 'Visit number', 'NDA'), system: NDA_SYSTEM, value: id.replace(/^enc-/, 'S') }],
    status: inProgress ? 'in-progress' : 'finished',
    class: { system: ACT_CODE_SYSTEM, code: 'IMP', display: 'inpatient encounter' },
    type: [{ text: 'Hospitalisation complète' }],
    subject: ref('Patient', input.patient.id),
    participant: [
      {
        type: [concept('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'ATND', 'attender', 'Médecin responsable')],
        individual: ref('Practitioner', input.doctorId),
      },
    ],
    period,
    diagnosis: [{ condition: ref('Condition', conditionId), use: concept('http://terminology.hl7.org/CodeSystem/diagnosis-role', 'AD', 'Admission diagnosis', 'Motif d’hospitalisation'), rank: 1 }],
    ...(inProgress
      ? {}
      : { hospitalization: { dischargeDisposition: concept('http://terminology.hl7.org/CodeSystem/discharge-disposition', 'home', 'Home', 'Retour à domicile') } }),
    location: [
      { location: ref('Location', input.bed.unit.id, input.unitName), status: locationStatus, physicalType: concept('http://terminology.hl7.org/CodeSystem/location-physical-type', 'wa', 'Ward', 'Unité'), period },
      { location: ref('Location', input.bed.bedId, `Lit ${input.bed.label}`), status: locationStatus, physicalType: concept('http://terminology.hl7.org/CodeSystem/location-physical-type', 'bd', 'Bed', 'Lit'), period },
    ],
    serviceProvider: ref('Organization', ORGANIZATION_ID),
  }
}

export function conditionResource(
  id: string,
  code: string,
  label: string,
  patientId: string,
  opts: { encounterId?: string; category: 'encounter-diagnosis' | 'problem-list-item'; active: boolean; onset: number; recorded: number; recorderId: string },
): Condition {
  return {
    resourceType: 'Condition',
    id,
    clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', opts.active ? 'active' : 'resolved', opts.active ? 'Active' : 'Resolved', opts.active ? 'Active' : 'Résolue'),
    verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed', 'Confirmé'),
    category: [
      concept(
        'http://terminology.hl7.org/CodeSystem/condition-category',
        opts.category,
        opts.category === 'encounter-diagnosis' ? 'Encounter Diagnosis' : 'Problem List Item',
        opts.category === 'encounter-diagnosis' ? 'Diagnostic du séjour' : 'Antécédent',
      ),
    ],
    code: concept(CIM10_SYSTEM, code, label),
    subject: ref('Patient', patientId),
    ...(opts.encounterId ? { encounter: ref('Encounter', opts.encounterId) } : {}),
    onsetDateTime: dateTime(opts.onset),
    recordedDate: dateTime(opts.recorded),
    recorder: ref('Practitioner', opts.recorderId),
  }
}

/** Chronic lab signature of the patient's comorbidities (kept throughout). */
function chronicLabs(patient: StayPatient): Partial<Record<AnalyteKey, number>> {
  const out: Partial<Record<AnalyteKey, number>> = {}
  for (const c of patient.comorbidities) Object.assign(out, c.labs ?? {})
  return out
}

/** Lab values of the k-th panel set of a stay: admission abnormalities fade, chronic ones stay. */
function labValues(input: StayInput, k: number, at: number): Partial<Record<AnalyteKey, number>> {
  const { rng, patient, diagnosis } = input
  const fade = Math.max(0, 1 - k * 0.35)
  const chronic = chronicLabs(patient)
  const values: Partial<Record<AnalyteKey, number>> = {}
  const keys: AnalyteKey[] = ['hb', 'leuco', 'plaq', 'na', 'k', 'cl', 'hco3', 'glu', 'crea', 'uree', 'crp', 'tropo', 'ntprobnp']
  for (const key of keys) {
    const normal = normalValue(rng, key, patient)
    const acute = diagnosis.labs?.[key]
    const base = chronic[key] === undefined ? normal : chronic[key] * rng.float(0.92, 1.08)
    values[key] = acute === undefined ? base : base + (acute * rng.float(0.9, 1.1) - base) * fade
  }
  // A patient who is getting worse shows it in the last day's results too.
  if (input.deteriorating && at > input.now - 30 * HOUR) {
    values.crp = rng.float(170, 260)
    values.leuco = rng.float(17, 24)
    values.crea = (values.crea ?? 90) * 1.6
  }
  values.ht = (values.hb ?? 13) * 3 + rng.normal(0, 1)
  if (patient.ageYears >= 18) values.dfg = Math.min(120, ckdEpi(values.crea ?? 80, patient))
  return values
}

function panelsFor(input: StayInput, k: number): PanelKey[] {
  const panels: PanelKey[] = ['nfs', 'iono', 'renal']
  if (input.diagnosis.labs?.crp !== undefined || input.deteriorating || input.rng.chance(0.4)) panels.push('crp')
  if (k === 0 && input.unitCode === 'CARDIO') panels.push('cardiac')
  return panels
}

function addLabSet(input: StayInput, out: ClinicalBuckets, encounterId: string, at: number, k: number): void {
  const values = labValues(input, k, at)
  const ctx = { patientId: input.patient.id, encounterId, organizationId: ORGANIZATION_ID }
  for (const panel of panelsFor(input, k)) {
    const { report, observations } = labPanel(panel, values, at, input.patient, ctx, (p) => input.ids.next(p))
    out.observations.push(...observations)
    out.reports.push(report)
  }
}

function fullVitals(input: StayInput, out: ClinicalBuckets, encounterId: string): VitalSet | undefined {
  const { rng, patient, now } = input
  const ctx = { patientId: patient.id, encounterId, performerId: input.nurseId }
  const nextId = (): string => input.ids.next('obs')
  const severityAt = (t: number): number => (input.deteriorating ? clamp(1 - (now - t) / (20 * HOUR), 0, 1) : 0)
  let last: VitalSet | undefined
  let t = input.start + rng.float(0.3, 1) * HOUR
  out.observations.push(vitalObservation(nextId(), 'height', patient.baseline.height, t, ctx))
  // Heart failure patients are weighed every morning; everyone else at admission.
  const daily = input.unitCode === 'CARDIO'
  for (let w = t, day = 0; w < now && (day === 0 || daily); w += DAY, day++) {
    out.observations.push(vitalObservation(nextId(), 'weight', patient.baseline.weight - (input.diagnosis.code === 'I50.9' ? 0.35 * day : 0) + rng.normal(0, 0.2), w, ctx))
  }
  while (t < now - 10 * 60_000) {
    const set = roundedSet(vitalSet(rng, patient.baseline, severityAt(t)))
    out.observations.push(...setObservations(set, t, ctx, nextId))
    last = set
    const next = t + rng.float(4, 8) * HOUR
    // The last round lands within the hour before `now`, so a deteriorating patient shows it.
    t = next >= now && input.deteriorating && t < now - HOUR ? now - rng.float(0.2, 0.8) * HOUR : next
  }
  return last
}

function summaryVitals(input: StayInput, out: ClinicalBuckets, encounterId: string): void {
  const ctx = { patientId: input.patient.id, encounterId, performerId: input.nurseId }
  const at = input.start + input.rng.float(0.3, 1) * HOUR
  const nextId = (): string => input.ids.next('obs')
  out.observations.push(vitalObservation(nextId(), 'weight', input.patient.baseline.weight, at, ctx))
  out.observations.push(...setObservations(roundedSet(vitalSet(input.rng, input.patient.baseline)), at, ctx, nextId))
}

function stayMedications(input: StayInput): MedKey[] {
  const child = input.patient.ageYears < 18
  const keys = new Set<MedKey>(input.diagnosis.meds)
  for (const c of input.patient.comorbidities) for (const m of c.meds) keys.add(m)
  keys.add(child ? 'paracetamol-ped' : 'paracetamol')
  const anticoagulated = keys.has('apixaban')
  if (!child && !anticoagulated && (input.unitCode === 'MEDINT' || input.unitCode === 'CHIR')) keys.add('enoxaparine')
  return [...keys]
}

function frDate(ms: number): string {
  const [y, m, d] = date(ms).split('-')
  return `${d}/${m}/${y}`
}

function letterText(input: StayInput, end: number, doctorName: string): string {
  const p = input.patient
  const born = p.sex === 'female' ? 'née' : 'né'
  const treatment = stayMedications(input)
    .filter((m) => !MEDICATIONS[m].asNeeded)
    .map((m) => MEDICATIONS[m].text)
  return [
    `Centre hospitalier de formation Chevet — ${input.unitName}`,
    'Lettre de liaison à la sortie',
    '',
    p.gp ? `Destinataire : Dr ${p.gp.name} (${p.gp.mssante})` : 'Destinataire : médecin traitant non déclaré',
    `Patient : ${p.displayName}, ${born} le ${frDate(Date.parse(p.birthDate))}`,
    `Séjour du ${frDate(input.start)} au ${frDate(end)}`,
    '',
    `Motif d’hospitalisation : ${input.diagnosis.summary} (${input.diagnosis.code}).`,
    'Évolution : favorable, sortie au domicile.',
    `Traitement de sortie : ${treatment.length ? treatment.join(' ; ') : 'pas de traitement au long cours'}.`,
    'Suivi : consultation de contrôle dans un mois.',
    '',
    doctorName,
    'Données fictives — environnement de formation Chevet.',
  ].join('\n')
}

function letter(input: StayInput, encounterId: string, doctorName: string): DocumentReference {
  const end = input.end ?? input.now
  const text = letterText(input, end, doctorName)
  return {
    resourceType: 'DocumentReference',
    id: input.ids.next('doc'),
    status: 'current',
    docStatus: 'final',
    type: concept(LOINC, '11490-0', 'Lettre de liaison à la sortie d’un établissement de soins'),
    subject: ref('Patient', input.patient.id),
    date: dateTime(end),
    author: [ref('Practitioner', input.doctorId)],
    custodian: ref('Organization', ORGANIZATION_ID),
    description: `Lettre de liaison — ${input.unitName}`,
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          language: 'fr-FR',
          data: Buffer.from(text, 'utf8').toString('base64'),
          title: `Lettre de liaison du ${frDate(end)}`,
          creation: dateTime(end),
        },
      },
    ],
    context: { encounter: [ref('Encounter', encounterId)], period: { start: dateTime(input.start), end: dateTime(end) } },
  }
}

/** One stay and everything it leaves in the chart. */
export function buildStay(input: StayInput, out: ClinicalBuckets, doctorName: string): StayResult {
  const { rng, ids, patient } = input
  const encounterId = ids.next('enc')
  const conditionId = ids.next('cond')
  out.encounters.push(encounter(input, encounterId, conditionId))
  out.conditions.push(
    conditionResource(conditionId, input.diagnosis.code, input.diagnosis.label, patient.id, {
      encounterId,
      category: 'encounter-diagnosis',
      active: input.end === undefined,
      onset: input.start - rng.float(2, 48) * HOUR,
      recorded: input.start + rng.float(1, 4) * HOUR,
      recorderId: input.doctorId,
    }),
  )
  const until = input.end ?? input.now
  let lastVitals: VitalSet | undefined
  if (input.detail === 'full') {
    lastVitals = fullVitals(input, out, encounterId)
    const child = patient.ageYears < 18
    const wantsLabs = !child || input.diagnosis.labs !== undefined
    if (wantsLabs) {
      let at = input.start + rng.float(0.5, 2) * HOUR
      for (let k = 0; at < until && k < (child ? 2 : 6); k++) {
        addLabSet(input, out, encounterId, at, k)
        at += rng.float(24, 72) * HOUR
      }
    }
    if (input.diagnosis.imaging) {
      out.reports.push(imagingReport(ids.next('dr'), input.diagnosis.imaging, Math.min(until - HOUR, input.start + rng.float(1, 6) * HOUR), patient.id, encounterId, ORGANIZATION_ID))
    }
    const authored = input.start + rng.float(1, 3) * HOUR
    for (const key of stayMedications(input)) {
      out.medications.push(medicationRequest(ids.next('mr'), key, authored, { patientId: patient.id, encounterId, requesterId: input.doctorId, weightKg: patient.baseline.weight }))
    }
  } else {
    summaryVitals(input, out, encounterId)
    if (rng.chance(0.35)) addLabSet(input, out, encounterId, input.start + rng.float(0.5, 2) * HOUR, 0)
    if (input.diagnosis.imaging && rng.chance(0.5)) {
      out.reports.push(imagingReport(ids.next('dr'), input.diagnosis.imaging, input.start + rng.float(1, 6) * HOUR, patient.id, encounterId, ORGANIZATION_ID))
    }
    if (input.letter) out.documents.push(letter(input, encounterId, doctorName))
  }
  return { encounterId, ...(lastVitals ? { lastVitals } : {}) }
}
