import { z } from 'zod'
import { ResourceId, WriteReceipt } from './clinical'
import { method } from './method'

const IsoDateTime = z.string().datetime({ offset: true })

/** One check-off of a care task: who did it, when, and which scheduled slot it was for. */
export const CareCheck = z.object({
  slot: z.string(),
  doneAt: z.string(),
  authorName: z.string().nullable(),
  /** Still in the outbox: the central does not have it yet. */
  pending: z.boolean(),
})
export type CareCheck = z.infer<typeof CareCheck>

/**
 * One scheduled task of the plan de soins (a CarePlan activity). Its due / overdue state is computed by the clock
 * with careDue() (src-main/clinical/care-schedule.ts) from `schedule` and `checks`.
 */
export const CareTask = z.object({
  carePlanId: z.string(),
  activityId: z.string(),
  label: z.string(),
  /** Free-text precision of the prescription (site of the dressing, target…). */
  detail: z.string().nullable(),
  schedule: z.object({ anchor: z.string(), intervalMs: z.number().positive(), end: z.string().nullable() }),
  /** The FHIR repeat, for display ("toutes les 4 h", "3 fois par jour"). */
  repeat: z.object({ frequency: z.number(), period: z.number(), periodUnit: z.string() }),
  /** Newest first (the latest few). */
  checks: z.array(CareCheck),
})
export type CareTask = z.infer<typeof CareTask>

export const CheckCareTaskParams = z
  .object({
    patientId: ResourceId,
    carePlanId: ResourceId,
    activityId: z.string().min(1).max(64).regex(/^[A-Za-z0-9\-.]+$/),
    /** The scheduled slot checked off (as careDue() gave it). */
    slot: IsoDateTime,
  })
  .strict()
export type CheckCareTaskParams = z.infer<typeof CheckCareTaskParams>

export const carePlanMethods = {
  'carePlan.list': method({
    params: z.object({ patientId: ResourceId }).strict(),
    result: z.object({ tasks: z.array(CareTask) }),
    access: 'session',
  }),
  /** Checks off one slot of a care task, signed by the user (Procedure + Provenance through the outbox). */
  'carePlan.check': method({ params: CheckCareTaskParams, result: WriteReceipt, access: 'session' }),
} as const
