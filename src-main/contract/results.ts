import { z } from 'zod'
import { LabResult, ResourceId } from './clinical'
import { method } from './method'

/** One laboratory report (DiagnosticReport) and its results, as the laboratory grouped them. */
export const LabPanel = z.object({
  id: z.string(),
  label: z.string(),
  effectiveAt: z.string().nullable(),
  /** FHIR status of the report: `final`, `preliminary`, `amended`… */
  status: z.string().nullable(),
  results: z.array(LabResult),
})
export type LabPanel = z.infer<typeof LabPanel>

/** An imaging or other report read as text (its conclusion). */
export const ReportText = z.object({
  id: z.string(),
  kind: z.enum(['imaging', 'other']),
  label: z.string(),
  effectiveAt: z.string().nullable(),
  status: z.string().nullable(),
  /** Who issued it (service or organisation name), when the report says. */
  performer: z.string().nullable(),
  conclusion: z.string().nullable(),
})
export type ReportText = z.infer<typeof ReportText>

export const ResultsList = z.object({
  /** Newest first. */
  panels: z.array(LabPanel),
  /** Laboratory results no report groups, newest first. */
  ungrouped: z.array(LabResult),
  /** Newest first. */
  reports: z.array(ReportText),
})
export type ResultsList = z.infer<typeof ResultsList>

export const TrendPoint = z.object({
  at: z.string(),
  value: z.number(),
  interpretation: LabResult.shape.interpretation,
})

export const ResultTrend = z.object({
  code: z.string(),
  label: z.string(),
  unit: z.string().nullable(),
  /** Reference range of the newest result (the band the chart shades). */
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** Oldest first. */
  points: z.array(TrendPoint),
})
export type ResultTrend = z.infer<typeof ResultTrend>

const Loinc = z.string().min(1).max(40).regex(/^[A-Za-z0-9\-.]+$/)

export const resultsMethods = {
  /** The patient's laboratory reports grouped by panel, and imaging / other reports with their conclusion. */
  'results.list': method({ params: z.object({ patientId: ResourceId }).strict(), result: ResultsList, access: 'session' }),
  /** Every cached numeric value of one analyte (LOINC code) for the trend chart. */
  'results.trend': method({
    params: z.object({ patientId: ResourceId, code: Loinc }).strict(),
    result: ResultTrend,
    access: 'session',
  }),
} as const
