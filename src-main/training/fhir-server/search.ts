import {
  badRequest,
  evalFhirPath,
  OperationOutcomeError,
  getSearchParameter,
  matchesSearchRequest,
  Operator,
  parseFhirPath,
  type Filter,
  type FhirPathAtom,
  type IncludeTarget,
  type SearchRequest,
  type SortRule,
} from '@medplum/core'
import type { Resource } from '@medplum/fhirtypes'
import { FOLDED_NAME_PARAMS, FOLDED_NAME_TYPES, matchesFoldedName, type FoldedNames } from './fold'
import { isPatientCompartmentType, patientIdOf } from './patient-links'

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 1000
/** Beyond this many _include/_revinclude resources a page says so (an OperationOutcome entry) instead of growing. */
export const MAX_INCLUDED = 10_000

/** What the store exposes to the search: raw current objects (never handed out without a clone). */
export interface SearchStore {
  readonly generation: number
  all(type: string): Iterable<Resource>
  get(type: string, id: string): Resource | undefined
  idsOfPatient(patientId: string, type: string): Iterable<string>
  foldedNames(type: string, id: string): FoldedNames | undefined
  /** Position of the resource's current version in the write log: the default, stable order. */
  sequenceOf(type: string, id: string): number
}

/** A user's view: which resources they may see, and (when known) the patients that bound it. */
export interface SearchScope {
  /** Distinguishes cached results between scopes; without one (a grant that can change without a write), no caching. */
  readonly key?: string
  /** When set, patient-compartment searches only look at these patients' resources. */
  readonly patients?: ReadonlySet<string>
  visible(resource: Resource): boolean
}

export interface SearchPage {
  matches: Resource[]
  included: Resource[]
  /** True when _include/_revinclude were cut at MAX_INCLUDED. */
  includedTruncated: boolean
  total: number
  offset: number
  count: number
}

export function effectivePageSize(count: number | undefined | null): number {
  if (count === undefined || count === null || !Number.isFinite(count)) return DEFAULT_PAGE_SIZE
  return Math.min(MAX_PAGE_SIZE, Math.max(0, Math.trunc(count)))
}

const FOLDABLE_OPERATORS: ReadonlySet<string> = new Set([Operator.EQUALS, Operator.STARTS_WITH, Operator.CONTAINS])

function isFoldedFilter(type: string, filter: Filter): boolean {
  return FOLDED_NAME_TYPES.has(type) && FOLDED_NAME_PARAMS.has(filter.code) && FOLDABLE_OPERATORS.has(filter.operator)
}

/**
 * FHIR lets a reference parameter with a single target type take a bare id (`Observation?patient=123`); medplum's
 * matcher only compares full references, so the type is added here.
 */
function normalizeReferenceFilter(type: string, filter: Filter): Filter {
  const definition = getSearchParameter(type, filter.code)
  if (definition?.type !== 'reference' || definition.target?.length !== 1) return filter
  if (filter.operator !== Operator.EQUALS && filter.operator !== Operator.NOT_EQUALS) return filter
  const target = definition.target[0]
  const value = filter.value
    .split(',')
    .map((v) => (v.includes('/') || v.includes(':') ? v : `${target}/${v}`))
    .join(',')
  return { ...filter, value }
}

/**
 * The Patients named by patient/subject filters (`patient=a` or `patient=a,b`): the patient index then replaces a
 * scan of the whole type, and the filter is checked on the reference itself instead of by medplum's FHIRPath
 * (whose compartment expressions cost milliseconds per resource).
 */
function patientsNamedBy(type: string, filters: Filter[]): { ids: string[]; filter: Filter } | undefined {
  if (!isPatientCompartmentType(type)) return undefined
  for (const filter of filters) {
    if (filter.operator !== Operator.EQUALS) continue
    if (filter.code !== 'patient' && filter.code !== 'subject') continue
    const ids = filter.value.split(',').map((value) => (value.startsWith('Patient/') ? patientIdOf(value) : undefined))
    if (ids.length > 0 && ids.every((id) => id !== undefined)) return { ids: ids as string[], filter }
  }
  return undefined
}

/** `subject` or `patient` of a resource names one of these patients (the two elements patient/subject search). */
function refersToPatient(resource: Resource, references: ReadonlySet<string>): boolean {
  const fields = resource as { subject?: { reference?: string }; patient?: { reference?: string } }
  return references.has(fields.subject?.reference ?? '') || references.has(fields.patient?.reference ?? '')
}

