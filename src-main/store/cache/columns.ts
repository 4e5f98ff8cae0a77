import type {
  AllergyIntolerance,
  CodeableConcept,
  Composition,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Identifier,
  MedicationRequest,
  Observation,
  Reference,
  Resource,
} from '@medplum/fhirtypes'
import { firstCode, LOINC, normalizeInstant, referencedId, writeIdOf } from './fhir'

/** The indexed columns of a health resource row; the JSON keeps everything else. */
export interface HealthColumns {
  patientId: string | null
  category: string | null
  code: string | null
  effectiveAt: string | null
  status: string | null
  writeId: string | null
}

function patientOf(...references: (Reference | undefined)[]): string | null {
  for (const reference of references) {
    const id = referencedId(reference, 'Patient')
    if (id) return id
  }
  return null
}

function categoryOf(concepts: CodeableConcept[] | undefined): string | null {
  for (const concept of concepts ?? []) {
    const code = firstCode(concept)
    if (code) return code
  }
  return null
}

function observation(o: Observation): HealthColumns {
  return {
    patientId: patientOf(o.subject),
    category: categoryOf(o.category),
    code: firstCode(o.code, LOINC),
    effectiveAt: normalizeInstant(o.effectiveDateTime ?? o.effectiveInstant ?? o.effectivePeriod?.start ?? o.issued),
    status: o.status ?? null,
    writeId: writeIdOf(o.identifier),
  }
}

function condition(c: Condition): HealthColumns {
  return {
    patientId: patientOf(c.subject),
    category: categoryOf(c.category),
    code: firstCode(c.code),
    effectiveAt: normalizeInstant(c.recordedDate ?? c.onsetDateTime),
    status: firstCode(c.clinicalStatus),
    writeId: writeIdOf(c.identifier),
  }
}

function allergy(a: AllergyIntolerance): HealthColumns {
  return {
    patientId: patientOf(a.patient),
    category: a.category?.[0] ?? null,
    code: firstCode(a.code),
    effectiveAt: normalizeInstant(a.recordedDate ?? a.onsetDateTime),
    status: firstCode(a.clinicalStatus),
    writeId: writeIdOf(a.identifier),
  }
}

function report(r: DiagnosticReport): HealthColumns {
  return {
    patientId: patientOf(r.subject),
    category: categoryOf(r.category),
    code: firstCode(r.code, LOINC),
    effectiveAt: normalizeInstant(r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.issued),
    status: r.status ?? null,
    writeId: writeIdOf(r.identifier),
  }
}

function medication(m: MedicationRequest): HealthColumns {
  return {
    patientId: patientOf(m.subject),
    category: categoryOf(m.category),
    code: firstCode(m.medicationCodeableConcept),
    effectiveAt: normalizeInstant(m.authoredOn),
    status: m.status ?? null,
    writeId: writeIdOf(m.identifier),
  }
}

/** Documents and notes: code = LOINC type, time = date of the document. */
function dated(
  d: { subject?: Reference; category?: CodeableConcept[]; type?: CodeableConcept; date?: string; status?: string },
  identifier: Identifier[] | undefined,
): HealthColumns {
  return {
    patientId: patientOf(d.subject),
    category: categoryOf(d.category),
    code: firstCode(d.type, LOINC),
    effectiveAt: normalizeInstant(d.date),
    status: d.status ?? null,
    writeId: writeIdOf(identifier),
  }
}

function documentReference(d: DocumentReference): HealthColumns {
  return dated(d, d.identifier)
}

/** Notes (cache/notes.ts): category = note kind, the write identifier is Composition's single one. */
function composition(c: Composition): HealthColumns {
  return dated(c, c.identifier ? [c.identifier] : undefined)
}

/** Anything else: the usual places a FHIR resource names its patient. */
function generic(resource: Resource): HealthColumns {
  const r = resource as { subject?: Reference; patient?: Reference; status?: unknown; identifier?: unknown }
  return {
    patientId: patientOf(r.subject, r.patient),
    category: null,
    code: null,
    effectiveAt: null,
    status: typeof r.status === 'string' ? r.status : null,
    writeId: Array.isArray(r.identifier) ? writeIdOf(r.identifier) : null,
  }
}

export function healthColumns(resource: Resource): HealthColumns {
  switch (resource.resourceType) {
    case 'Observation':
      return observation(resource)
    case 'Condition':
      return condition(resource)
    case 'AllergyIntolerance':
      return allergy(resource)
    case 'DiagnosticReport':
      return report(resource)
    case 'MedicationRequest':
      return medication(resource)
    case 'DocumentReference':
      return documentReference(resource)
    case 'Composition':
      return composition(resource)
    default:
      return generic(resource)
  }
}
