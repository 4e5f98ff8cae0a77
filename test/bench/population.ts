import type { Resource } from '@medplum/fhirtypes'
import { FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN } from '../../src-main/training/hospital/names'
import { Rng } from '../../src-main/training/hospital/random'
import { ins, patient, stay, unitTree, vitalSet, type PatientSpec } from '../fixtures/sync/fhir'

// A deterministic cache-sized population for the search and census benchmarks: French names with their accents
// (the training hospital's lists, plus composed family names so that a name is not shared by a thousand people),
// INS with valid keys (Corsica included), IPPs, one stay each. The first UNITS × BEDS patients are inpatients,
// one per bed; the patients of the first unit have a week of vital signs (the census benchmark's unit).

export const UNITS = 25
export const ROOMS_PER_UNIT = 20
export const BEDS_PER_UNIT = ROOMS_PER_UNIT * 2
export const CENSUS_UNIT = unitId(0)

const FAMILY_STARTS = ['BEAU', 'MONT', 'CHÂTEAU', 'VAL', 'BOIS', 'FONT', 'GRAND', 'ROCHE', 'VILLE', 'HAUT', 'BEL', 'CLER', 'MARÉ', 'PRÉ', 'LONG']
const FAMILY_ENDS = ['CHÊNE', 'FORT', 'RIVIÈRE', 'MAISON', 'VILLE', 'MONT', 'LIEU', 'PRÉ', 'BOIS', 'FONTAINE', 'VERT', 'NEUF', 'MARAIS', 'CLOS']
const COMPOSED = FAMILY_STARTS.flatMap((a) => FAMILY_ENDS.map((b) => a + b))
const DEPARTMENTS = ['45', '75', '2A', '2B', '13', '69', '33', '59', '971', '37', '41', '18']
const STATUSES = [['QUAL', 80], ['PROV', 8], ['VALI', 7], ['RECUP', 5]] as const

export function unitId(index: number): string {
  return `bench-unit-${String(index + 1).padStart(2, '0')}`
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/** What the query mix needs to know about a patient without reading it back. */
export interface Sample {
  id: string
  family: string
  given: string
  birthDate: string
  ins: string | null
  ipp: string
}

function specOf(rng: Rng, index: number): PatientSpec {
  const sex = rng.chance(0.5) ? 'female' : 'male'
  const names = sex === 'female' ? FEMALE_GIVEN : MALE_GIVEN
  const given = rng.chance(0.3) ? [rng.pick(names), rng.pick(names)] : [rng.pick(names)]
  const family = rng.chance(0.6) ? rng.pick(FAMILY_NAMES) : rng.pick(COMPOSED)
  const year = rng.int(1925, 2025)
  const month = rng.int(1, 12)
  const birthDate = `${year}-${pad(month, 2)}-${pad(rng.int(1, 28), 2)}`
  const status = rng.weighted(STATUSES)
  const department = rng.pick(DEPARTMENTS)
  // sex, year, month, department + commune (5 characters), order: unique per index.
  const place = department.length === 3 ? department + pad(index % 100, 2) : department + pad(index % 1000, 3)
  const nir13 = `${sex === 'female' ? 2 : 1}${pad(year % 100, 2)}${pad(month, 2)}${place}${pad(Math.floor(index / 1000) % 1000, 3)}`
  return {
    id: `bench-p${pad(index, 6)}`,
    family,
    given,
    ...(sex === 'female' && rng.chance(0.25) ? { usedFamily: rng.pick(FAMILY_NAMES) } : {}),
    sex,
    birthDate,
    status,
    ins: ins(nir13),
    ipp: `8${pad(index, 7)}`,
  }
}

/** One hospital-tree per unit: `Lit 101-1` … in unit 1, `Lit 2520-2` in unit 25, so bed labels are unique. */
export function locations(): Resource[] {
  const out: Resource[] = []
  for (let u = 0; u < UNITS; u++) out.push(...unitTree(unitId(u), `Unité ${u + 1}`, ROOMS_PER_UNIT, u + 1))
  return out
}

function bedOf(index: number): { unitId: string; bedId: string } | null {
  if (index >= UNITS * BEDS_PER_UNIT) return null
  const u = Math.floor(index / BEDS_PER_UNIT)
  const slot = index % BEDS_PER_UNIT
  const room = `${u + 1}${pad(Math.floor(slot / 2) + 1, 2)}`
  return { unitId: unitId(u), bedId: `${unitId(u)}-${room}-${(slot % 2) + 1}` }
}

const HOUR = 3_600_000

/** A week of rounds every 4 hours for an inpatient of the census unit: 42 sets of five observations. */
function week(patientId: string, rng: Rng, end: number): Resource[] {
  const out: Resource[] = []
  for (let k = 0; k < 42; k++) {
    const at = new Date(end - k * 4 * HOUR).toISOString()
    out.push(
      ...vitalSet(`${patientId}-v${pad(k, 2)}`, patientId, at, {
        bp: [rng.int(100, 150), rng.int(55, 95)],
        hr: rng.int(55, 110),
        temp: Math.round(rng.float(36.2, 38.4) * 10) / 10,
        spo2: rng.int(90, 100),
        rr: rng.int(12, 24),
      }),
    )
  }
  return out
}

/**
 * The population as the central would stream it, in batches (Patient, its Encounter, and the census unit's vital
 * signs). `samples` receives every 997th patient, for building queries.
 */
export function* population(count: number, samples: Sample[], seed = 20261123): Generator<Resource> {
  const rng = new Rng(seed)
  const end = Date.parse('2026-11-23T08:00:00Z')
  for (let i = 0; i < count; i++) {
    const spec = specOf(rng, i)
    // One known Hélène DURAND, whatever the draw: the issue's own example query.
    if (i === 4242) Object.assign(spec, { family: 'DURAND', given: ['Hélène'], sex: 'female', status: 'QUAL' })
    yield patient(spec)
    const bed = bedOf(i)
    const start = new Date(end - rng.int(3, 4000) * 24 * HOUR).toISOString()
    yield bed
      ? stay(`${spec.id}-e`, spec.id, bed.unitId, bed.bedId, 'in-progress', new Date(end - rng.int(1, 20) * 24 * HOUR).toISOString())
      : stay(`${spec.id}-e`, spec.id, unitId(i % UNITS), null, 'finished', start)
    if (bed?.unitId === CENSUS_UNIT) yield* week(spec.id, rng, end)
    if (i % 997 === 0 || i === 4242) {
      samples.push({
        id: spec.id,
        family: spec.family,
        given: spec.given[0] as string,
        birthDate: spec.birthDate as string,
        ins: spec.status === 'QUAL' ? (spec.ins as string) : null,
        ipp: spec.ipp as string,
      })
    }
  }
}
