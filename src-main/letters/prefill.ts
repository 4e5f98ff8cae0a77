import type {
  AdverseEvent,
  Appointment,
  CodeableConcept,
  Condition,
  Device,
  DiagnosticReport,
  Encounter,
  Flag,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Practitioner,
  Procedure,
  Reference,
  Resource,
  ServiceRequest,
} from '@medplum/fhirtypes'
import type { LetterContent, LetterPerson } from '../contract/letters'
import { patientTraits } from '../store/cache/patient-traits'
import { treatmentChanges } from './treatments'

/** What the prefill reads: the patient, the stay, the practitioners it names, and the patient's health resources. */
export interface PrefillSources {
  patient: Patient
  encounter: Encounter | null
  practitioners: readonly Practitioner[]
  resources: readonly Resource[]
  unitName: string | null
  /** For "upcoming" appointments; defaults to the current time. */
  now?: Date
}

const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType'
const RPPS_SYSTEMS = new Set(['https://rpps.esante.gouv.fr', 'urn:oid:1.2.250.1.71.4.2.1'])
const TRANSFUSION_SNOMED = '116859006'
const MRO = /\b(BMR|BHRe?|EPC|ERV|SARM|multir[ée]sistant|[ée]mergent)/i
const PENDING_REPORT = new Set(['registered', 'partial', 'preliminary'])

const DATE = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' })
const DATE_TIME = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' })

export function frenchDate(value: string | undefined | null): string | null {
  if (!value) return null
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value.split('-').reverse().join('/')
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : DATE.format(date)
}

function frenchDateTime(value: string | undefined): string | null {
  if (!value) return null
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? null : DATE_TIME.format(date).replace(' ', ' à ')
}

function text(concept: CodeableConcept | undefined): string | null {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display ?? concept?.coding?.[0]?.code ?? null
}

function idOf(reference: Reference | undefined, type: string): string | null {
  const match = reference?.reference?.match(/^([A-Za-z]+)\/([^/]+)$/)
  return match && match[1] === type ? match[2]! : null
}

function aboutStay(reference: Reference | undefined, encounterId: string | null): boolean {
  return encounterId === null || reference === undefined || idOf(reference, 'Encounter') === encounterId
}

function person(reference: Reference | undefined, practitioners: ReadonlyMap<string, Practitioner>): LetterPerson | null {
  if (!reference) return null
  const practitioner = practitioners.get(idOf(reference, 'Practitioner') ?? '')
  if (!practitioner) return reference.display ? { name: reference.display, rpps: null, mssante: null, detail: null } : null
  const name = practitioner.name?.[0]
  const full = [name?.prefix?.join(' ') || 'Dr', ...(name?.given ?? []), name?.family].filter(Boolean).join(' ')
  const identifier = practitioner.identifier?.find((i) => i.system && RPPS_SYSTEMS.has(i.system))?.value ?? null
  const rpps = identifier && identifier.length === 12 && identifier.startsWith('8') ? identifier.slice(1) : identifier
  const mssante = practitioner.telecom?.find((t) => t.system === 'email' && t.value?.endsWith('.mssante.fr'))?.value ?? null
  const address = practitioner.address?.[0]
  const detail = address ? [...(address.line ?? []), [address.postalCode, address.city].filter(Boolean).join(' ')].filter(Boolean).join(', ') || null : null
  return { name: full, rpps, mssante, detail }
}

function participant(encounter: Encounter | null, code: string): Reference | undefined {
  return encounter?.participant?.find((p) => p.type?.some((t) => t.coding?.some((c) => c.system === PARTICIPATION && c.code === code)))?.individual
}

function ofType<T extends Resource>(resources: readonly Resource[], type: T['resourceType']): T[] {
  return resources.filter((r): r is T => r.resourceType === type)
}

function lines(items: readonly (string | null)[]): string {
  return [...new Set(items.filter((x): x is string => Boolean(x)))].map((x) => `- ${x}`).join('\n')
}

/**
 * The letter as the chart already knows it (pure: FHIR resources in, LetterContent out). What the chart cannot say
 * stays empty, and `missingItems` asks the doctor for it: nothing is asserted that no one recorded.
 */
