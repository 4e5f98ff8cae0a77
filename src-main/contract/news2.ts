import { z } from 'zod'

/**
 * Issue 7's additions to the vital-sign contract: the parameters beyond the first six (air/O2, ACVPU, pain,
 * weight, height) and the NEWS2 of a set. Kept apart from clinical.ts so that its entries only gain a spread.
 */

export const ACVPU_LEVELS = ['A', 'C', 'V', 'P', 'U'] as const
export const AcvpuLevel = z.enum(ACVPU_LEVELS)

/** Plausibility ranges of the added numeric parameters (UCUM units); merged into VITAL_RANGES. */
export const EXTRA_VITAL_RANGES = {
  /** Nasal cannula from 0.5 L/min up to high-flow oxygen. */
  oxygenFlow: { min: 0.5, max: 60, unit: 'L/min' },
  pain: { min: 0, max: 10, unit: '{score}' },
  weight: { min: 0.3, max: 400, unit: 'kg' },
  height: { min: 20, max: 250, unit: 'cm' },
} as const

/**
 * Fields a charted set MAY carry: absent (not null) when not measured, so that sets read before this
 * addition keep their shape.
 */
export const VITAL_EXTRA_FIELDS = {
  /** true: on supplemental oxygen; false: on air; absent: not said. */
  supplementalOxygen: z.boolean().optional(),
  /** L/min, when on oxygen and the flow was charted. */
  oxygenFlow: z.number().optional(),
  consciousness: AcvpuLevel.optional(),
  /** EVA 0–10. */
  pain: z.number().optional(),
  weight: z.number().optional(),
  height: z.number().optional(),
}

const range = (key: keyof typeof EXTRA_VITAL_RANGES) =>
  z.number().min(EXTRA_VITAL_RANGES[key].min).max(EXTRA_VITAL_RANGES[key].max).optional()

/** The added parameters of vitals.record. */
export const RECORD_VITALS_EXTRA = {
  supplementalOxygen: z.boolean().optional(),
  oxygenFlow: range('oxygenFlow'),
  consciousness: AcvpuLevel.optional(),
  pain: z.number().int().min(0).max(10).optional(),
  weight: range('weight'),
  height: range('height'),
}

/** NEWS2 of one complete set (src-main/clinical/news2.ts), as the census and the chart show it. */
export const News2Summary = z.object({
  /** The set it was computed on: the newest complete set, which may be older than the newest set. */
  takenAt: z.string(),
  spo2Scale: z.union([z.literal(1), z.literal(2)]),
  aggregate: z.number().int().min(0),
  anySingleThree: z.boolean(),
  band: z.enum(['news-0', 'news-low', 'news-low-medium', 'news-medium', 'news-high']),
  risk: z.enum(['low', 'low-medium', 'medium', 'high']),
  response: z.enum([
    'news2.response.routine',
    'news2.response.nurseAssessment',
    'news2.response.urgentWard',
    'news2.response.urgent',
    'news2.response.emergency',
  ]),
})
export type News2Summary = z.infer<typeof News2Summary>
