// Deterministic randomness for the synthetic hospital. Math.random is never used: the same seed must give the
// same hospital on every machine, so that tests, demos and benchmarks all see the same patients.

/** mulberry32: tiny, fast, good enough for synthetic data (not for anything secret). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * A seed for one part of the hospital (a patient, the staff, the heavy series). Each part draws from its own
 * stream, so changing how many past patients are generated does not change the current ones.
 */
export function deriveSeed(seed: number, label: string, index = 0): number {
  let h = fmix32(seed ^ 0x9e3779b9)
  for (let i = 0; i < label.length; i++) h = fmix32(h ^ label.charCodeAt(i))
  return fmix32(h ^ fmix32(index + 0x632be5ab))
}

export class Rng {
  private readonly draw: () => number

  constructor(seed: number) {
    this.draw = mulberry32(seed)
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw()
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.draw() * (max - min + 1))
  }

  float(min: number, max: number): number {
    return min + this.draw() * (max - min)
  }

  chance(probability: number): boolean {
    return this.draw() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list')
    return items[Math.floor(this.draw() * items.length)] as T
  }

  /** Picks by relative weight: [[value, weight], …]. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, w]) => sum + w, 0)
    let x = this.draw() * total
    for (const [value, w] of items) {
      x -= w
      if (x < 0) return value
    }
    const last = items[items.length - 1]
    if (!last) throw new RangeError('weighted pick from an empty list')
    return last[0]
  }

  /** Gaussian (Box–Muller), for physiological noise. */
  normal(mean: number, sd: number): number {
    const u = 1 - this.draw()
    const v = this.draw()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** k distinct items, in a stable random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = [...items]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.draw() * (i + 1))
      const tmp = copy[i] as T
      copy[i] = copy[j] as T
      copy[j] = tmp
    }
    return copy.slice(0, Math.max(0, Math.min(k, copy.length)))
  }
}
