import { z } from 'zod'
import { ResourceId } from './clinical'
import { method } from './method'

/** The DPO / référent's review of the access journal (issue 6): accesses, anomalies, break-the-glass queue. */
export const ReviewPurpose = z.enum(['care', 'btg'])
export const BtgVerdict = z.enum(['justifie', 'a-instruire'])
export type BtgVerdict = z.infer<typeof BtgVerdict>

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)

export const ReviewFilters = z
  .object({
    actorId: ResourceId.optional(),
    patientId: ResourceId.optional(),
    /** Days, inclusive (YYYY-MM-DD, taken as UTC days). Without them: the newest events, up to the review's bound. */
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    purpose: ReviewPurpose.optional(),
  })
  .strict()
export type ReviewFilters = z.infer<typeof ReviewFilters>

export const AccessRow = z.object({
  id: z.string(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable(),
  patientIds: z.array(z.string()),
  patientNames: z.array(z.string()),
  resources: z.array(z.string()),
  action: z.string(),
  purpose: ReviewPurpose,
  outcome: z.enum(['success', 'failure']),
  source: z.enum(['central', 'poste']),
})
export type AccessRow = z.infer<typeof AccessRow>

export const AnomalyRow = z.object({
  rule: z.string(),
  ruleLabel: z.string(),
  key: z.string(),
  at: z.string(),
  actorName: z.string().nullable(),
  patientNames: z.array(z.string()),
  grantId: z.string().nullable(),
  /** French, for the DPO. */
  explanation: z.string(),
})
export type AnomalyRow = z.infer<typeof AnomalyRow>

export const BtgQueueItem = z.object({
  grantId: z.string(),
  at: z.string(),
  actorName: z.string().nullable(),
  patientId: z.string().nullable(),
  patientName: z.string().nullable(),
  reason: z.string().nullable(),
  justification: z.string().nullable(),
  expires: z.string().nullable(),
  review: z.object({ verdict: BtgVerdict, comment: z.string(), at: z.string(), reviewerName: z.string().nullable() }).nullable(),
})
export type BtgQueueItem = z.infer<typeof BtgQueueItem>

export const REVIEW_PAGE_MAX = 200

export const ReviewSearchParams = z
  .object({
    filters: ReviewFilters.default({}),
    offset: z.number().int().min(0).max(100_000).default(0),
    limit: z.number().int().min(1).max(REVIEW_PAGE_MAX).default(50),
  })
  .strict()

export const ReviewSearchResult = z.object({
  accesses: z.array(AccessRow),
  total: z.number().int(),
  anomalies: z.array(AnomalyRow),
  btg: z.array(BtgQueueItem),
  /** More AuditEvents matched than one review reads: narrow the filters. */
  truncated: z.boolean(),
})

export const ReviewSubmitParams = z
  .object({ grantId: ResourceId, verdict: BtgVerdict, comment: z.string().trim().max(2000).default('') })
  .strict()

export const PatientHistoryEntry = z.object({
  at: z.string(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  resources: z.array(z.string()),
  purpose: ReviewPurpose,
  outcome: z.enum(['success', 'failure']),
})

export const reviewMethods = {
  'review.search': method({ params: ReviewSearchParams, result: ReviewSearchResult, access: 'session' }),
  'review.submitBtg': method({ params: ReviewSubmitParams, result: z.object({ reviewId: z.string() }), access: 'session' }),
  'review.exportCsv': method({
    params: z.object({ filters: ReviewFilters.default({}) }).strict(),
    result: z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }),
    access: 'session',
  }),
  'review.patientHistory': method({
    params: z.object({ patientId: ResourceId }).strict(),
    result: z.object({
      patientId: z.string(),
      patientName: z.string().nullable(),
      generatedAt: z.string(),
      entries: z.array(PatientHistoryEntry),
      truncated: z.boolean(),
    }),
    access: 'session',
  }),
} as const
