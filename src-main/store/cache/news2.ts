import { scoreNews2, type Spo2Scale } from '../../clinical/news2'
import type { News2Summary, VitalSigns } from '../../contract'

/** NEWS2 is validated for adults: under 16 a paediatric score applies, so none is shown. */
const ADULT_FROM_YEARS = 16

function ageAt(birthDate: string, at: string): number | null {
  const born = new Date(birthDate)
  const then = new Date(at)
  if (Number.isNaN(born.getTime()) || Number.isNaN(then.getTime())) return null
  let years = then.getUTCFullYear() - born.getUTCFullYear()
  const beforeBirthday =
    then.getUTCMonth() < born.getUTCMonth() || (then.getUTCMonth() === born.getUTCMonth() && then.getUTCDate() < born.getUTCDate())
  if (beforeBirthday) years -= 1
  return years
}

/**
 * The NEWS2 of the newest complete set among `sets` (newest first). The SpO2 scale is 1 until a per-patient
 * choice of scale 2 exists (a later item). Null when no set is complete, or the patient was under 16 then.
 */
export function latestNews2(sets: readonly VitalSigns[], birthDate: string | null, spo2Scale: Spo2Scale = 1): News2Summary | null {
  for (const set of sets) {
    const result = scoreNews2(set, { spo2Scale })
    if (!result.complete) continue
    const age = birthDate ? ageAt(birthDate, set.takenAt) : null
    if (age !== null && age < ADULT_FROM_YEARS) return null
    if (result.aggregate === null || !result.band || !result.risk || !result.response) return null
    return {
      takenAt: set.takenAt,
      spo2Scale,
      aggregate: result.aggregate,
      anySingleThree: result.anySingleThree,
      band: result.band,
      risk: result.risk,
      response: result.response,
    }
  }
  return null
}