const DATE_COMPARISONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  [Operator.GREATER_THAN]: (a, b) => a > b,
  [Operator.GREATER_THAN_OR_EQUALS]: (a, b) => a >= b,
  [Operator.LESS_THAN]: (a, b) => a < b,
  [Operator.LESS_THAN_OR_EQUALS]: (a, b) => a <= b,
}

/**
 * `identifier=system|value` (conditional creates replaying the outbox look up their idempotency key this way)
 * compared on the identifiers directly: medplum's FHIRPath costs milliseconds a resource over a whole type.
 */
function identifierCheck(filter: Filter): ((resource: Resource) => boolean) | undefined {
  if (filter.code !== 'identifier' || filter.operator !== Operator.EQUALS) return undefined
  const wanted = filter.value.split(',').map((token) => {
    const bar = token.indexOf('|')
    return bar < 0 ? { system: undefined, value: token } : { system: token.slice(0, bar), value: token.slice(bar + 1) }
  })
  return (resource) => {
    type Id = { system?: string; value?: string }
    // Most types carry an array; some (Composition, Bundle, QuestionnaireResponse) a single Identifier.
    const raw = (resource as { identifier?: Id[] | Id }).identifier
    const identifiers = Array.isArray(raw) ? raw : raw ? [raw] : []
    return identifiers.some((identifier) =>
      wanted.some(
        (w) => identifier.value === w.value && (w.system === undefined || (identifier.system ?? '') === w.system),
      ),
    )
  }
}

/** `_lastUpdated=gt…` (incremental sync) compared on meta.lastUpdated directly; other forms go to medplum. */
function lastUpdatedCheck(filter: Filter): ((resource: Resource) => boolean) | undefined {
  const compare = DATE_COMPARISONS[filter.operator]
  const bound = Date.parse(filter.value)
  if (filter.code !== '_lastUpdated' || !compare || Number.isNaN(bound)) return undefined
  return (resource) => {
    const updated = Date.parse(resource.meta?.lastUpdated ?? '')
    return !Number.isNaN(updated) && compare(updated, bound)
  }
}

/** The top-level branches of a FHIRPath union (`|` outside parentheses and string literals). */
function unionBranches(expression: string): string[] {
  const branches: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === "'") quoted = false
    } else if (c === "'") quoted = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) {
      branches.push(expression.slice(start, i).trim())
      start = i + 1
    }
  }
  branches.push(expression.slice(start).trim())
  return branches
}

const LEADING_TYPE = /^\(*\s*([A-Z][A-Za-z]+)\./
const typeExpressions = new Map<string, FhirPathAtom | null>()

/**
 * A search parameter's FHIRPath for one resource type, parsed once. Shared parameters carry one union for many
 * types (`date`: twenty branches), which evalFhirPath re-parsed and walked whole on every call: about 2 ms an
 * Observation, nearly two minutes to `_sort` a 50,000-observation chart. A branch that starts with another
 * resource type's name selects nothing on this one, so it is dropped; every other branch is kept as written.
 */
function expressionOf(type: string, code: string): FhirPathAtom | null {
  const key = `${type}.${code}`
  let atom = typeExpressions.get(key)
  if (atom === undefined) {
    const expression = getSearchParameter(type, code)?.expression
    const own = (expression ? unionBranches(expression) : []).filter((branch) => {
      const named = LEADING_TYPE.exec(branch)?.[1]
      return !named || named === type || named === 'Resource' || named === 'DomainResource'
    })
    atom = expression ? parseFhirPath(own.length > 0 ? own.join(' | ') : expression) : null
    typeExpressions.set(key, atom)
  }
  return atom
}

type SortValue = string | number | undefined

function sortValue(resource: Resource, rule: SortRule): SortValue {
  if (rule.code === '_lastUpdated') return resource.meta?.lastUpdated
  if (rule.code === '_id') return resource.id
  const expression = expressionOf(resource.resourceType, rule.code)
  if (!expression) return undefined
  const first = evalFhirPath(expression, resource)[0] as unknown
  if (first === undefined || first === null) return undefined
  if (typeof first === 'string' || typeof first === 'number') return first
  if (typeof first === 'boolean') return first ? 1 : 0
  const object = first as Record<string, unknown>
  for (const field of ['start', 'end', 'value', 'family', 'text', 'reference', 'code']) {
    const value = object[field]
    if (typeof value === 'string' || typeof value === 'number') return value
  }
  const coding = (object.coding as { code?: string }[] | undefined)?.[0]?.code
  return coding ?? JSON.stringify(first)
}

const collator = new Intl.Collator('fr', { sensitivity: 'base', numeric: true })
const ISO_DATE = /^\d{4}-/

function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0
  if (a === undefined) return 1
  if (b === undefined) return -1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  const sa = String(a)
  const sb = String(b)
  if (ISO_DATE.test(sa) && ISO_DATE.test(sb)) return sa < sb ? -1 : sa > sb ? 1 : 0
  return collator.compare(sa, sb)
}

