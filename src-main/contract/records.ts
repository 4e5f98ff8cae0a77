import { z } from 'zod'
import { ResourceId, WriteReceipt } from './clinical'
import { method, NoParams } from './method'

/*
 * The chart's records (issue 7): problems and antécédents coded in CIM-10, allergies and intolerances, the
 * per-patient SpO2 scale of NEWS2, the patient's documents, and the current treatments of the summary.
 */

const Text = (max: number) => z.string().trim().min(1).max(max)
const OptionalText = (max: number) => z.string().trim().max(max).optional()
const IsoDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'AAAA, AAAA-MM or AAAA-MM-JJ')

export const Cim10Code = z.object({ code: z.string(), label: z.string() })
export type Cim10Code = z.infer<typeof Cim10Code>

/**
 * `probleme`: a problem of the problem list; `diagnostic`: a diagnosis of this stay; `antecedent-*`: the history
 * (familial: a CIM-10 Z80–Z84 "Antécédents familiaux de …" code, see docs/records.md).
 */
export const ProblemKind = z.enum(['probleme', 'diagnostic', 'antecedent-medical', 'antecedent-chirurgical', 'antecedent-familial'])
export type ProblemKind = z.infer<typeof ProblemKind>

export const ProblemStatus = z.enum(['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved'])
export type ProblemStatus = z.infer<typeof ProblemStatus>

export const CreateProblemParams = z
  .object({
    patientId: ResourceId,
    kind: ProblemKind,
    /** A code of the bundled CIM-10 list; without it, `text` is the free-text label. */
    code: z.string().regex(/^[A-Z]\d{2}(\.\d{1,2})?$/).optional(),
    text: OptionalText(200),
    clinicalStatus: ProblemStatus.default('active'),
    onset: IsoDate.optional(),
    note: OptionalText(2000),
  })
  .strict()
  .refine((p) => p.code !== undefined || (p.text !== undefined && p.text !== ''), { message: 'a CIM-10 code or a text', path: ['code'] })
export type CreateProblemParams = z.input<typeof CreateProblemParams>

export const Problem = z.object({
  id: z.string(),
  kind: ProblemKind,
  code: z.string().nullable(),
  label: z.string(),
  clinicalStatus: z.string().nullable(),
  onset: z.string().nullable(),
  note: z.string().nullable(),
  recordedAt: z.string().nullable(),
  /** This problem sets NEWS2 to SpO2 scale 2 (hypercapnic respiratory failure). */
  spo2Scale2: z.boolean(),
  pending: z.boolean(),
})
export type Problem = z.infer<typeof Problem>

export const AllergyType = z.enum(['allergy', 'intolerance'])
export const AllergyCriticality = z.enum(['low', 'high', 'unable-to-assess'])
export const ReactionSeverity = z.enum(['mild', 'moderate', 'severe'])
export const AllergyClinicalStatus = z.enum(['active', 'inactive', 'resolved'])
export const AllergyVerificationStatus = z.enum(['unconfirmed', 'confirmed', 'refuted', 'entered-in-error'])

export const CreateAllergyParams = z
  .object({
    patientId: ResourceId,
    /** The substance's name: one found by records.substances.search (formulary), or free text. */
    substance: Text(200),
    fromFormulary: z.boolean().default(false),
    type: AllergyType.default('allergy'),
    category: z.enum(['medication', 'food', 'environment', 'biologic']).optional(),
    manifestation: OptionalText(200),
    severity: ReactionSeverity.optional(),
    criticality: AllergyCriticality.optional(),
    clinicalStatus: AllergyClinicalStatus.default('active'),
    verificationStatus: AllergyVerificationStatus.default('confirmed'),
    note: OptionalText(2000),
  })
  .strict()
export type CreateAllergyParams = z.input<typeof CreateAllergyParams>

export const SetAllergyStatusParams = z
  .object({
    patientId: ResourceId,
    allergyId: z.string().min(1).max(120),
    clinicalStatus: AllergyClinicalStatus.optional(),
    verificationStatus: AllergyVerificationStatus.optional(),
  })
  .strict()
  .refine((p) => p.clinicalStatus !== undefined || p.verificationStatus !== undefined, { message: 'a status', path: ['clinicalStatus'] })
