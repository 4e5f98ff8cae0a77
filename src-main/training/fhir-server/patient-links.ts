import { evalFhirPath, getSearchParameter } from '@medplum/core'
import type { Resource } from '@medplum/fhirtypes'
import { patientCompartmentParams } from './definitions'

type Extractor = (resource: Resource) => string[]

const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/

/** The Patient id a reference string points at, whatever its form (relative, absolute, versioned). */
export function patientIdOf(reference: string | undefined): string | undefined {
  if (!reference) return undefined
  return PATIENT_REFERENCE.exec(reference)?.[1]
}

function collectPatientIds(values: unknown[], into: Set<string>): void {
  for (const value of values) {
    const reference =
      typeof value === 'string' ? value : (value as { reference?: unknown } | null | undefined)?.reference
    const id = typeof reference === 'string' ? patientIdOf(reference) : undefined
    if (id) into.add(id)
  }
}

/** Walks `a.b.c` through arrays, as FHIRPath does for plain member access. */
function walker(fields: string[]): (resource: Resource) => unknown[] {
  return (resource) => {
    let current: unknown[] = [resource]
    for (const field of fields) {
      const next: unknown[] = []
      for (const item of current) {
        const value = (item as Record<string, unknown> | null)?.[field]
        if (Array.isArray(value)) next.push(...value)
        else if (value !== undefined && value !== null) next.push(value)
      }
      current = next
    }
    return current
  }
}

const SIMPLE_PATH = /^[A-Za-z]+(\.[A-Za-z]+)+$/
const WHERE_PATIENT = /\.where\(resolve\(\) is Patient\)$/

/**
 * Compiles the compartment's search-parameter expressions for one type. Plain member paths (nearly all of them)
 * become direct walkers — FHIRPath evaluation costs about 20 µs a call, too slow for bulk loads; a
 * `.where(resolve() is Patient)` filter is implied since only Patient references are kept.
 */
function compile(type: string, params: string[]): Extractor {
  const getters: ((resource: Resource) => unknown[])[] = []
  for (const code of params) {
    const expression = getSearchParameter(type, code)?.expression
    if (!expression) continue
    for (const raw of expression.split('|')) {
      const part = raw.trim()
      if (!part.startsWith(type + '.')) continue
      const path = part.replace(WHERE_PATIENT, '')
      if (SIMPLE_PATH.test(path)) getters.push(walker(path.split('.').slice(1)))
      else getters.push((resource) => evalFhirPath(part, resource))
    }
  }
  return (resource) => {
    const ids = new Set<string>()
    for (const get of getters) collectPatientIds(get(resource), ids)
    return [...ids]
  }
}

let extractors: Map<string, Extractor> | undefined

function loadExtractors(): Map<string, Extractor> {
  if (extractors) return extractors
  extractors = new Map()
  for (const [type, params] of patientCompartmentParams()) {
    // A Patient's compartment is itself; AuditEvent access follows its own rule (see access.ts).
    if (type === 'Patient' || type === 'AuditEvent') continue
    extractors.set(type, compile(type, params))
  }
  extractors.set('Patient', (resource) => (resource.id ? [resource.id] : []))
  // Not in the R4 Patient compartment, but a letter's content is patient data: a Binary whose securityContext names
  // a patient belongs to that patient, so only their carers read it (one with none stays refused: names no patient).
  extractors.set('Binary', (resource) => {
    const id = patientIdOf((resource as { securityContext?: { reference?: string } }).securityContext?.reference)
    return id ? [id] : []
  })
  return extractors
}

export function isPatientCompartmentType(type: string): boolean {
  return loadExtractors().has(type)
}

/**
 * The patients a resource belongs to (Patient compartment, FHIR R4 definition): undefined when its type is not
 * patient data, an empty list when it is but names no patient.
 */
export function patientLinks(resource: Resource): string[] | undefined {
  return loadExtractors().get(resource.resourceType)?.(resource)
}
