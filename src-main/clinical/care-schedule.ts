/**
 * When a scheduled care task (plan de soins) is due, by the clock. Pure: the renderer recomputes it every minute
 * with its own clock, main computes it for the census count.
 *
 * A task repeats every `intervalMs` from `anchor` (the FHIR `scheduledTiming.repeat`: frequency per period, from
 * `boundsPeriod.start`). Each occurrence (slot) is checked off once. A slot is open from WINDOW before it; it is
 * overdue once WINDOW has passed after it without a check-off. Only the current slot and the one before count:
 * an older missed slot is history (the transmissions say why), not a task the nurse can still do.
 */
export const CARE_WINDOW_MS = 60 * 60_000

export type CareTaskState = 'upcoming' | 'due' | 'overdue' | 'finished'

export interface CareSchedule {
  /** ISO instant of the first slot. */
  anchor: string
  intervalMs: number
  /** ISO instant after which no slot falls (the end of the prescription), if any. */
  end?: string | null
}

export interface CareDue {
  state: CareTaskState
  /** The slot to check off next (ISO); null once finished. */
  dueAt: string | null
}

/** Slot k of a schedule (ms). */
function slot(anchor: number, intervalMs: number, k: number): number {
  return anchor + k * intervalMs
}

export function careDue(schedule: CareSchedule, checkedSlots: readonly string[], now: Date): CareDue {
  const anchor = Date.parse(schedule.anchor)
  const { intervalMs } = schedule
  if (!Number.isFinite(anchor) || !(intervalMs > 0)) return { state: 'finished', dueAt: null }
  const end = schedule.end ? Date.parse(schedule.end) : Number.POSITIVE_INFINITY
  const checked = new Set(checkedSlots.map((iso) => Date.parse(iso)))
  const at = now.getTime()
  const iso = (ms: number): string => new Date(ms).toISOString()
  const within = (ms: number): boolean => ms <= end

  // The newest slot already open (at most WINDOW ahead of the clock).
  const k = Math.floor((at + CARE_WINDOW_MS - anchor) / intervalMs)
  if (k < 0) return within(anchor) ? { state: 'upcoming', dueAt: iso(anchor) } : { state: 'finished', dueAt: null }
  const current = slot(anchor, intervalMs, k)
  const previous = k >= 1 ? slot(anchor, intervalMs, k - 1) : null
  const late = (ms: number): boolean => at > ms + CARE_WINDOW_MS

  const missed = previous !== null && within(previous) && !checked.has(previous) && late(previous)
  if (within(current) && !checked.has(current)) {
    // The slot before was missed: it comes first while the current one is not late yet.
    if (missed && !late(current)) return { state: 'overdue', dueAt: iso(previous) }
    return { state: late(current) ? 'overdue' : 'due', dueAt: iso(current) }
  }
  if (!within(current) && missed) return { state: 'overdue', dueAt: iso(previous) }
  const next = slot(anchor, intervalMs, k + 1)
  return within(next) ? { state: 'upcoming', dueAt: iso(next) } : { state: 'finished', dueAt: null }
}

/** Interval of a FHIR Timing.repeat (frequency per period in s/min/h/d/wk); null when it is not a plain repeat. */
export function repeatIntervalMs(repeat: { frequency?: number; period?: number; periodUnit?: string } | undefined): number | null {
  if (!repeat?.period || repeat.period <= 0) return null
  const unitMs: Record<string, number> = { s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000, wk: 604_800_000 }
  const ms = unitMs[repeat.periodUnit ?? '']
  if (!ms) return null
  return (repeat.period * ms) / Math.max(1, repeat.frequency ?? 1)
}
