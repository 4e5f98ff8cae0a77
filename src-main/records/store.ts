import { randomUUID } from 'node:crypto'
import type { AllergyIntolerance, BundleEntry, Condition, MedicationRequest, Resource } from '@medplum/fhirtypes'
import {
  CreateAllergyParams,
  CreateProblemParams,
  ProblemKind,
  SetAllergyStatusParams,
  type AllergyRecord,
  type PatientRecords,
  type Problem,
  type Treatment,
  type WriteReceipt,
} from '../contract'
import type { Database } from '../store'
import { conceptLabel, firstCode, LOCAL_ID_PREFIX, WRITE_IDENTIFIER_SYSTEM } from '../store/cache/fhir'
import { enqueue } from '../store/cache/outbox'
import { writeProvenance } from '../store/cache/provenance'
import { readHealth } from '../store/cache/resources'
import { sql } from '../store/cache/statements'
import { CacheWriteError, putLocalCreate, queueCreates, updateLocal } from '../store/cache/writes'
import { cim10 } from './cim10'
import {
  ALLERGY_CLINICAL,
  ALLERGY_VERIFICATION,
  allergyResource,
  CONDITION_CLINICAL,
  conditionResource,
  HYPERCAPNIA,
  HYPERCAPNIA_TEXT,
  NEWS2_SYSTEM,
  provenanceIfNoneExist,
  provenanceOf,
  RECORD_KIND_SYSTEM,
  SPO2_SCALE_2,
  type RecordAuthor,
} from './fhir'

const INACTIVE: ReadonlySet<string> = new Set(['inactive', 'resolved', 'remission'])
const NOT_TRUE: ReadonlySet<string> = new Set(['entered-in-error', 'refuted'])
const LIMIT = 300

interface Options {
  now?: Date
  idempotencyKey?: string
}

