import { z } from 'zod'
import { ResourceId } from './clinical'
import { method, NoParams } from './method'

/** Prescribing (issue 8): orders in DC from the formulary, safety checks, pharmacist validation, the report. */

export const FORM_CATEGORY_VALUES = [
  'oral-solid', 'oral-liquid', 'injectable', 'cutaneous', 'ophthalmic', 'inhaled', 'rectal', 'vaginal', 'nasal',
  'auricular', 'transdermal', 'other',
] as const
export const FormCategoryValue = z.enum(FORM_CATEGORY_VALUES)

export const PRESCRIPTION_LIMITS = { comment: 2_000, reason: 500, justification: 2_000, minJustification: 10 } as const

export const AlertCode = z.enum([
  'allergy',
  'galenic-child',
  'dose-per-intake',
  'dose-per-day',
  'dose-unit',
  'weight-missing',
  'mgkg-intake-high',
  'mgkg-intake-low',
  'mgkg-day-high',
  'mgkg-day-low',
  'duplicate',
])
export type AlertCode = z.infer<typeof AlertCode>

/** Where an alert's rule or data comes from (worded by the renderer: `prescribing.sources.<source>`). */
export const AlertSource = z.enum(['allergies', 'galenic-rule', 'formulary', 'patient-record', 'active-orders'])

export const PrescriptionAlert = z.object({
  code: AlertCode,
  severity: z.enum(['high', 'moderate']),
  /** A blocking alert is overridden only with a written justification. */
  blocking: z.boolean(),
  source: AlertSource,
  /** The figures and names of the explanation (`prescribing.alerts.<code>` interpolates them). */
  params: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Galenic alert: the oral liquid forms of the same DC. */
  suggestions: z.array(z.object({ form: z.string(), strengths: z.array(z.string()) })),
})
export type PrescriptionAlert = z.infer<typeof PrescriptionAlert>

export const Frequency = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('perDay'), times: z.number().int().min(1).max(24) }).strict(),
  z.object({ kind: z.literal('every'), hours: z.number().min(0.5).max(168) }).strict(),
])
export type Frequency = z.infer<typeof Frequency>

const Text = (max: number) => z.string().trim().min(1).max(max)

export const OrderInput = z
  .object({
    patientId: ResourceId,
    dc: Text(200),
    form: Text(200),
    strength: Text(100),
    dose: z.object({ value: z.number().positive().max(1_000_000), unit: z.enum(['mg', 'g', 'µg', 'UI', 'mmol', 'mL']) }).strict(),
    /** A route of the drug as the formulary names it (BDPM names: orale, intraveineuse…). */
    route: Text(100),
    frequency: Frequency,
    durationDays: z.number().int().min(1).max(365).optional(),
    /** "Si besoin": given only when needed, at most `maxIntakesPer24h` times a day. */
    asNeeded: z.boolean(),
    maxIntakesPer24h: z.number().int().min(1).max(24).optional(),
    /** ISO date-time; now by default. */
    start: z.string().datetime({ offset: true }).optional(),
    comment: z.string().trim().max(PRESCRIPTION_LIMITS.comment).optional(),
  })
  .strict()
  .refine((o) => !o.asNeeded || o.maxIntakesPer24h !== undefined, { message: 'si besoin: maximum par 24 h requis', path: ['maxIntakesPer24h'] })
export type OrderInput = z.infer<typeof OrderInput>

export const Justification = z.string().trim().min(PRESCRIPTION_LIMITS.minJustification).max(PRESCRIPTION_LIMITS.justification)

export const PrescribeParams = z
  .object({
    order: OrderInput,
    /** Required when a blocking alert remains: stored on the order and journaled. */
    justification: Justification.optional(),
  })
  .strict()
export type PrescribeParams = z.infer<typeof PrescribeParams>

export const ModifyParams = z
  .object({
    orderId: ResourceId,
    order: OrderInput,
    reason: Text(PRESCRIPTION_LIMITS.reason),
    justification: Justification.optional(),
  })
  .strict()
export type ModifyParams = z.infer<typeof ModifyParams>

export const PrescribeResult = z.discriminatedUnion('outcome', [
  /** Nothing written: blocking alerts without a justification. */
  z.object({ outcome: z.literal('blocked'), alerts: z.array(PrescriptionAlert) }),
  z.object({
    outcome: z.literal('recorded'),
    writeId: z.string(),
    state: z.enum(['queued', 'sent']),
    alerts: z.array(PrescriptionAlert),
  }),
])
export type PrescribeResult = z.infer<typeof PrescribeResult>

export const PharmacyStatus = z.enum(['a-valider', 'validee', 'refusee'])
export type PharmacyStatus = z.infer<typeof PharmacyStatus>

