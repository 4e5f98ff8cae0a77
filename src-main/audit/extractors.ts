import type { z } from 'zod'
import type { Chart, MethodName, Methods, PatientSummary, ResultOf } from '../contract'
import { LOCAL_ID_PREFIX } from '../store/cache/fhir'
import { PRESCRIBING_EXTRACTORS } from '../prescribing/extractors'
import { LETTER_EXTRACTORS } from '../letters/extractors'
import { LETTER_QUEUE_EXTRACTORS } from '../letters/queue-extractors'

export type JournalAction = 'read' | 'create' | 'update'

/** One resource a call returned or changed: what the journal records of it (names of elements, never values). */
export interface Touch {
  patientId: string | null
  /** `Type/id`; `Type` alone for a chart section whose items carry no id in the contract (allergies, vitals). */
  entity: string | null
  elements: string[]
  /** Items of a section entry. */
  count?: number
  /** Anything else worth keeping, without patient data (a task's resolution choice). */
  extra?: Record<string, string>
}

/** A resource a write created, as its outbox entry holds it. */
export interface WrittenResource {
  resourceType: string
  /** Its write identifier (`urn:chevet:write|<value>`); the cache's local id is `local-<value>`. */
  writeId: string | null
  /** Codes of what it records (code, components, type, sections): names of elements, not values. */
  codes: string[]
}

/** What the extractor may look up beyond params and result (a task's resource; what a write created). */
export interface ExtractContext {
  conflictTask(taskId: string): { resourceType: string; resourceId: string; patientId: string | null } | null
  written(writeId: string): WrittenResource[]
}

type Params<M extends MethodName> = z.output<Methods[M]['params']>

export interface Extractor<M extends MethodName> {
  readonly action: JournalAction
  /** The patient a refused call was about, when its params say. */
  patientOf(params: Params<M>): string | null
  /** The resources of a successful call, one entry each. */
  touched(params: Params<M>, result: ResultOf<M>, context: ExtractContext): Touch[]
}

/** The element names that carry a value (nulls were not returned). */
function present(object: object, skip: readonly string[] = []): string[] {
  return Object.entries(object)
    .filter(([key, value]) => value !== null && value !== undefined && !skip.includes(key))
    .map(([key]) => key)
    .sort()
}

function patientTouch(patient: PatientSummary, more: string[] = []): Touch {
  return { patientId: patient.id, entity: `Patient/${patient.id}`, elements: [...present(patient, ['id']), ...more] }
}

function section(patientId: string, entity: string, name: string, items: readonly object[]): Touch[] {
  if (items.length === 0) return []
  const elements = [...new Set(items.flatMap((item) => present(item, ['pending'])))].sort()
  return [{ patientId, entity, elements, count: items.length, extra: { section: name } }]
}

function chartTouches(chart: Chart): Touch[] {
  const id = chart.patient.id
  return [
    patientTouch(chart.patient),
    ...section(id, 'AllergyIntolerance', 'allergies', chart.allergies),
    ...section(id, 'Condition', 'conditions', chart.conditions),
    ...section(id, 'Observation', 'vitals', chart.vitals),
    ...chart.results.map((result) => ({
      patientId: id,
      entity: `Observation/${result.id}`,
      elements: present(result, ['id']),
      extra: { section: 'results' },
    })),
  ]
}

/**
 * A write's resources, read back from its outbox entry (the transaction Bundle the store queued with the local
 * change), so that whatever a write method creates is journaled without this file knowing its parts.
 */
function writeTouches(patientId: string, receipt: { writeId: string }, context: ExtractContext): Touch[] {
  const written = context.written(receipt.writeId)
  if (written.length === 0) return [{ patientId, entity: null, elements: [], extra: { writeId: receipt.writeId } }]
  return written.map((resource) => ({
    patientId,
    entity: resource.writeId ? `${resource.resourceType}/${LOCAL_ID_PREFIX}${resource.writeId}` : resource.resourceType,
    elements: resource.codes,
    extra: { writeId: receipt.writeId },
  }))
}

/** A write for one patient (params.patientId) that queued its resources in an outbox entry. */
const patientWrite = {
  action: 'create',
  patientOf: (params: { patientId: string }) => params.patientId,
  touched: (params: { patientId: string }, result: { writeId: string }, context: ExtractContext) =>
    writeTouches(params.patientId, result, context),
} as const

/**
 * One extractor per method that returns or changes patient data (the methods src-main/access/methods.ts does not
 * classify 'none'; a unit test checks both lists agree). Optional keys, so that methods touching no patient data
 * need no entry here.
 */
