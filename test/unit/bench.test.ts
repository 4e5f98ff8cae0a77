import { describe, expect, it } from 'vitest'
import { formatTable, median, percentile, round, target } from '../bench/stats'

// The figures `npm run bench` reports: nearest-rank percentiles, targets and the table a developer reads.

describe('bench statistics', () => {
  it('takes the nearest-rank percentile, whatever the order of the samples', () => {
    const samples = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11]
    expect(percentile(samples, 95)).toBe(19)
    expect(percentile(samples, 100)).toBe(20)
    expect(percentile(samples, 50)).toBe(10)
    expect(percentile([42], 95)).toBe(42)
    expect(percentile([], 95)).toBeNaN()
    expect(samples[0]).toBe(10)
  })

  it('gives the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })

  it('says whether each target is met, on the right side of the bound', () => {
    expect(target('t', 99.9, '<', 100).met).toBe(true)
    expect(target('t', 100, '<', 100).met).toBe(false)
    expect(target('t', 1.15, '<=', 1.15).met).toBe(true)
    expect(target('t', 0.29, '>=', 0.3).met).toBe(false)
    expect(target('t', Number.NaN, '>=', 0.3).met).toBe(false)
    expect(round(1234.56)).toBe(1235)
    expect(round(12.345)).toBe(12.3)
    expect(round(1.2345)).toBe(1.23)
  })

  it('prints one aligned line per figure and a verdict per target', () => {
    const text = formatTable(
      [
        { label: 'Recherche p95', value: 3.456, unit: 'ms' },
        { label: 'Synchronisation', value: 8482, unit: 'ressources/s' },
      ],
      { searchP95: target('Recherche p95 (ms)', 3.456, '<', 10), syncVsRaw: target('Sync / brut', 0.2, '>=', 0.3) },
    )
    const lines = text.split('\n')
    expect(lines[0]).toMatch(/^Recherche p95\s+3\.46  ms$/)
    expect(lines[1]).toMatch(/^Synchronisation\s+8482  ressources\/s$/)
    // Values are right-aligned: both end in the same column.
    expect(lines[0]!.indexOf('  ms')).toBe(lines[1]!.indexOf('  ressources'))
    expect(text).toContain('Recherche p95 (ms)')
    expect(lines.find((l) => l.startsWith('Recherche p95 (ms)'))).toMatch(/< 10  OK$/)
    expect(lines.find((l) => l.startsWith('Sync / brut'))).toMatch(/>= 0\.3  NON ATTEINT$/)
  })
})