export const Order = z.object({
  id: z.string(),
  /** Still in the outbox: the central does not have it yet. */
  pending: z.boolean(),
  status: z.string(),
  label: z.string(),
  dc: z.string().nullable(),
  form: z.string().nullable(),
  formCategory: FormCategoryValue.nullable(),
  dose: z.object({ value: z.number(), unit: z.string() }).nullable(),
  route: z.string().nullable(),
  frequency: Frequency.nullable(),
  asNeeded: z.boolean(),
  maxIntakesPer24h: z.number().nullable(),
  durationDays: z.number().nullable(),
  start: z.string().nullable(),
  end: z.string().nullable(),
  instructions: z.string().nullable(),
  comment: z.string().nullable(),
  authoredOn: z.string().nullable(),
  prescriberName: z.string().nullable(),
  /** The order this one replaced (a modification), and the reason given. */
  replaces: z.string().nullable(),
  stopReason: z.string().nullable(),
  override: z.object({ justification: z.string(), alerts: z.array(z.string()) }).nullable(),
  /** An interne's order waiting for a senior (when the hospital requires it). */
  seniorValidation: z.enum(['required', 'done']).nullable(),
  pharmacy: z.object({
    status: PharmacyStatus,
    comment: z.string().nullable(),
    by: z.string().nullable(),
    at: z.string().nullable(),
  }),
})
export type Order = z.infer<typeof Order>

export const PrescriptionsList = z.object({
  /** Active (and drafts) first, then stopped and completed; newest first within each. */
  orders: z.array(Order),
  weightKg: z.number().nullable(),
})
export type PrescriptionsList = z.infer<typeof PrescriptionsList>

export const FormularyDrug = z.object({
  dc: z.string(),
  therapeuticClass: z.string(),
  substances: z.array(z.string()),
  forms: z.array(z.object({ form: z.string(), category: FormCategoryValue, strengths: z.array(z.string()), routes: z.array(z.string()) })),
  routes: z.array(z.string()),
  /** The unit doses are checked in (adult maximum per intake). */
  doseUnit: z.string(),
  usualPerIntake: z.number(),
})
export type FormularyDrug = z.infer<typeof FormularyDrug>

export const QueueEntry = z.object({
  patientId: z.string(),
  patientName: z.string(),
  unit: z.string().nullable(),
  order: Order,
})
export type QueueEntry = z.infer<typeof QueueEntry>

export const ReportParams = z
  .object({ from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) })
  .strict()
  .refine((p) => p.from <= p.to, { message: 'from > to', path: ['to'] })
export type ReportParams = z.infer<typeof ReportParams>

export const PaediatricFormReport = z.object({
  from: z.string(),
  to: z.string(),
  /** Children under 6 years (on the day of the order) with at least one order in the period. */
  children: z.number(),
  childrenWithOralSolid: z.number(),
  /** Percentage, one decimal; null without any child. */
  percent: z.number().nullable(),
  lines: z.number(),
  oralSolidLines: z.number(),
  /** Lines whose form could not be classified (no form, or no rule for it): missing data. */
  unclassifiedLines: z.number(),
  dcs: z.array(z.object({ dc: z.string(), lines: z.number(), oralSolidLines: z.number() })),
  unclassified: z.array(z.object({ orderId: z.string(), label: z.string(), form: z.string().nullable() })),
  computedAt: z.string(),
})
export type PaediatricFormReport = z.infer<typeof PaediatricFormReport>

const PatientOrder = z.object({ patientId: ResourceId, orderId: ResourceId }).strict()

export const prescribingMethods = {
  'formulary.drugs': method({
    params: z.object({ query: z.string().trim().min(1).max(100), limit: z.number().int().min(1).max(50).optional() }).strict(),
    result: z.object({ drugs: z.array(FormularyDrug) }),
    access: 'session',
  }),
  'prescriptions.list': method({ params: z.object({ patientId: ResourceId }).strict(), result: PrescriptionsList, access: 'session' }),
  'prescriptions.check': method({
    params: z.object({ order: OrderInput, replacing: ResourceId.optional() }).strict(),
    result: z.object({ alerts: z.array(PrescriptionAlert) }),
    access: 'session',
  }),
  'prescriptions.create': method({ params: PrescribeParams, result: PrescribeResult, access: 'session' }),
  'prescriptions.modify': method({ params: ModifyParams, result: PrescribeResult, access: 'session' }),
  'prescriptions.stop': method({
    params: PatientOrder.extend({ reason: Text(PRESCRIPTION_LIMITS.reason) }).strict(),
    result: z.object({ writeId: z.string(), state: z.enum(['queued', 'sent']) }),
    access: 'session',
  }),
  'prescriptions.countersign': method({
    params: PatientOrder,
    result: z.object({ writeId: z.string(), state: z.enum(['queued', 'sent']) }),
    access: 'session',
  }),
  'prescriptions.review': method({
    params: PatientOrder.extend({
      decision: z.enum(['validee', 'refusee']),
      comment: z.string().trim().max(PRESCRIPTION_LIMITS.comment).optional(),
    })
      .strict()
      .refine((p) => p.decision === 'validee' || (p.comment ?? '').length > 0, { message: 'refus: commentaire requis', path: ['comment'] }),
    result: z.object({ writeId: z.string(), state: z.enum(['queued', 'sent']) }),
    access: 'session',
  }),
  'prescriptions.queue': method({ params: NoParams, result: z.object({ entries: z.array(QueueEntry) }), access: 'session' }),
  'prescriptions.report': method({ params: ReportParams, result: PaediatricFormReport, access: 'session' }),
} as const
