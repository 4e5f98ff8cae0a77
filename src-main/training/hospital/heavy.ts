import type { Observation } from '@medplum/fhirtypes'
import { HOUR, YEAR } from './fhir'
import { labObservation, normalValue, type AnalyteKey, type Patient4Labs } from './labs'
import { deriveSeed, Rng } from './random'
import { ORGANIZATION_ID } from './structure'
import { roundedSet, vitalObservation, vitalSet, type VitalBaseline } from './vitals'

// The heavy patient is a haemodialysis patient: three sessions a week for years, each monitored every
// 15 minutes, with monthly blood tests. That is how one real chart reaches tens of thousands of
// observations, which is what the chart-open benchmarks need.

const SPAN = 5 * YEAR
const CHECKS_PER_SESSION = 17 // every 15 min over a 4-hour session
const MONTHLY_EVERY = 12 // sessions
const MONTHLY: readonly AnalyteKey[] = ['hb', 'k', 'na', 'crea', 'uree', 'hco3', 'crp']

function sessionSize(index: number): number {
  // weight before and after, temperature before and after, BP + HR + SpO2 at each check, labs monthly
  return 4 + 3 * CHECKS_PER_SESSION + (index % MONTHLY_EVERY === 0 ? MONTHLY.length : 0)
}

function sessionsFor(count: number): number {
  let total = 0
  let sessions = 0
  while (total < count) total += sessionSize(sessions++)
  return sessions
}

/** End-stage kidney disease before a session: high creatinine and urea, mild anaemia and acidosis. */
function monthlyValue(rng: Rng, key: AnalyteKey, patient: Patient4Labs): number {
  switch (key) {
    case 'crea':
      return rng.float(650, 900)
    case 'uree':
      return rng.float(18, 30)
    case 'k':
      return rng.float(4.6, 6.2)
    case 'hb':
      return rng.float(9.8, 11.8)
    case 'hco3':
      return rng.float(19, 23)
    default:
      return normalValue(rng, key, patient)
  }
}

export interface HeavySeriesInput {
  seed: number
  patientId: string
  count: number
  now: number
  baseline: VitalBaseline
  patient: Patient4Labs
  nurseId: string
}

/**
 * The heavy patient's long series, produced lazily and always the same for the same input: exactly `count`
 * observations spread over the 5 years before `now`, oldest first, ids `obs-heavy-000001`… They reference
 * no Encounter (outpatient dialysis sessions), only the patient.
 */
export function heavySeries(input: HeavySeriesInput): () => Iterable<Observation> {
  return function* series(): Generator<Observation> {
    const rng = new Rng(deriveSeed(input.seed, 'heavy'))
    const sessions = sessionsFor(input.count)
    const spacing = SPAN / Math.max(1, sessions)
    const start = input.now - SPAN
    let emitted = 0
    const nextId = (): string => `obs-heavy-${String(++emitted).padStart(6, '0')}`
    const vctx = { patientId: input.patientId, performerId: input.nurseId }
    const lctx = { patientId: input.patientId, organizationId: ORGANIZATION_ID }
    for (let s = 0; s < sessions && emitted < input.count; s++) {
      const t0 = start + s * spacing + rng.float(0, 0.1) * spacing
      const dryWeight = input.baseline.weight + rng.normal(0, 0.4)
      const planned: Observation[] = []
      if (s % MONTHLY_EVERY === 0) {
        for (const key of MONTHLY) planned.push(labObservation('', key, monthlyValue(rng, key, input.patient), t0 - 0.1 * HOUR, input.patient, lctx))
      }
      const preWeight = dryWeight + rng.float(1.2, 3)
      planned.push(vitalObservation('', 'weight', preWeight, t0, vctx))
      planned.push(vitalObservation('', 'temp', 36.6 + rng.normal(0, 0.2), t0, vctx))
      for (let c = 0; c < CHECKS_PER_SESSION; c++) {
        const at = t0 + c * 0.25 * HOUR
        const set = roundedSet(vitalSet(rng, input.baseline))
        planned.push(vitalObservation('', 'bp', set.bp, at, vctx))
        planned.push(vitalObservation('', 'hr', set.hr, at, vctx))
        planned.push(vitalObservation('', 'spo2', set.spo2, at, vctx))
      }
      const end = t0 + 4 * HOUR
      planned.push(vitalObservation('', 'weight', dryWeight, end, vctx))
      planned.push(vitalObservation('', 'temp', 36.7 + rng.normal(0, 0.2), end, vctx))
      for (const obs of planned) {
        if (emitted >= input.count) return
        obs.id = nextId()
        yield obs
      }
    }
  }
}