/** A create and its Provenance, queued as ONE transaction (both conditional, so a replay creates neither twice). */
function createWithProvenance(
  db: Database,
  write: { kind: string; patientId: string; resourceType: 'Condition' | 'AllergyIntolerance'; author: RecordAuthor },
  build: (context: { encounterId: string | null; writeId: string; recordedAt: string }) => Resource,
  options: Options,
): WriteReceipt {
  const recordedAt = (options.now ?? new Date()).toISOString()
  const key = options.idempotencyKey ?? randomUUID()
  const writeId = `${key}-${write.resourceType === 'Condition' ? 'cond' : 'alg'}`
  return queueCreates(db, { key, kind: write.kind, patientId: write.patientId, now: recordedAt }, (encounterId) => {
    const resource = build({ encounterId, writeId, recordedAt })
    putLocalCreate(db, resource, writeId, recordedAt)
    const url = `urn:uuid:${randomUUID()}`
    return [
      {
        fullUrl: url,
        resource,
        request: { method: 'POST', url: write.resourceType, ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}` },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: provenanceOf(url, recordedAt, write.author, 'CREATE'),
        request: { method: 'POST', url: 'Provenance', ifNoneExist: provenanceIfNoneExist(write.author, recordedAt) },
      },
    ] satisfies BundleEntry[]
  })
}

export function recordProblem(db: Database, input: CreateProblemParams, author: RecordAuthor, options: Options = {}): WriteReceipt {
  const params = CreateProblemParams.parse(input)
  const code = params.code ? cim10().byCode(params.code) : null
  if (params.code && !code) throw new CacheWriteError('INVALID', `${params.code} is not in the bundled CIM-10 list`)
  return createWithProvenance(
    db,
    { kind: 'records.problems.create', patientId: params.patientId, resourceType: 'Condition', author },
    ({ encounterId, writeId, recordedAt }) =>
      conditionResource({
        patientId: params.patientId,
        encounterId,
        kind: params.kind,
        code,
        text: params.text ?? code?.label ?? '',
        clinicalStatus: params.clinicalStatus,
        ...(params.onset ? { onset: params.onset } : {}),
        ...(params.note ? { note: params.note } : {}),
        recordedAt,
        author,
        writeId,
      }),
    options,
  )
}

export function recordAllergy(db: Database, input: CreateAllergyParams, author: RecordAuthor, options: Options = {}): WriteReceipt {
  const params = CreateAllergyParams.parse(input)
  return createWithProvenance(
    db,
    { kind: 'records.allergies.create', patientId: params.patientId, resourceType: 'AllergyIntolerance', author },
    ({ encounterId, writeId, recordedAt }) =>
      allergyResource({
        patientId: params.patientId,
        encounterId,
        substance: params.substance,
        fromFormulary: params.fromFormulary,
        type: params.type,
        ...(params.category ? { category: params.category } : {}),
        ...(params.manifestation ? { manifestation: params.manifestation } : {}),
        ...(params.severity ? { severity: params.severity } : {}),
        ...(params.criticality ? { criticality: params.criticality } : {}),
        clinicalStatus: params.clinicalStatus,
        verificationStatus: params.verificationStatus,
        ...(params.note ? { note: params.note } : {}),
        recordedAt,
        author,
        writeId,
      }),
    options,
  )
}

/**
 * A change to a resource the central already has: a versioned update, then its Provenance (a separate outbox
 * entry, sent after the update in outbox order). A record still waiting in the outbox is refused (CONFLICT at the
 * handler): its status is changed once the central has it.
 */
function updateWithProvenance<T extends Condition | AllergyIntolerance>(
  db: Database,
  resource: T & { id: string },
  author: RecordAuthor,
  kind: string,
  patientId: string,
  options: Options,
): WriteReceipt {
  const now = (options.now ?? new Date()).toISOString()
  return db.transaction(() => {
    const receipt = updateLocal(db, resource, { kind, now: options.now ?? new Date(now), ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) })
    // Its outbox key is its write tag: the replay sends it as a conditional create, so a retry after a lost answer
    // makes no second Provenance.
    const provenanceKey = `${receipt.writeId}-prov-${randomUUID()}`
    enqueue(
      db,
      {
        idempotencyKey: provenanceKey,
        kind: `${kind}.provenance`,
        method: 'POST',
        resourceType: 'Provenance',
        patientId,
        body: writeProvenance({ targets: [`${resource.resourceType}/${resource.id}`], recorded: now, author, activity: 'UPDATE', writeId: provenanceKey }),
      },
      now,
    )
    return receipt
  })()
}

export class PendingRecordError extends Error {
  constructor() {
    super('record not yet at the central')
    this.name = 'PendingRecordError'
  }
}

export function setAllergyStatus(db: Database, input: SetAllergyStatusParams, author: RecordAuthor, options: Options = {}): WriteReceipt {
  const params = SetAllergyStatusParams.parse(input)
  const cached = readHealth<AllergyIntolerance>(db, 'AllergyIntolerance', params.allergyId)
  if (!cached || cached.patientId !== params.patientId) throw new CacheWriteError('NOT_FOUND', 'no such allergy for this patient')
  if (params.allergyId.startsWith(LOCAL_ID_PREFIX)) throw new PendingRecordError()
  const next: AllergyIntolerance & { id: string } = { ...cached.resource, id: params.allergyId }
  if (params.clinicalStatus) next.clinicalStatus = { coding: [{ system: ALLERGY_CLINICAL, code: params.clinicalStatus }] }
  if (params.verificationStatus) {
    next.verificationStatus = { coding: [{ system: ALLERGY_VERIFICATION, code: params.verificationStatus }] }
    // FHIR (ait-1, ait-2): a clinical status always, except for an entry made in error.
    if (params.verificationStatus === 'entered-in-error') delete next.clinicalStatus
    else next.clinicalStatus ??= { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] }
  }
  return updateWithProvenance(db, next, author, 'records.allergies.setStatus', params.patientId, options)
}

function rows<T>(db: Database, patientId: string, type: string): { resource: T; pending: boolean }[] {
  return (
    sql(
      db,
      `SELECT json, pending FROM health_resource WHERE patient_id = ? AND resource_type = ?
       ORDER BY effective_at DESC LIMIT ?`,
    ).all(patientId, type, LIMIT) as { json: string; pending: number }[]
  ).map((row) => ({ resource: JSON.parse(row.json) as T, pending: row.pending === 1 }))
}

const hasCode = (resource: { category?: { coding?: { system?: string; code?: string }[] }[] }, system: string, code?: string): string | null => {
  for (const concept of resource.category ?? []) {
    for (const coding of concept.coding ?? []) if (coding.system === system && (!code || coding.code === code)) return coding.code ?? null
  }
  return null
}

const isScale2 = (c: Condition): boolean => hasCode(c, NEWS2_SYSTEM, SPO2_SCALE_2) !== null

function problemKind(c: Condition): ProblemKind {
  const kind = ProblemKind.safeParse(hasCode(c, RECORD_KIND_SYSTEM))
  if (kind.success) return kind.data
  return hasCode(c, 'http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis') ? 'diagnostic' : 'probleme'
}

function toProblem(c: Condition, pending: boolean): Problem {
  const code = c.code?.coding?.find((coding) => coding.code)?.code ?? null
  return {
    id: c.id as string,
    kind: problemKind(c),
    code,
    label: conceptLabel(c.code) ?? '',
    clinicalStatus: firstCode(c.clinicalStatus),
    onset: c.onsetDateTime ?? null,
    note: c.note?.map((n) => n.text).join('\n') || null,
    recordedAt: c.recordedDate ?? null,
    spo2Scale2: isScale2(c),
    pending,
  }
}

function toAllergy(a: AllergyIntolerance, pending: boolean): AllergyRecord {
  const reaction = a.reaction?.[0]
  return {
    id: a.id as string,
    substance: conceptLabel(a.code) ?? '',
    type: a.type ?? null,
    category: a.category?.[0] ?? null,
    manifestation: reaction?.manifestation?.[0] ? conceptLabel(reaction.manifestation[0]) : null,
    severity: reaction?.severity ?? null,
    criticality: a.criticality ?? null,
    clinicalStatus: firstCode(a.clinicalStatus),
    verificationStatus: firstCode(a.verificationStatus),
    recordedAt: a.recordedDate ?? null,
    pending,
  }
}

const ACTIVE_MEDICATION: ReadonlySet<string> = new Set(['active', 'on-hold'])

function treatments(db: Database, patientId: string): Treatment[] {
  return rows<MedicationRequest>(db, patientId, 'MedicationRequest')
    .filter(({ resource }) => ACTIVE_MEDICATION.has(resource.status))
    .map(({ resource }) => ({
      id: resource.id as string,
      label: conceptLabel(resource.medicationCodeableConcept) ?? resource.medicationReference?.display ?? '',
      dosage: resource.dosageInstruction?.[0]?.text ?? null,
      authoredOn: resource.authoredOn ?? null,
    }))
}

const activeFirst = (a: Problem, b: Problem): number => {
  const rank = (p: Problem) => (p.clinicalStatus && INACTIVE.has(p.clinicalStatus) ? 1 : 0)
  return rank(a) - rank(b) || (b.recordedAt ?? '').localeCompare(a.recordedAt ?? '')
}

function trueConditions(db: Database, patientId: string): { resource: Condition; pending: boolean }[] {
  return rows<Condition>(db, patientId, 'Condition').filter(({ resource }) => !NOT_TRUE.has(firstCode(resource.verificationStatus) ?? ''))
}

/** SpO2 scale 2 while the patient has an active Condition carrying the SpO2-scale-2 category; 1 otherwise. */
export function spo2ScaleOf(db: Database, patientId: string): 1 | 2 {
  // The census asks for every patient: only the rows that can carry the category are parsed.
  const candidates = sql(
    db,
    `SELECT json FROM health_resource WHERE patient_id = ? AND resource_type = 'Condition' AND instr(json, ?) > 0`,
  )
    .pluck()
    .all(patientId, SPO2_SCALE_2) as string[]
  const active = candidates
    .map((json) => JSON.parse(json) as Condition)
    .some((c) => isScale2(c) && !INACTIVE.has(firstCode(c.clinicalStatus) ?? '') && !NOT_TRUE.has(firstCode(c.verificationStatus) ?? ''))
  return active ? 2 : 1
}

export function patientRecords(db: Database, patientId: string): PatientRecords {
  const conditions = trueConditions(db, patientId)
  return {
    problems: conditions.map(({ resource, pending }) => toProblem(resource, pending)).sort(activeFirst),
    allergies: rows<AllergyIntolerance>(db, patientId, 'AllergyIntolerance').map(({ resource, pending }) => toAllergy(resource, pending)),
    treatments: treatments(db, patientId),
    spo2Scale: spo2ScaleOf(db, patientId),
  }
}

/**
 * Scale 2: a new active J96.1 Condition with the SpO2-scale-2 category (unless one is active already). Scale 1:
 * every such active Condition becomes inactive (versioned updates). Returns the write made, if any.
 */
export function setSpo2Scale(
  db: Database,
  params: { patientId: string; scale: 1 | 2 },
  author: RecordAuthor,
  options: Options = {},
): WriteReceipt | null {
  const current = trueConditions(db, params.patientId).filter(
    ({ resource }) => isScale2(resource) && !INACTIVE.has(firstCode(resource.clinicalStatus) ?? ''),
  )
  if (params.scale === 2) {
    if (current.length > 0) return null
    return createWithProvenance(
      db,
      { kind: 'records.spo2Scale.set', patientId: params.patientId, resourceType: 'Condition', author },
      ({ encounterId, writeId, recordedAt }) =>
        conditionResource({
          patientId: params.patientId,
          encounterId,
          kind: 'probleme',
          code: HYPERCAPNIA,
          text: HYPERCAPNIA_TEXT,
          clinicalStatus: 'active',
          recordedAt,
          author,
          writeId,
          spo2Scale2: true,
        }),
      options,
    )
  }
  let last: WriteReceipt | null = null
  for (const { resource } of current) {
    if (!resource.id || resource.id.startsWith(LOCAL_ID_PREFIX)) throw new PendingRecordError()
    const next: Condition & { id: string } = {
      ...resource,
      id: resource.id,
      clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'inactive' }] },
    }
    last = updateWithProvenance(db, next, author, 'records.spo2Scale.set', params.patientId, options)
  }
  return last
}
