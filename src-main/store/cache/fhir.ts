import type { CodeableConcept, Identifier, Reference } from '@medplum/fhirtypes'

/** Identifier system of Chevet's own writes: the value is the outbox idempotency key (plus a suffix per resource). */
export const WRITE_IDENTIFIER_SYSTEM = 'urn:chevet:write'

export const LOINC = 'http://loinc.org'
export const UCUM = 'http://unitsofmeasure.org'
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category'

/** Ids Chevet gives rows it created before the central did; replaced by the central's id on acknowledgement. */
export const LOCAL_ID_PREFIX = 'local-'

const REFERENCE = /(?:^|\/)([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/

/** `{ type, id }` of a literal reference in any of its forms (relative, absolute, versioned). */
export function parseReference(reference: Reference | string | undefined): { type: string; id: string } | null {
  const value = typeof reference === 'string' ? reference : reference?.reference
  if (!value) return null
  const match = REFERENCE.exec(value)
  return match ? { type: match[1] as string, id: match[2] as string } : null
}

export function referencedId(reference: Reference | string | undefined, type: string): string | null {
  const parsed = parseReference(reference)
  return parsed && parsed.type === type ? parsed.id : null
}

/**
 * A string element as the central sent it, or null: the central's content is not trusted to be well typed (an
 * object where FHIR says string must not reach the contract, whose check would refuse the whole answer).
 */
export function textOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function codingsOf(concept: CodeableConcept | undefined): NonNullable<CodeableConcept['coding']> {
  return Array.isArray(concept?.coding) ? concept.coding.filter((c) => c !== null && typeof c === 'object') : []
}

/** First code of a concept, preferring the given system. */
export function firstCode(concept: CodeableConcept | undefined, system?: string): string | null {
  const codings = codingsOf(concept)
  const preferred = system ? codings.find((c) => c.system === system && textOf(c.code)) : undefined
  return textOf(preferred?.code) ?? textOf(codings.find((c) => textOf(c.code))?.code)
}

/** Every code of a concept (all systems). */
export function codesOf(concept: CodeableConcept | undefined): string[] {
  return (concept?.coding ?? []).map((c) => c.code).filter((c): c is string => typeof c === 'string')
}

export function conceptLabel(concept: CodeableConcept | undefined): string | null {
  return textOf(concept?.text) ?? textOf(codingsOf(concept).find((c) => textOf(c.display))?.display) ?? firstCode(concept)
}

/**
 * FHIR instants and dateTimes to UTC ISO text, so that text order is time order whatever the offset
 * (`2026-11-20T08:00:00+01:00` → `2026-11-20T07:00:00.000Z`). Dates without a time stay as they are.
 */
export function normalizeInstant(value: string | undefined | null): string | null {
  if (!value) return null
  if (!value.includes('T')) return value
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? value : new Date(ms).toISOString()
}

export function writeIdOf(identifiers: Identifier[] | undefined): string | null {
  return identifiers?.find((i) => i.system === WRITE_IDENTIFIER_SYSTEM && i.value)?.value ?? null
}
