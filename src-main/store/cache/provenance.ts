import type { Provenance, ProvenanceAgent, Resource } from '@medplum/fhirtypes'
import type { Role } from '../../contract'
import { WRITE_IDENTIFIER_SYSTEM } from './fhir'

const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type'
const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation'

/** Who made a write: the signed-in professional and, for an interne, the senior on whose behalf. */
export interface ProvenanceAuthor {
  practitionerId: string
  displayName?: string
  role?: Role
  /** Practitioner id of the supervising senior (interne only; src-main/records/supervisor.ts finds it). */
  onBehalfOf?: string | null
}

/**
 * The Provenance of one write. R4 gives Provenance no identifier, so the write id travels as a `meta.tag` of the
 * write system: the conditional create `_tag=<system>|<write id>` (provenanceCondition) then makes a replay after
 * a crash create no second Provenance, whatever the clock says.
 */
export function writeProvenance(input: {
  targets: string[]
  recorded: string
  author: ProvenanceAuthor
  activity: 'CREATE' | 'UPDATE'
  writeId: string
  participant?: 'author' | 'performer'
}): Provenance {
  const { author } = input
  const participant = input.participant ?? 'author'
  const agent: ProvenanceAgent = {
    type: { coding: [{ system: PROVENANCE_PARTICIPANT, code: participant, display: participant === 'author' ? 'Author' : 'Performer' }] },
    who: { reference: `Practitioner/${author.practitionerId}`, ...(author.displayName ? { display: author.displayName } : {}) },
    // CSP R6153-3: the interne acts on behalf of the senior "dont il relève"; nobody else writes for someone.
    ...(author.onBehalfOf && (author.role === undefined || author.role === 'interne')
      ? { onBehalfOf: { reference: `Practitioner/${author.onBehalfOf}` } }
      : {}),
  }
  return {
    resourceType: 'Provenance',
    meta: { tag: [{ system: WRITE_IDENTIFIER_SYSTEM, code: input.writeId }] },
    target: input.targets.map((reference) => ({ reference })),
    recorded: input.recorded,
    activity: { coding: [{ system: DATA_OPERATION, code: input.activity, display: input.activity === 'CREATE' ? 'create' : 'revise' }] },
    agent: [agent],
  }
}

/** The If-None-Exist of a Provenance made by writeProvenance. */
export function provenanceCondition(writeId: string): string {
  return `_tag=${WRITE_IDENTIFIER_SYSTEM}|${writeId}`
}

/** The write id a Provenance carries as its tag (writeProvenance), if any. */
export function provenanceWriteId(resource: Resource): string | null {
  if (resource.resourceType !== 'Provenance') return null
  return resource.meta?.tag?.find((t) => t.system === WRITE_IDENTIFIER_SYSTEM && t.code)?.code ?? null
}
