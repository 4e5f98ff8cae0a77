import type { Practitioner, Resource } from '@medplum/fhirtypes'
import { COMORBIDITIES, comorbidityByCode, diagnosesFor, diagnosisByCode, type ComorbiditySpec, type DiagnosisSpec } from './diagnoses'
import { ageAt, clamp, DAY, HOUR, pad, YEAR } from './fhir'
import { heavySeries } from './heavy'
import { referralLetter } from './documents'
import { carePlans, type CarePlanPatient } from './care-plans'
import { allergies } from './allergies'
import { conditionResource, buildStay, emptyBuckets, IdAllocator, type ClinicalBuckets, type StayPatient } from './stays'
import {
  buildPatient,
  displayName,
  NirRegistry,
  patientMeta,
  randomIdentity,
  type Identity,
  type PatientFlags,
} from './patients'
import { placeByCog } from './places'
import { deriveSeed, Rng } from './random'
import { buildStaff, type StaffBuild } from './staff'
import {
  buildLocations,
  buildOrganization,
  ESTABLISHMENT_ADDRESS,
  ESTABLISHMENT_FINESS,
  ESTABLISHMENT_NAME,
  ORGANIZATION_ID,
  setBedOccupancy,
  type Bed,
} from './structure'
import type { CurrentStay, StaffKey, TrainingHospital, UnitCode } from './types'
import { vitalBaseline, type VitalBaseline } from './vitals'

/** A fixed instant, so that the hospital is identical on every run unless a caller asks otherwise. */
export const DEFAULT_NOW = '2026-11-23T08:00:00Z'
export const DEFAULT_SEED = 20261123
export const DEFAULT_PAST_PATIENTS = 2000
export const DEFAULT_HEAVY_OBSERVATIONS = 50_000
/** 4 units × 32 beds, 31 occupied each: 124 current inpatients. */
const OCCUPIED_PER_UNIT = 31
/** Positions (in each adult unit's bed order) of the patients who are getting worse: high NEWS2. */
const DETERIORATING_SLOTS: readonly number[] = [4, 17, 27]

export interface HospitalOptions {
  seed?: number
  pastPatients?: number
  heavyObservations?: number
  now?: Date
}

interface FixedPatient {
  unit: UnitCode
  identity: (now: number) => Identity
  diagnosis: string
  flags?: PatientFlags
  heavy?: boolean
  staffKey?: StaffKey
  comorbidities?: readonly string[]
  previousStay?: boolean
}

const person = (
  sex: 'male' | 'female',
  givenNames: string[],
  birthFamily: string,
  birthDate: string,
  cog: string,
  status: Identity['status'] = 'QUAL',
  usedFamily?: string,
): Identity => ({ sex, givenNames, birthFamily, birthDate, birthPlace: placeByCog(cog), status, ...(usedFamily ? { usedFamily } : {}) })

/**
 * Named patients the guides and tests can rely on; they take the first occupied beds of their unit.
 * Staff members reappear here as patients (a colleague's record) with the same name and birth date.
 */