export type SetAllergyStatusParams = z.input<typeof SetAllergyStatusParams>

export const AllergyRecord = z.object({
  id: z.string(),
  substance: z.string(),
  type: AllergyType.nullable(),
  category: z.string().nullable(),
  manifestation: z.string().nullable(),
  severity: ReactionSeverity.nullable(),
  criticality: AllergyCriticality.nullable(),
  clinicalStatus: z.string().nullable(),
  verificationStatus: z.string().nullable(),
  recordedAt: z.string().nullable(),
  pending: z.boolean(),
})
export type AllergyRecord = z.infer<typeof AllergyRecord>

export const Treatment = z.object({
  id: z.string(),
  label: z.string(),
  dosage: z.string().nullable(),
  authoredOn: z.string().nullable(),
})
export type Treatment = z.infer<typeof Treatment>

export const PatientRecords = z.object({
  /** Problems, diagnoses and antécédents; active first, then newest. */
  problems: z.array(Problem),
  allergies: z.array(AllergyRecord),
  /** Active MedicationRequests (empty for a role that may not read prescriptions). */
  treatments: z.array(Treatment),
  spo2Scale: z.union([z.literal(1), z.literal(2)]),
})
export type PatientRecords = z.infer<typeof PatientRecords>

export const DocumentItem = z.object({
  id: z.string(),
  title: z.string(),
  typeLabel: z.string().nullable(),
  date: z.string().nullable(),
  author: z.string().nullable(),
  /** The document's text when it is plain text; null for other formats (PDF…), not shown here. */
  text: z.string().nullable(),
})
export type DocumentItem = z.infer<typeof DocumentItem>

export const RecordRights = z.object({
  observations: z.boolean(),
  editRecords: z.boolean(),
  chooseSpo2Scale: z.boolean(),
  notes: z.boolean(),
  documents: z.boolean(),
  prescriptions: z.boolean(),
  results: z.boolean(),
})
export type RecordRights = z.infer<typeof RecordRights>

const PatientParams = z.object({ patientId: ResourceId }).strict()
const SearchQuery = z.object({ query: z.string().trim().min(1).max(100), limit: z.number().int().min(1).max(50).optional() }).strict()

export const recordsMethods = {
  /** The bundled CIM-10 list (no patient data): by code prefix or label words. */
  'records.cim10.search': method({ params: SearchQuery, result: z.object({ codes: z.array(Cim10Code) }), access: 'session' }),
  /** Substances of the formulary (demo formulary, and the BDPM import when there is one): no patient data. */
  'records.substances.search': method({ params: SearchQuery, result: z.object({ substances: z.array(z.string()) }), access: 'session' }),
  /** What the signed-in role may see and do in the chart's records (from the habilitation matrix). */
  'records.rights': method({ params: NoParams, result: RecordRights, access: 'session' }),
  'records.list': method({ params: PatientParams, result: PatientRecords, access: 'session' }),
  'records.problems.create': method({ params: CreateProblemParams, result: WriteReceipt, access: 'session' }),
  'records.allergies.create': method({ params: CreateAllergyParams, result: WriteReceipt, access: 'session' }),
  'records.allergies.setStatus': method({ params: SetAllergyStatusParams, result: WriteReceipt, access: 'session' }),
  /** Scale 2: records the hypercapnic respiratory failure that sets it; scale 1: that record becomes inactive. */
  'records.spo2Scale.set': method({
    params: z.object({ patientId: ResourceId, scale: z.union([z.literal(1), z.literal(2)]) }).strict(),
    result: z.object({ spo2Scale: z.union([z.literal(1), z.literal(2)]), writeId: z.string().nullable() }),
    access: 'session',
  }),
  'records.documents.list': method({
    params: PatientParams,
    result: z.object({ documents: z.array(DocumentItem), fromCache: z.boolean() }),
    access: 'session',
  }),
} as const
