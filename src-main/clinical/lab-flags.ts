/**
 * The flag of a laboratory value (HL7 v3 ObservationInterpretation: LL, L, N, H, HH). The laboratory's own
 * interpretation wins when it sent one; otherwise the value is placed against the reference range and, when known,
 * the critical limits (valeurs critiques: a value beyond is LL / HH, and a value beyond only the range is L / H).
 */
export type LabFlag = 'LL' | 'L' | 'N' | 'H' | 'HH'

export interface LabLimits {
  low: number | null
  high: number | null
  criticalLow?: number | null
  criticalHigh?: number | null
}

export function labFlag(value: number | null, limits: LabLimits, reported?: LabFlag | null): LabFlag | null {
  if (reported) return reported
  if (value === null || !Number.isFinite(value)) return null
  const { low, high, criticalLow, criticalHigh } = limits
  if (criticalLow != null && value < criticalLow) return 'LL'
  if (criticalHigh != null && value > criticalHigh) return 'HH'
  if (low !== null && value < low) return 'L'
  if (high !== null && value > high) return 'H'
  if (low === null && high === null) return null
  return 'N'
}

/** Abnormal enough to be shown bold with its flag. */
export const isAbnormal = (flag: LabFlag | null): boolean => flag !== null && flag !== 'N'

/** Critical: to be called to the prescriber (LL / HH). */
export const isCritical = (flag: LabFlag | null): boolean => flag === 'LL' || flag === 'HH'
