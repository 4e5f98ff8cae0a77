// Timing helpers and the report of `npm run bench`: percentiles, targets, the JSON object and the table.

/** Nearest-rank percentile (p in 0..100) of the samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length)
  return sorted[Math.max(0, rank - 1)] as number
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Milliseconds taken by each of `repeat` runs of `fn`, after `warmUp` untimed runs. */
export function timeRuns(fn: () => unknown, options: { warmUp: number; repeat: number }): number[] {
  for (let i = 0; i < options.warmUp; i++) fn()
  const out: number[] = []
  for (let i = 0; i < options.repeat; i++) {
    const started = performance.now()
    fn()
    out.push(performance.now() - started)
  }
  return out
}

export async function timeRunsAsync(fn: () => Promise<unknown>, options: { warmUp: number; repeat: number }): Promise<number[]> {
  for (let i = 0; i < options.warmUp; i++) await fn()
  const out: number[] = []
  for (let i = 0; i < options.repeat; i++) {
    const started = performance.now()
    await fn()
    out.push(performance.now() - started)
  }
  return out
}

/** Rounded for the report: 2 decimals under 10, 1 under 1000, none above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value
  const digits = Math.abs(value) < 10 ? 100 : Math.abs(value) < 1000 ? 10 : 1
  return Math.round(value * digits) / digits
}

export type Comparison = '<' | '<=' | '>='

export interface Target {
  value: number
  target: number
  /** How `value` must compare with `target`. */
  rule: Comparison
  met: boolean
  /** What the target says, for the table. */
  label: string
}

export function target(label: string, value: number, rule: Comparison, bound: number): Target {
  const met = Number.isFinite(value) && (rule === '<' ? value < bound : rule === '<=' ? value <= bound : value >= bound)
  return { value: round(value), target: bound, rule, met, label }
}

export interface Row {
  label: string
  value: number | string
  unit: string
}

/** A plain-text table: label, value right-aligned, unit; then the targets with OK / NON ATTEINT. */
export function formatTable(rows: readonly Row[], targets: Readonly<Record<string, Target>>): string {
  const show = (v: number | string): string => (typeof v === 'number' ? String(round(v)) : v)
  const labelWidth = Math.max(...rows.map((r) => r.label.length), ...Object.values(targets).map((t) => t.label.length), 10)
  const valueWidth = Math.max(...rows.map((r) => show(r.value).length), 8)
  const lines = rows.map((r) => `${r.label.padEnd(labelWidth)}  ${show(r.value).padStart(valueWidth)}  ${r.unit}`.trimEnd())
  lines.push('', 'Objectifs')
  for (const t of Object.values(targets)) {
    const verdict = t.met ? 'OK' : 'NON ATTEINT'
    lines.push(`${t.label.padEnd(labelWidth)}  ${show(t.value).padStart(valueWidth)}  ${t.rule} ${t.target}  ${verdict}`)
  }
  return lines.join('\n') + '\n'
}