const FIXED_CURRENT: readonly FixedPatient[] = [
  { unit: 'CARDIO', diagnosis: 'I50.9', previousStay: true, comorbidities: ['I10'], identity: () => person('female', ['Hélène', 'Marie'], 'DURAND', '1946-03-14', '2A004') },
  { unit: 'CARDIO', diagnosis: 'I48.9', flags: { vip: true }, identity: () => person('male', ['François', 'Xavier'], 'LEFÈVRE', '1952-10-02', '2B033') },
  { unit: 'MEDINT', diagnosis: 'E87.5', heavy: true, comorbidities: ['N18.5', 'Z99.2', 'I10'], identity: () => person('male', ['Jean-Noël'], 'GIRAUD', '1961-01-27', '45234') },
  { unit: 'MEDINT', diagnosis: 'J18.9', staffKey: 'infirmier', identity: () => person('female', ['Anaïs', 'Claire'], 'PERRIN', '1988-06-03', '37261') },
  { unit: 'MEDINT', diagnosis: 'N39.0', identity: () => person('female', ['Éloïse'], 'BÉGUIN', '2001-12-01', '45234', 'PROV') },
  { unit: 'MEDINT', diagnosis: 'D64.9', flags: { restricted: true }, identity: () => person('female', ['Héloïse', 'Aïcha'], 'DIALLO', '1998-02-11', '99341') },
  { unit: 'CHIR', diagnosis: 'K35.8', identity: () => person('female', ['Cécile', 'Inès'], "D'ALMEIDA", '1979-05-30', '99139', 'QUAL', 'MÜLLER-BÉRAUD') },
  { unit: 'CHIR', diagnosis: 'K40.9', flags: { penitentiary: true }, identity: () => person('male', ['Mickaël'], 'ROUX', '1990-07-07', '59350') },
  {
    unit: 'PEDIA',
    diagnosis: 'J21.9',
    identity: (now) => person('female', ['Zoé', 'Lou'], "N'DIAYE", new Date(now - 250 * DAY).toISOString().slice(0, 10), '45234'),
  },
]

/** The first past patient: the medical secretary, once hospitalised in cardiologie. */
const FIXED_PAST_STAFF: { staffKey: StaffKey; unit: UnitCode; diagnosis: string; cog: string } = {
  staffKey: 'secretaire',
  unit: 'CARDIO',
  diagnosis: 'R55',
  cog: '45234',
}

interface Context {
  seed: number
  now: number
  staff: StaffBuild
  names: Map<string, string>
  nirs: NirRegistry
  bedsByUnit: Map<UnitCode, Bed[]>
  unitNames: Map<UnitCode, string>
  patients: Resource[]
  clinical: ClinicalBuckets
}

interface StayPlan {
  unit: UnitCode
  bed: Bed
  diagnosis: DiagnosisSpec
  start: number
  end?: number
  deteriorating: boolean
  letter: boolean
}

function randomAge(rng: Rng, unit: UnitCode): number {
  switch (unit) {
    case 'PEDIA':
      // Bronchiolitis season: many infants.
      return rng.weighted([[0, 30], [1, 15], [2, 8], [3, 6], [4, 5], [5, 5]] as const) + (rng.chance(0.35) ? rng.int(6, 17) - 5 : 0)
    case 'CARDIO':
      return Math.round(clamp(rng.normal(74, 11), 40, 99))
    // 19 and over, so that an adult is still of age on the day of an admission weeks ago.
    case 'MEDINT':
      return Math.round(clamp(rng.normal(68, 17), 19, 99))
    case 'CHIR':
      return Math.round(clamp(rng.normal(55, 19), 19, 97))
  }
}

function pickDiagnosis(rng: Rng, unit: UnitCode, age: number): DiagnosisSpec {
  return rng.weighted(diagnosesFor(unit, age).map((d) => [d, d.weight] as const))
}

/** An earlier stay in the same adult unit, if the patient was already of age for it. */
function earlierDiagnosis(rng: Rng, unit: UnitCode, age: number): DiagnosisSpec | undefined {
  if (unit === 'PEDIA' || age < 18 || diagnosesFor(unit, age).length === 0) return undefined
  return pickDiagnosis(rng, unit, age)
}

function comorbiditiesFor(rng: Rng, age: number): ComorbiditySpec[] {
  return COMORBIDITIES.filter((c) => age >= c.minAge && rng.chance(c.probability))
}

function gpFor(rng: Rng, ctx: Context, age: number): string | undefined {
  if (!rng.chance(age < 18 ? 0.7 : 0.88)) return undefined
  return rng.pick(ctx.staff.generalPractitioners).practitionerId
}

function staffIdentity(ctx: Context, key: StaffKey, cog: string): Identity {
  const member = ctx.staff.staff.find((s) => s.key === key)
  if (!member) throw new RangeError(`unknown staff ${key}`)
  return person(member.gender, [member.givenName], member.familyName, member.birthDate, cog)
}