export const EXTRACTORS: { readonly [M in MethodName]?: Extractor<M> } = {
  ...PRESCRIBING_EXTRACTORS,
  ...LETTER_EXTRACTORS,
  ...LETTER_QUEUE_EXTRACTORS,
  'census.list': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) =>
      result.entries.map((entry) => patientTouch(entry.patient, entry.lastVitals ? ['lastVitals'] : [])),
  },
  'patients.search': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) => result.results.map((patient) => patientTouch(patient)),
  },
  'chart.open': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (_params, result) => chartTouches(result),
  },
  'vitals.record': patientWrite,
  'notes.list': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) =>
      result.notes.map((note) => ({
        patientId: params.patientId,
        entity: `Composition/${note.id}`,
        elements: present(note, ['id', 'pending']),
      })),
  },
  'notes.create': patientWrite,
  'results.list': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) => [
      ...result.panels.map((panel) => ({
        patientId: params.patientId,
        entity: `DiagnosticReport/${panel.id}`,
        elements: ['results', ...present(panel, ['id', 'results'])],
        count: panel.results.length,
      })),
      ...section(params.patientId, 'Observation', 'ungrouped', result.ungrouped),
      ...result.reports.map((report) => ({ patientId: params.patientId, entity: `DiagnosticReport/${report.id}`, elements: present(report, ['id']) })),
    ],
  },
  'results.trend': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) => section(params.patientId, 'Observation', `trend:${params.code}`, result.points),
  },
  'carePlan.list': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) =>
      [...new Set(result.tasks.map((task) => task.carePlanId))].map((id) => ({
        patientId: params.patientId,
        entity: `CarePlan/${id}`,
        elements: ['activity'],
        count: result.tasks.filter((task) => task.carePlanId === id).length,
      })),
  },
  'carePlan.check': patientWrite,
  'records.list': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) => [
      ...result.problems.map((problem) => ({ patientId: params.patientId, entity: `Condition/${problem.id}`, elements: present(problem, ['id', 'pending']) })),
      ...result.allergies.map((allergy) => ({ patientId: params.patientId, entity: `AllergyIntolerance/${allergy.id}`, elements: present(allergy, ['id', 'pending']) })),
      ...result.treatments.map((treatment) => ({ patientId: params.patientId, entity: `MedicationRequest/${treatment.id}`, elements: present(treatment, ['id']) })),
    ],
  },
  'records.problems.create': patientWrite,
  'records.allergies.create': patientWrite,
  'records.allergies.setStatus': {
    action: 'update',
    patientOf: (params) => params.patientId,
    touched: (params) => [
      {
        patientId: params.patientId,
        entity: `AllergyIntolerance/${params.allergyId}`,
        elements: [...(params.clinicalStatus ? ['clinicalStatus'] : []), ...(params.verificationStatus ? ['verificationStatus'] : [])],
      },
    ],
  },
  'records.spo2Scale.set': {
    action: 'update',
    patientOf: (params) => params.patientId,
    touched: (params, result) => [
      { patientId: params.patientId, entity: 'Condition', elements: ['clinicalStatus', 'category'], extra: { spo2Scale: String(result.spo2Scale) } },
    ],
  },
  'records.documents.list': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) =>
      result.documents.map((document) => ({ patientId: params.patientId, entity: `DocumentReference/${document.id}`, elements: present(document, ['id']) })),
  },
  'tasks.list': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) =>
      result.tasks.map((task) => ({
        patientId: task.patientId,
        entity: `${task.resourceType}/${task.resourceId}`,
        elements: ['conflict'],
      })),
  },
  'btg.begin': {
    action: 'read',
    patientOf: (params) => params.patientId,
    // The grant itself: its reason travels to the central in the exported AuditEvent (export.ts, btg-grant).
    touched: (params, result) => [
      {
        patientId: params.patientId,
        entity: `Patient/${params.patientId}`,
        elements: ['btg'],
        extra: { btgGrant: 'true', reason: result.reason, justification: result.justification, expires: result.expiresAt, granted: result.grantedAt },
      },
    ],
  },
  'btg.status': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) =>
      result.grant || result.sensitivity.length > 0
        ? [{ patientId: params.patientId, entity: `Patient/${params.patientId}`, elements: [...(result.grant ? ['btg'] : []), ...(result.sensitivity.length ? ['sensitivity'] : [])] }]
        : [],
  },
  'tasks.resolve': {
    action: 'update',
    patientOf: () => null,
    touched: (params, _result, context) => {
      const task = context.conflictTask(params.taskId)
      return [
        {
          patientId: task?.patientId ?? null,
          entity: task ? `${task.resourceType}/${task.resourceId}` : null,
          elements: ['conflict'],
          extra: { choice: params.choice },
        },
      ]
    },
  },
  // The access review reads the journal, not the charts: one entry per patient it names, plus what was exported.
  'review.search': {
    action: 'read',
    patientOf: (params) => params.filters.patientId ?? null,
    touched: (_params, result) =>
      [...new Set([...result.accesses.flatMap((a) => a.patientIds), ...result.btg.flatMap((b) => (b.patientId ? [b.patientId] : []))])].map(
        (patientId) => ({ patientId, entity: `Patient/${patientId}`, elements: ['journal'] }),
      ),
  },
  'review.submitBtg': {
    action: 'create',
    patientOf: () => null,
    touched: (_params, result) => [{ patientId: null, entity: `AuditEvent/${result.reviewId}`, elements: ['comment', 'verdict'] }],
  },
  'review.exportCsv': {
    action: 'read',
    patientOf: (params) => params.filters.patientId ?? null,
    touched: (params, result) => [{ patientId: params.filters.patientId ?? null, entity: 'AuditEvent', elements: ['csv'], count: result.rows }],
  },
  'review.patientHistory': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) => [{ patientId: params.patientId, entity: 'AuditEvent', elements: ['history'], count: result.entries.length }],
  },
}

export function extractorFor<M extends MethodName>(method: M): Extractor<M> | undefined {
  return EXTRACTORS[method] as Extractor<M> | undefined
}
