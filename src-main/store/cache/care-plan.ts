import { randomUUID } from 'node:crypto'
import type { CarePlan, CarePlanActivity, Procedure, Provenance } from '@medplum/fhirtypes'
import { careDue, repeatIntervalMs } from '../../clinical/care-schedule'
import { CheckCareTaskParams, type CareCheck, type CareTask, type Role, type WriteReceipt } from '../../contract'
import type { Database } from '../migration'
import { conceptLabel, referencedId, WRITE_IDENTIFIER_SYSTEM } from './fhir'
import { readHealth } from './resources'
import { sql } from './statements'
import { CacheWriteError, putLocalCreate, queueCreates } from './writes'

/*
 * FHIR mapping of the plan de soins. The prescribed plan is a `CarePlan` (status active, intent order) whose
 * `activity[].detail` each hold one task: its code and text, and `scheduledTiming.repeat` (frequency per period from
 * `boundsPeriod.start`). An activity is named by its element `id`, stable across versions of the plan.
 * A check-off is an append-only `Procedure` (status completed, `basedOn` the CarePlan, the activity and the slot in
 * two extensions, performer = the signed-in professional) sent with its `Provenance` in one transaction Bundle:
 * two nurses checking off at the same time create two Procedures, never a version conflict on the CarePlan, which
 * only the prescriber changes.
 */
export const CARE_ACTIVITY_EXTENSION = 'urn:chevet:care-activity'
export const CARE_SLOT_EXTENSION = 'urn:chevet:care-slot'
const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type'
const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation'
/** Check-offs kept per task in the list (the newest). */
const CHECKS_SHOWN = 5
const PROCEDURE_LIMIT = 2000

export interface CareAuthor {
  practitionerId: string
  displayName: string
  role?: Role
  /** The senior an interne checks off for (Provenance `agent.onBehalfOf`). */
  onBehalfOf?: string | null
}

function taskOf(plan: CarePlan & { id: string }, activity: CarePlanActivity): Omit<CareTask, 'checks'> | null {
  const detail = activity.detail
  const repeat = detail?.scheduledTiming?.repeat
  const intervalMs = repeatIntervalMs(repeat)
  const anchor = repeat?.boundsPeriod?.start ?? plan.period?.start
  if (!activity.id || !detail || !repeat || !intervalMs || !anchor) return null
  if (detail.status === 'cancelled' || detail.status === 'stopped' || detail.status === 'completed' || detail.status === 'entered-in-error') return null
  return {
    carePlanId: plan.id,
    activityId: activity.id,
    label: conceptLabel(detail.code) ?? detail.description ?? '',
    detail: detail.code && detail.description ? detail.description : null,
    schedule: { anchor, intervalMs, end: repeat.boundsPeriod?.end ?? plan.period?.end ?? null },
    repeat: { frequency: repeat.frequency ?? 1, period: repeat.period ?? 1, periodUnit: repeat.periodUnit ?? 'h' },
  }
}

const extension = (p: Procedure, url: string): string | undefined => {
  const e = p.extension?.find((x) => x.url === url)
  return e?.valueString ?? e?.valueDateTime
}

/** The active care tasks of a patient with their newest check-offs. */
export function listCareTasks(db: Database, patientId: string): CareTask[] {
  const plans = (
    sql(db, `SELECT json FROM health_resource WHERE patient_id = ? AND resource_type = 'CarePlan'`).pluck().all(patientId) as string[]
  )
    .map((json) => JSON.parse(json) as CarePlan & { id: string })
    .filter((p) => p.status === 'active')
  if (plans.length === 0) return []
  const checks = new Map<string, CareCheck[]>()
  const procedures = sql(
    db,
    `SELECT json, pending FROM health_resource WHERE patient_id = ? AND resource_type = 'Procedure' ORDER BY fetched_at DESC LIMIT ?`,
  ).all(patientId, PROCEDURE_LIMIT) as { json: string; pending: number }[]
  for (const row of procedures) {
    const p = JSON.parse(row.json) as Procedure
    if (p.status !== 'completed') continue
    const planId = (p.basedOn ?? []).map((r) => referencedId(r, 'CarePlan')).find((id) => id)
    const activityId = extension(p, CARE_ACTIVITY_EXTENSION)
    const slot = extension(p, CARE_SLOT_EXTENSION)
    if (!planId || !activityId || !slot || !p.performedDateTime) continue
    const key = `${planId}/${activityId}`
    const list = checks.get(key) ?? []
    list.push({ slot, doneAt: p.performedDateTime, authorName: p.performer?.[0]?.actor?.display ?? null, pending: row.pending === 1 })
    checks.set(key, list)
  }
  const out: CareTask[] = []
  for (const plan of plans) {
    for (const activity of plan.activity ?? []) {
      const task = taskOf(plan, activity)
      if (!task) continue
      const done = (checks.get(`${plan.id}/${task.activityId}`) ?? []).sort((a, b) => b.doneAt.localeCompare(a.doneAt))
      out.push({ ...task, checks: done.slice(0, CHECKS_SHOWN) })
    }
  }
  return out
}