/** Builds one patient and their stays (oldest first); returns the last stay's vitals and encounter. */
function generatePatient(
  ctx: Context,
  num: number,
  rng: Rng,
  identity: Identity,
  plans: StayPlan[],
  opts: { flags: PatientFlags; comorbidities: ComorbiditySpec[]; gpId?: string },
): { patientId: string; encounterIds: string[]; baseline: VitalBaseline; lastVitals?: StayResultVitals } {
  const number = pad(num)
  const patientId = `pat-${number}`
  const ids = new IdAllocator(number)
  const first = plans[0]
  if (!first) throw new RangeError('a patient needs a stay')
  const ins = identity.status === 'PROV' ? undefined : ctx.nirs.issue(rng, identity)
  ctx.patients.push(
    buildPatient({
      id: patientId,
      identity,
      ...(ins ? { ins } : {}),
      ipp: `9${pad(num, 7)}`,
      firstSeenMs: first.start,
      ...(opts.gpId ? { gpId: opts.gpId } : {}),
      flags: opts.flags,
      rng,
    }),
  )
  const out = emptyBuckets()
  const firstDoctor = ctx.staff.doctorsByUnit[first.unit][0] ?? ''
  const ageNow = ageAt(identity.birthDate, ctx.now)
  out.allergies.push(...allergies(rng, patientId, ageNow, first.start, firstDoctor, () => ids.next('alg')))
  for (const c of opts.comorbidities) {
    const onset = first.start - rng.float(1, 12) * YEAR
    out.conditions.push(
      conditionResource(ids.next('cond'), c.code, c.label, patientId, {
        category: 'problem-list-item',
        active: true,
        onset: Math.max(onset, Date.parse(identity.birthDate) + 18 * YEAR),
        recorded: first.start + HOUR,
        recorderId: firstDoctor,
      }),
    )
  }
  const gp = opts.gpId ? ctx.staff.generalPractitioners.find((g) => g.practitionerId === opts.gpId) : undefined
  const encounterIds: string[] = []
  let lastVitals: StayResultVitals | undefined
  let baseline: VitalBaseline | undefined
  for (const plan of plans) {
    const age = ageAt(identity.birthDate, plan.start)
    baseline = vitalBaseline(rng, age, identity.sex)
    const patient: StayPatient = {
      id: patientId,
      displayName: displayName(identity),
      birthDate: identity.birthDate,
      ageYears: age,
      sex: identity.sex,
      baseline,
      comorbidities: opts.comorbidities,
      ...(gp ? { gp: { name: `${gp.givenName} ${gp.familyName}`, mssante: gp.mssante } } : {}),
    }
    const doctorId = ctx.staff.doctorsByUnit[plan.unit][0] ?? ''
    const result = buildStay(
      {
        rng,
        ids,
        patient,
        unitCode: plan.unit,
        unitName: ctx.unitNames.get(plan.unit) ?? plan.unit,
        bed: plan.bed,
        diagnosis: plan.diagnosis,
        start: plan.start,
        ...(plan.end === undefined ? {} : { end: plan.end }),
        now: ctx.now,
        doctorId,
        nurseId: ctx.staff.nursesByUnit[plan.unit][0] ?? '',
        detail: plan.end === undefined ? 'full' : 'summary',
        deteriorating: plan.deteriorating,
        letter: plan.letter,
      },
      out,
      ctx.names.get(doctorId) ?? '',
    )
    encounterIds.push(result.encounterId)
    if (result.lastVitals) lastVitals = result.lastVitals
    if (plan.end === undefined && gp) {
      out.documents.push(
        referralLetter({
          id: ids.next('doc'),
          patientId,
          patientName: patient.displayName,
          sex: identity.sex,
          birthDate: identity.birthDate,
          encounterId: result.encounterId,
          unitName: ctx.unitNames.get(plan.unit) ?? plan.unit,
          admittedAt: plan.start,
          reason: plan.diagnosis.summary,
          gp: { id: gp.practitionerId, name: `${gp.givenName} ${gp.familyName}`, mssante: gp.mssante },
          comorbidities: opts.comorbidities.map((c) => c.label),
        }),
      )
    }
  }
  // Confidentiality travels with every resource of the patient, so that a search on Observation is filtered too.
  const security = patientMeta(opts.flags)?.security
  for (const list of Object.values(out) as Resource[][]) {
    for (const resource of list) {
      if (security) resource.meta = { ...(resource.meta ?? {}), security }
    }
  }
  for (const key of Object.keys(out) as (keyof ClinicalBuckets)[]) (ctx.clinical[key] as Resource[]).push(...out[key])
  return { patientId, encounterIds, baseline: baseline ?? vitalBaseline(rng, ageNow, identity.sex), ...(lastVitals ? { lastVitals } : {}) }
}