export function prefillLetter(sources: PrefillSources): LetterContent {
  const { patient, encounter, resources } = sources
  const now = (sources.now ?? new Date()).toISOString()
  const encounterId = encounter?.id ?? null
  const practitioners = new Map(sources.practitioners.filter((p) => p.id).map((p) => [p.id!, p]))
  const traits = patientTraits(patient)
  const conditions = ofType<Condition>(resources, 'Condition')
  const stayDiagnoses = conditions.filter((c) => aboutStay(c.encounter, encounterId) && c.encounter !== undefined)
  const admissionDiagnosis = encounter?.diagnosis
    ?.slice()
    .sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))
    .map((d) => conditions.find((c) => c.id === idOf(d.condition, 'Condition')))
    .find((c) => c !== undefined)
  const reason = [...(encounter?.reasonCode ?? []).map(text), admissionDiagnosis ? text(admissionDiagnosis.code) : null].find(Boolean) ?? ''

  const procedures = ofType<Procedure>(resources, 'Procedure').filter((p) => aboutStay(p.encounter, encounterId) && p.status !== 'entered-in-error')
  const transfusions = procedures.filter((p) => p.code?.coding?.some((c) => c.code === TRANSFUSION_SNOMED) || /transfusion/i.test(text(p.code) ?? ''))
  const devices = [
    ...ofType<Device>(resources, 'Device').filter((d) => d.status !== 'entered-in-error' && d.status !== 'inactive').map((d) => d.deviceName?.[0]?.name ?? text(d.type)),
    ...procedures.flatMap((p) => (p.focalDevice ?? []).map((f) => f.manipulated.display ?? null)),
  ]
  const pending = [
    ...ofType<ServiceRequest>(resources, 'ServiceRequest')
      .filter((s) => aboutStay(s.encounter, encounterId) && s.status === 'active' && s.intent !== 'plan' && s.intent !== 'proposal')
      .map((s) => text(s.code)),
    ...ofType<DiagnosticReport>(resources, 'DiagnosticReport').filter((d) => aboutStay(d.encounter, encounterId) && PENDING_REPORT.has(d.status)).map((d) => text(d.code)),
    ...ofType<Observation>(resources, 'Observation').filter((o) => aboutStay(o.encounter, encounterId) && (o.status === 'registered' || o.status === 'preliminary')).map((o) => text(o.code)),
  ]
  const followUp = [
    ...ofType<Appointment>(resources, 'Appointment')
      .filter((a) => (a.status === 'booked' || a.status === 'proposed' || a.status === 'pending') && (a.start ?? '') >= now)
      .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''))
      .map((a) => [frenchDateTime(a.start), a.description ?? text(a.serviceType?.[0]) ?? text(a.appointmentType)].filter(Boolean).join(' : ')),
    ...ofType<ServiceRequest>(resources, 'ServiceRequest').filter((s) => s.status === 'active' && s.intent === 'plan').map((s) => text(s.code)),
  ]

  return {
    patient: {
      id: patient.id ?? '',
      familyName: traits.familyName,
      givenName: traits.givenName,
      birthName: traits.birthFamilyName && traits.birthFamilyName !== traits.familyName ? traits.birthFamilyName : null,
      sex: traits.sex,
      birthDate: traits.birthDate,
      // RNIV: an INS that is not qualified identifies no one; it is not printed.
      ins: traits.identityStatus === 'QUAL' ? traits.ins : null,
      identityStatus: traits.identityStatus,
      ipp: traits.ipp,
    },
    medecinTraitant: person(patient.generalPractitioner?.[0], practitioners),
    adresseur: person(participant(encounter, 'REF'), practitioners),
    hospitalDoctor: person(participant(encounter, 'ATND'), practitioners),
    stay: {
      encounterId,
      unit: sources.unitName,
      admissionDate: frenchDate(encounter?.period?.start),
      admissionMode: text(encounter?.hospitalization?.admitSource) ?? '',
      dischargeDate: frenchDate(encounter?.period?.end),
      dischargeMode: text(encounter?.hospitalization?.dischargeDisposition) ?? '',
    },
    reason,
    summary: {
      synthesis: stayDiagnoses.length > 0 ? `Diagnostics du séjour :\n${lines(stayDiagnoses.map((c) => text(c.code)))}` : '',
      adverseEvents: lines(ofType<AdverseEvent>(resources, 'AdverseEvent').filter((a) => aboutStay(a.encounter, encounterId)).map((a) => text(a.event))),
      multiResistantOrganisms: lines(ofType<Flag>(resources, 'Flag').filter((f) => f.status === 'active' && MRO.test(text(f.code) ?? '')).map((f) => text(f.code))),
      bloodProducts: lines(transfusions.map((p) => [text(p.code), frenchDate(p.performedDateTime ?? p.performedPeriod?.start)].filter(Boolean).join(', le '))),
      implantedDevices: lines(devices),
    },
    treatments: treatmentChanges({
      encounterId,
      medicationRequests: ofType<MedicationRequest>(resources, 'MedicationRequest'),
      medicationStatements: ofType<MedicationStatement>(resources, 'MedicationStatement'),
    }),
    pendingResults: lines(pending),
    followUp: lines(followUp),
  }
}
