import { z } from 'zod'
import { EXTRA_VITAL_RANGES, News2Summary, RECORD_VITALS_EXTRA, VITAL_EXTRA_FIELDS } from './news2'
import { Unit } from './session'

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9\-.]+$/)
const IsoDateTime = z.string().datetime({ offset: true })

export const IdentityStatus = z.enum(['PROV', 'RECUP', 'VALI', 'QUAL'])
export type IdentityStatus = z.infer<typeof IdentityStatus>

export const PatientSummary = z.object({
  id: z.string(),
  /** Usage family name, then given name (the name the ward uses). */
  familyName: z.string(),
  givenName: z.string(),
  /** Birth family name when it differs from the usage name. */
  birthName: z.string().nullable(),
  sex: z.enum(['male', 'female', 'other', 'unknown']),
  birthDate: z.string().nullable(),
  /** Matricule INS, given only when the identity is QUAL (RNIV): otherwise null. */
  ins: z.string().nullable(),
  identityStatus: IdentityStatus.nullable(),
  ipp: z.string().nullable(),
  unit: Unit.nullable(),
  room: z.string().nullable(),
  bed: z.string().nullable(),
  admittedAt: z.string().nullable(),
  /** Issue 6: confidentiality flags; a flagged patient is masked in lists (`masked`), shown whole in the chart. */
  sensitivity: z.array(z.enum(['restricted', 'vip', 'penitentiary'])).optional(),
  /** Names and birth date blanked: "Patient confidentiel" + bed. */
  masked: z.boolean().optional(),
  /** Issue 6: `outside` = not in the user's care (minimal identity, break the glass offered); `btg` = under one. */
  access: z.enum(['care', 'btg', 'outside']).optional(),
})
export type PatientSummary = z.infer<typeof PatientSummary>

/** One set of vital signs as charted; every parameter may be missing. */
export const VitalSigns = z.object({
  takenAt: z.string(),
  systolic: z.number().nullable(),
  diastolic: z.number().nullable(),
  heartRate: z.number().nullable(),
  temperature: z.number().nullable(),
  spo2: z.number().nullable(),
  respiratoryRate: z.number().nullable(),
  ...VITAL_EXTRA_FIELDS,
  /** Whether an observation write is still in the outbox (not yet acknowledged by the central). */
  pending: z.boolean(),
})
export type VitalSigns = z.infer<typeof VitalSigns>

export const CensusEntry = z.object({
  patient: PatientSummary,
  lastVitals: VitalSigns.nullable(),
  /** NEWS2 of the newest complete set; null when none, or for a patient under 16 (NEWS2 is for adults). */
  news2: News2Summary.nullable().optional(),
  /** Active allergies and intolerances (not refuted nor entered in error); absent when the role may not read them. */
  allergies: z.number().int().min(0).optional(),
  /** Plan de soins tasks whose current slot is due or overdue now; absent when the role may not read the plan. */
  tasksDue: z.object({ due: z.number().int().min(0), overdue: z.number().int().min(0) }).optional(),
})
export type CensusEntry = z.infer<typeof CensusEntry>

export const LabResult = z.object({
  id: z.string(),
  code: z.string(),
  label: z.string(),
  value: z.number().nullable(),
  valueText: z.string().nullable(),
  unit: z.string().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  interpretation: z.enum(['N', 'H', 'L', 'HH', 'LL']).nullable(),
  effectiveAt: z.string().nullable(),
})
export type LabResult = z.infer<typeof LabResult>

export const Allergy = z.object({
  substance: z.string(),
  criticality: z.enum(['low', 'high', 'unable-to-assess']).nullable(),
  reaction: z.string().nullable(),
})

export const Chart = z.object({
  patient: PatientSummary,
  allergies: z.array(Allergy),
  conditions: z.array(z.object({ code: z.string(), label: z.string() })),
  /** Newest first. */
  vitals: z.array(VitalSigns),
  /** Newest first. */
  results: z.array(LabResult),
  news2: News2Summary.nullable().optional(),
  /** SpO2 scale used for NEWS2 (1 unless a clinician chose scale 2 for this patient). */
  spo2Scale: z.union([z.literal(1), z.literal(2)]).optional(),
  fromCache: z.boolean(),
  /** When the cached copy was last refreshed from the central. */
  dataAsOf: z.string().nullable(),
})
export type Chart = z.infer<typeof Chart>

/** Plausibility ranges: a value outside is refused as a typing error (INVALID), never stored. */
export const VITAL_RANGES = {
  systolic: { min: 40, max: 300, unit: 'mm[Hg]' },
  diastolic: { min: 20, max: 200, unit: 'mm[Hg]' },
  heartRate: { min: 20, max: 300, unit: '/min' },
  temperature: { min: 30, max: 45, unit: 'Cel' },
  spo2: { min: 50, max: 100, unit: '%' },
  respiratoryRate: { min: 3, max: 80, unit: '/min' },
  ...EXTRA_VITAL_RANGES,
} as const

const vital = (key: keyof typeof VITAL_RANGES) => z.number().min(VITAL_RANGES[key].min).max(VITAL_RANGES[key].max).optional()

export const RecordVitalsParams = z
  .object({
    patientId: Id,
    takenAt: IsoDateTime.optional(),
    systolic: vital('systolic'),
    diastolic: vital('diastolic'),
    heartRate: vital('heartRate'),
    temperature: vital('temperature'),
    spo2: vital('spo2'),
    respiratoryRate: vital('respiratoryRate'),
    ...RECORD_VITALS_EXTRA,
  })
  .strict()
  .refine((v) => (v.systolic === undefined) === (v.diastolic === undefined), {
    message: 'systolic and diastolic go together',
    path: ['diastolic'],
  })
  .refine(
    (v) =>
      [v.systolic, v.heartRate, v.temperature, v.spo2, v.respiratoryRate, v.supplementalOxygen, v.consciousness, v.pain, v.weight, v.height].some(
        (value) => value !== undefined,
      ),
    { message: 'at least one vital sign', path: ['heartRate'] },
  )
  .refine((v) => v.oxygenFlow === undefined || v.supplementalOxygen === true, {
    message: 'an oxygen flow needs supplementalOxygen: true',
    path: ['oxygenFlow'],
  })
export type RecordVitalsParams = z.infer<typeof RecordVitalsParams>

export const WriteReceipt = z.object({
  /** Local id of the write; the same as the outbox entry's idempotency key. */
  writeId: z.string(),
  /** `sent`: the central acknowledged it; `queued`: saved locally, sent when the central is back. */
  state: z.enum(['sent', 'queued']),
})
export type WriteReceipt = z.infer<typeof WriteReceipt>

export const ConflictTask = z.object({
  id: z.string(),
  kind: z.literal('conflict'),
  resourceType: z.string(),
  resourceId: z.string(),
  patientId: z.string().nullable(),
  createdAt: z.string(),
  /** Short description of the two versions, without clinical text. */
  summary: z.string(),
})
export type ConflictTask = z.infer<typeof ConflictTask>

export const SyncStatus = z.object({
  connectivity: z.enum(['online', 'degraded']),
  dataAsOf: z.string().nullable(),
  pendingWrites: z.number().int().min(0),
  conflicts: z.number().int().min(0),
})
export type SyncStatus = z.infer<typeof SyncStatus>

export const SearchParams = z
  .object({
    /** Name words (accent- and case-insensitive prefixes), a birth date (JJ/MM/AAAA), an INS, an IPP or a bed. */
    query: z.string().trim().min(1).max(100),
    limit: z.number().int().min(1).max(50).optional(),
  })
  .strict()

export { Id as ResourceId }