type StayResultVitals = NonNullable<ReturnType<typeof buildStay>['lastVitals']>

function currentLengthOfStay(rng: Rng): number {
  const band = rng.weighted([['short', 30], ['medium', 45], ['long', 25]] as const)
  if (band === 'short') return rng.float(0.2, 2) * DAY
  if (band === 'medium') return rng.float(2, 7) * DAY
  return rng.float(7, 21) * DAY
}

function practitionerName(p: Practitioner): string {
  const name = p.name?.[0]
  return [...(name?.prefix ?? []), ...(name?.given ?? []), name?.family ?? ''].join(' ').trim()
}

/**
 * The deterministic synthetic hospital of the training environment. Pure: no I/O, no clock (unless `now` is
 * given), no Math.random — the same options give the same resources, byte for byte.
 */
export function generateHospital(options: HospitalOptions = {}): TrainingHospital {
  const seed = options.seed ?? DEFAULT_SEED
  const now = (options.now ?? new Date(DEFAULT_NOW)).getTime()
  const pastCount = options.pastPatients ?? DEFAULT_PAST_PATIENTS
  const heavyCount = options.heavyObservations ?? DEFAULT_HEAVY_OBSERVATIONS

  const organization = buildOrganization()
  const { units, locations, beds } = buildLocations()
  const staff = buildStaff(seed)
  const ctx: Context = {
    seed,
    now,
    staff,
    names: new Map(staff.practitioners.map((p) => [p.id ?? '', practitionerName(p)])),
    nirs: new NirRegistry(),
    bedsByUnit: new Map(units.map((u) => [u.code, beds.filter((b) => b.unit.id === u.id)])),
    unitNames: new Map(units.map((u) => [u.code, u.name])),
    patients: [],
    clinical: emptyBuckets(),
  }

  // Occupied beds, in unit then bed order.
  const bedRng = new Rng(deriveSeed(seed, 'beds'))
  const slots: { bed: Bed; index: number }[] = []
  for (const unit of units) {
    const unitBeds = ctx.bedsByUnit.get(unit.code) ?? []
    const free = new Set(bedRng.sample(unitBeds, unitBeds.length - OCCUPIED_PER_UNIT).map((b) => b.bedId))
    unitBeds.filter((b) => !free.has(b.bedId)).forEach((bed, index) => slots.push({ bed, index }))
  }

  const currentPatientIds: string[] = []
  const currentStays: CurrentStay[] = []
  const carePlanPatients: CarePlanPatient[] = []
  const staffPatients: TrainingHospital['staffPatients'] = []
  const sensitive: TrainingHospital['sensitivePatients'] = { restricted: [], vip: [], penitentiary: [] }
  const highNews2PatientIds: string[] = []
  let heavy: { patientId: string; baseline: VitalBaseline; age: number; sex: 'male' | 'female' } | undefined
  const noteFlags = (patientId: string, flags: PatientFlags): void => {
    if (flags.restricted || flags.vip) sensitive.restricted.push(patientId)
    if (flags.vip) sensitive.vip.push(patientId)
    if (flags.penitentiary) sensitive.penitentiary.push(patientId)
  }

  let num = 0
  for (const slot of slots) {
    num++
    const rng = new Rng(deriveSeed(seed, 'patient', num))
    const unit = slot.bed.unit.code
    const fixed = FIXED_CURRENT.filter((f) => f.unit === unit)[slot.index]
    const identity = fixed
      ? fixed.staffKey
        ? staffIdentity(ctx, fixed.staffKey, fixed.identity(now).birthPlace.cog)
        : fixed.identity(now)
      : randomIdentity(rng, randomAge(rng, unit), now)
    const age = ageAt(identity.birthDate, now)
    // A newborn cannot have been admitted before birth.
    const start = Math.max(now - currentLengthOfStay(rng), Date.parse(identity.birthDate) + 12 * HOUR)
    const diagnosis = fixed ? diagnosisByCode(fixed.diagnosis, unit) : pickDiagnosis(rng, unit, ageAt(identity.birthDate, start))
    const deteriorating = !fixed && unit !== 'PEDIA' && DETERIORATING_SLOTS.includes(slot.index)
    const plans: StayPlan[] = []
    if (fixed?.previousStay ?? (!fixed && rng.chance(0.3))) {
      const prevEnd = start - rng.float(60, 4 * 365) * DAY
      const prevStart = prevEnd - rng.float(2, 10) * DAY
      const prevDiagnosis = fixed?.previousStay ? diagnosis : earlierDiagnosis(rng, unit, ageAt(identity.birthDate, prevStart))
      if (prevDiagnosis) plans.push({ unit, bed: rng.pick(ctx.bedsByUnit.get(unit) ?? [slot.bed]), diagnosis: prevDiagnosis, start: prevStart, end: prevEnd, deteriorating: false, letter: fixed?.previousStay === true || rng.chance(0.5) })
    }
    plans.push({ unit, bed: slot.bed, diagnosis, start, deteriorating, letter: false })
    const flags = fixed?.flags ?? {}
    const comorbidities = fixed?.comorbidities ? fixed.comorbidities.map(comorbidityByCode) : comorbiditiesFor(rng, age)
    const gpId = gpFor(rng, ctx, age)
    const result = generatePatient(ctx, num, rng, identity, plans, { flags, comorbidities, ...(gpId ? { gpId } : {}) })
    currentPatientIds.push(result.patientId)
    currentStays.push({
      patientId: result.patientId,
      encounterId: result.encounterIds[result.encounterIds.length - 1] ?? '',
      unitId: slot.bed.unit.id,
      roomId: slot.bed.roomId,
      bedId: slot.bed.bedId,
    })
    carePlanPatients.push({
      patientId: result.patientId,
      encounterId: result.encounterIds[result.encounterIds.length - 1] ?? '',
      unit,
      admittedMs: start,
      ageYears: age,
      diabetic: diagnosis.code.startsWith('E10') || comorbidities.some((c) => c.code.startsWith('E1')),
      deteriorating,
      ...(patientMeta(flags)?.security ? { security: patientMeta(flags)?.security } : {}),
    })
    noteFlags(result.patientId, flags)
    if (fixed?.staffKey) staffPatients.push({ staffKey: fixed.staffKey, patientId: result.patientId })
    if (deteriorating) highNews2PatientIds.push(result.patientId)
    if (fixed?.heavy) heavy = { patientId: result.patientId, baseline: result.baseline, age, sex: identity.sex }
  }
  setBedOccupancy(locations, new Set(slots.map((s) => s.bed.bedId)))

  const pastPatientIds: string[] = []
  for (let i = 0; i < pastCount; i++) {
    num++
    const rng = new Rng(deriveSeed(seed, 'patient', num))
    const staffCase = i === 0 ? FIXED_PAST_STAFF : undefined
    const unit: UnitCode = staffCase?.unit ?? rng.weighted([['CARDIO', 25], ['MEDINT', 30], ['CHIR', 30], ['PEDIA', 15]] as const)
    const end = now - rng.float(2, 5 * 365 - 20) * DAY
    const start = end - rng.float(1, 15) * DAY
    const identity = staffCase ? staffIdentity(ctx, staffCase.staffKey, staffCase.cog) : randomIdentity(rng, randomAge(rng, unit), start)
    const ageThen = ageAt(identity.birthDate, start)
    const diagnosis = staffCase ? diagnosisByCode(staffCase.diagnosis, unit) : pickDiagnosis(rng, unit, ageThen)
    const unitBeds = ctx.bedsByUnit.get(unit) ?? []
    const plans: StayPlan[] = []
    if (!staffCase && rng.chance(0.12)) {
      const earlierEnd = start - rng.float(30, 700) * DAY
      const earlierStart = earlierEnd - rng.float(1, 10) * DAY
      const earlier = earlierDiagnosis(rng, unit, ageAt(identity.birthDate, earlierStart))
      if (earlier) plans.push({ unit, bed: rng.pick(unitBeds), diagnosis: earlier, start: earlierStart, end: earlierEnd, deteriorating: false, letter: rng.chance(0.35) })
    }
    plans.push({ unit, bed: rng.pick(unitBeds), diagnosis, start, end, deteriorating: false, letter: staffCase !== undefined || rng.chance(0.35) })
    const flags: PatientFlags = !staffCase && rng.chance(0.01) ? { restricted: true } : {}
    const ageNow = ageAt(identity.birthDate, now)
    const comorbidities = ageThen >= 18 ? comorbiditiesFor(rng, ageThen) : []
    const gpId = gpFor(rng, ctx, ageNow)
    const result = generatePatient(ctx, num, rng, identity, plans, { flags, comorbidities, ...(gpId ? { gpId } : {}) })
    pastPatientIds.push(result.patientId)
    noteFlags(result.patientId, flags)
    if (staffCase) staffPatients.push({ staffKey: staffCase.staffKey, patientId: result.patientId })
  }

  if (!heavy) throw new Error('the heavy patient was not placed')
  const c = ctx.clinical
  const resources: Resource[] = [
    organization,
    ...locations,
    ...staff.practitioners,
    ...staff.roles,
    ...ctx.patients,
    ...c.encounters,
    ...c.conditions,
    ...c.allergies,
    ...c.observations,
    ...c.reports,
    ...c.medications,
    ...c.documents,
    ...carePlans({
      seed,
      now,
      patients: carePlanPatients,
      doctorOf: (unit) => staff.doctorsByUnit[unit][0] ?? '',
      nurseOf: (unit) => {
        const id = staff.nursesByUnit[unit][0] ?? ''
        return { id, name: ctx.names.get(id) ?? '' }
      },
    }),
  ]
  return {
    seed,
    now: new Date(now).toISOString(),
    establishment: { name: ESTABLISHMENT_NAME, finess: ESTABLISHMENT_FINESS, address: ESTABLISHMENT_ADDRESS, organizationId: ORGANIZATION_ID },
    resources,
    staff: staff.staff,
    generalPractitioners: staff.generalPractitioners,
    units,
    currentPatientIds,
    pastPatientIds,
    currentStays,
    heavyPatientId: heavy.patientId,
    heavyObservationCount: heavyCount,
    heavyObservations: heavySeries({
      seed,
      patientId: heavy.patientId,
      count: heavyCount,
      now,
      baseline: heavy.baseline,
      patient: { ageYears: heavy.age, sex: heavy.sex },
      nurseId: staff.nursesByUnit.MEDINT[0] ?? '',
    }),
    staffPatients,
    sensitivePatients: sensitive,
    highNews2PatientIds,
  }
}