interface CachedResult {
  generation: number
  ids: string[]
}

/**
 * Runs a FHIR search over the in-memory store: candidates narrowed by the patient index when possible, accents
 * folded for person names, everything else matched by medplum's own `matchesSearchRequest`. Full result id lists
 * are cached until the next write so following `next` links through a 50,000-observation chart costs one scan.
 */
export class SearchEngine {
  private readonly cache = new Map<string, CachedResult>()

  constructor(private readonly store: SearchStore) {}

  run(request: SearchRequest, scope?: SearchScope): SearchPage {
    const type = request.resourceType
    // medplum's matcher ignores a parameter it does not know and then matches nothing: a typo would look like
    // an empty chart. Refuse it instead.
    for (const filter of request.filters ?? []) {
      if (!getSearchParameter(type, filter.code)) {
        throw new OperationOutcomeError(badRequest(`Unknown search parameter ${filter.code}`, filter.code))
      }
    }
    const offset = Math.max(0, Math.trunc(request.offset ?? 0) || 0)
    const count = effectivePageSize(request.count)
    const ids = this.matchingIds(request, scope)
    const matches: Resource[] = []
    for (const id of ids.slice(offset, offset + count)) {
      const resource = this.store.get(type, id)
      if (resource) matches.push(resource)
    }
    const { included, truncated } = this.includes(request, matches, scope)
    return { matches, included, includedTruncated: truncated, total: ids.length, offset, count }
  }

  private matchingIds(request: SearchRequest, scope: SearchScope | undefined): string[] {
    const type = request.resourceType
    const folded: Filter[] = []
    const rest: Filter[] = []
    for (const filter of request.filters ?? []) {
      if (isFoldedFilter(type, filter)) folded.push(filter)
      else rest.push(normalizeReferenceFilter(type, filter))
    }
    // AuditEvent writes do not bump the generation (they follow every read), so their searches are never cached.
    const cacheable = (!scope || scope.key !== undefined) && type !== 'AuditEvent'
    const key = JSON.stringify([type, folded, rest, request.sortRules ?? [], scope?.key ?? '*'])
    const cached = cacheable ? this.cache.get(key) : undefined
    if (cached && cached.generation === this.store.generation) {
      this.cache.delete(key)
      this.cache.set(key, cached)
      return cached.ids
    }

    const named = patientsNamedBy(type, rest)
    const patientReferences = named ? new Set(named.ids.map((id) => `Patient/${id}`)) : undefined
    const direct: ((resource: Resource) => boolean)[] = []
    const generic: Filter[] = []
    for (const filter of rest) {
      const check = lastUpdatedCheck(filter) ?? identifierCheck(filter)
      if (check) direct.push(check)
      else if (filter !== named?.filter) generic.push(filter)
    }
    const matcher: SearchRequest = { resourceType: type, filters: generic }
    const hits: Resource[] = []
    for (const resource of this.candidates(type, named?.ids, scope)) {
      if (scope && !scope.visible(resource)) continue
      if (patientReferences && !refersToPatient(resource, patientReferences)) continue
      if (!direct.every((check) => check(resource))) continue
      if (folded.length && !this.matchesFolded(resource, folded)) continue
      if (generic.length && !matchesSearchRequest(resource, matcher)) continue
      hits.push(resource)
    }
    const ids = this.sort(hits, request.sortRules ?? []).map((r) => r.id as string)

    if (!cacheable) return ids
    this.cache.set(key, { generation: this.store.generation, ids })
    if (this.cache.size > 32) this.cache.delete(this.cache.keys().next().value as string)
    return ids
  }