/** How many of a patient's care tasks are due, and overdue, at `now` (the census column; careDue's rule). */
export function careDueCounts(db: Database, patientId: string, now: Date): { due: number; overdue: number } {
  const counts = { due: 0, overdue: 0 }
  for (const task of listCareTasks(db, patientId)) {
    const { state } = careDue(task.schedule, task.checks.map((check) => check.slot), now)
    if (state === 'due') counts.due++
    else if (state === 'overdue') counts.overdue++
  }
  return counts
}

/** The Procedure and its Provenance of one check-off (without ids; the Provenance targets `procedureUrl`). */
export function checkOffResources(
  params: CheckCareTaskParams,
  key: string,
  context: { plan: CarePlan; activity: CarePlanActivity; encounterId: string | null; doneAt: string; author: CareAuthor; procedureUrl: string },
): { procedure: Procedure; provenance: Provenance } {
  const { author, doneAt, activity } = context
  const who = { reference: `Practitioner/${author.practitionerId}`, display: author.displayName }
  const procedure: Procedure = {
    resourceType: 'Procedure',
    identifier: [{ system: WRITE_IDENTIFIER_SYSTEM, value: `${key}-care` }],
    extension: [
      { url: CARE_ACTIVITY_EXTENSION, valueString: params.activityId },
      { url: CARE_SLOT_EXTENSION, valueDateTime: new Date(params.slot).toISOString() },
    ],
    basedOn: [{ reference: `CarePlan/${params.carePlanId}` }],
    status: 'completed',
    code: activity.detail?.code ?? { text: activity.detail?.description ?? '' },
    subject: { reference: `Patient/${params.patientId}` },
    ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
    performedDateTime: doneAt,
    performer: [{ actor: who }],
  }
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: context.procedureUrl }],
    recorded: doneAt,
    activity: { coding: [{ system: DATA_OPERATION, code: 'CREATE', display: 'create' }] },
    agent: [
      {
        type: { coding: [{ system: PROVENANCE_PARTICIPANT, code: 'performer', display: 'Performer' }] },
        who,
        ...(author.onBehalfOf && author.role === 'interne' ? { onBehalfOf: { reference: `Practitioner/${author.onBehalfOf}` } } : {}),
      },
    ],
  }
  return { procedure, provenance }
}

/**
 * Checks off one slot of a care task: the Procedure is stored pending and ONE outbox entry (Procedure + Provenance,
 * both conditional creates) is queued in the same SQLite transaction, like a note (cache/notes.ts).
 * NOT_FOUND for a plan or activity the cache does not hold for this patient.
 */
export function checkCareTask(
  db: Database,
  input: CheckCareTaskParams,
  author: CareAuthor,
  options: { now?: Date; idempotencyKey?: string } = {},
): WriteReceipt {
  const params = CheckCareTaskParams.parse(input)
  const cached = readHealth<CarePlan>(db, 'CarePlan', params.carePlanId)
  const plan = cached?.resource
  if (!plan || cached.patientId !== params.patientId || plan.status !== 'active') {
    throw new CacheWriteError('NOT_FOUND', `CarePlan/${params.carePlanId} is not an active plan of this patient`)
  }
  const activity = plan.activity?.find((a) => a.id === params.activityId)
  if (!activity) throw new CacheWriteError('NOT_FOUND', `activity ${params.activityId} is not in CarePlan/${params.carePlanId}`)
  const doneAt = (options.now ?? new Date()).toISOString()
  const key = options.idempotencyKey ?? randomUUID()
  return queueCreates(db, { key, kind: 'carePlan.check', patientId: params.patientId, now: doneAt }, (encounterId) => {
    const procedureUrl = `urn:uuid:${randomUUID()}`
    const { procedure, provenance } = checkOffResources(params, key, { plan, activity, encounterId, doneAt, author, procedureUrl })
    const writeId = `${key}-care`
    putLocalCreate(db, procedure, writeId, doneAt)
    return [
      {
        fullUrl: procedureUrl,
        resource: procedure,
        request: { method: 'POST', url: 'Procedure', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}` },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: provenance,
        request: {
          method: 'POST',
          url: 'Provenance',
          ifNoneExist: `agent=Practitioner/${author.practitionerId}&recorded=ge${doneAt}&recorded=le${doneAt}`,
        },
      },
    ]
  })
}