  private *candidates(type: string, named: string[] | undefined, scope: SearchScope | undefined): Iterable<Resource> {
    const patients = named ?? (scope?.patients && isPatientCompartmentType(type) ? scope.patients : undefined)
    if (!patients) {
      yield* this.store.all(type)
      return
    }
    const seen = new Set<string>()
    for (const patientId of patients) {
      for (const id of this.store.idsOfPatient(patientId, type)) {
        if (seen.has(id)) continue
        seen.add(id)
        const resource = this.store.get(type, id)
        if (resource) yield resource
      }
    }
  }

  private matchesFolded(resource: Resource, filters: Filter[]): boolean {
    const names = this.store.foldedNames(resource.resourceType, resource.id as string)
    if (!names) return false
    return filters.every((f) => matchesFoldedName(names, f.code, f.value, f.operator === Operator.CONTAINS))
  }

  private sort(hits: Resource[], rules: SortRule[]): Resource[] {
    const decorated = hits.map((resource) => ({
      resource,
      keys: rules.map((rule) => sortValue(resource, rule)),
      sequence: this.store.sequenceOf(resource.resourceType, resource.id as string),
    }))
    decorated.sort((a, b) => {
      for (let i = 0; i < rules.length; i++) {
        const order = compareValues(a.keys[i], b.keys[i])
        if (order !== 0) return (rules[i] as SortRule).descending ? -order : order
      }
      return a.sequence - b.sequence
    })
    return decorated.map((d) => d.resource)
  }

  private includes(
    request: SearchRequest,
    matches: Resource[],
    scope: SearchScope | undefined,
  ): { included: Resource[]; truncated: boolean } {
    const included: Resource[] = []
    const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`))
    let truncated = false
    const add = (resource: Resource | undefined): void => {
      if (!resource || (scope && !scope.visible(resource))) return
      const reference = `${resource.resourceType}/${resource.id}`
      if (seen.has(reference)) return
      if (included.length >= MAX_INCLUDED) {
        truncated = true
        return
      }
      seen.add(reference)
      included.push(resource)
    }
    for (const target of request.include ?? []) this.forwardInclude(target, matches, add)
    for (const target of request.revInclude ?? []) this.reverseInclude(target, matches, add)
    return { included, truncated }
  }

  private forwardInclude(target: IncludeTarget, matches: Resource[], add: (r: Resource | undefined) => void): void {
    for (const resource of matches) {
      if (resource.resourceType !== target.resourceType) continue
      for (const reference of referencesOf(resource, target.searchParam)) {
        const [refType, refId] = reference.split('/')
        if (!refType || !refId || (target.targetType && refType !== target.targetType)) continue
        add(this.store.get(refType, refId))
      }
    }
  }

  private reverseInclude(target: IncludeTarget, matches: Resource[], add: (r: Resource | undefined) => void): void {
    const wanted = new Set(matches.map((r) => `${r.resourceType}/${r.id}`))
    const allPatients = matches.length > 0 && matches.every((r) => r.resourceType === 'Patient')
    const candidates: Iterable<Resource> =
      allPatients && isPatientCompartmentType(target.resourceType)
        ? this.patientResources(matches.map((r) => r.id as string), target.resourceType)
        : this.store.all(target.resourceType)
    for (const candidate of candidates) {
      if (referencesOf(candidate, target.searchParam).some((reference) => wanted.has(reference))) add(candidate)
    }
  }

  private *patientResources(patientIds: string[], type: string): Iterable<Resource> {
    for (const patientId of patientIds) {
      for (const id of this.store.idsOfPatient(patientId, type)) {
        const resource = this.store.get(type, id)
        if (resource) yield resource
      }
    }
  }
}

/** `Type/id` strings a reference search parameter holds on a resource. */
function referencesOf(resource: Resource, code: string): string[] {
  const expression = expressionOf(resource.resourceType, code)
  if (!expression) return []
  const out: string[] = []
  for (const value of evalFhirPath(expression, resource)) {
    const reference = (value as { reference?: unknown } | null)?.reference
    if (typeof reference !== 'string') continue
    const match = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/.exec(reference)
    if (match?.[1]) out.push(match[1])
  }
  return out
}
