import { createHash } from 'node:crypto'
import type {
  DiagnosticReport,
  DocumentReference,
  Encounter,
  Location,
  Observation,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes'
import { describe, expect, it } from 'vitest'
import { Role } from '../../src-main/contract/session'
import { REFERRAL_LOINC } from '../../src-main/training/hospital/documents'
import {
  generateHospital,
  idNatFromRpps,
  isValidNir,
  isValidRpps,
  luhnValid,
  nirKey,
  normalizeNir,
  rppsWithKey,
  systems,
  type TrainingHospital,
} from '../../src-main/training/hospital'

const SMALL = { pastPatients: 60, heavyObservations: 500 } as const

let smallHospital: TrainingHospital | undefined
let defaultHospital: TrainingHospital | undefined
const small = (): TrainingHospital => (smallHospital ??= generateHospital(SMALL))
const full = (): TrainingHospital => (defaultHospital ??= generateHospital())

function ofType<T extends Resource>(h: TrainingHospital, type: T['resourceType']): T[] {
  return h.resources.filter((r): r is T => r.resourceType === type)
}

function byId(h: TrainingHospital): Map<string, Resource> {
  return new Map(h.resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]))
}

function insOf(p: Patient): string | undefined {
  return p.identifier?.find((i) => i.system === systems.INS_NIR_TEST_SYSTEM || i.system === systems.INS_NIR_SYSTEM)?.value
}

function statusOf(p: Patient): string | undefined {
  const ext = p.extension?.find((e) => e.url === systems.IDENTITY_RELIABILITY_URL)
  return ext?.extension?.find((e) => e.url === 'identityStatus')?.valueCoding?.code
}

function birthCog(p: Patient): string | undefined {
  const ext = p.extension?.find((e) => e.url === systems.BIRTH_PLACE_URL)
  return ext?.valueAddress?.extension?.find((e) => e.url === systems.INSEE_CODE_URL)?.valueCoding?.code
}

function ageAt(birthDate: string, iso: string): number {
  const b = new Date(`${birthDate}T00:00:00Z`)
  const a = new Date(iso)
  let age = a.getUTCFullYear() - b.getUTCFullYear()
  if (a.getUTCMonth() < b.getUTCMonth() || (a.getUTCMonth() === b.getUTCMonth() && a.getUTCDate() < b.getUTCDate())) age--
  return age
}

function hash(h: TrainingHospital): string {
  const digest = createHash('sha256').update(JSON.stringify(h.resources))
  for (const o of h.heavyObservations()) digest.update(JSON.stringify(o))
  return digest.digest('hex')
}

/** Every `reference` string anywhere in a resource. */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v)
      else references(v, out)
    }
  }
  return out
}

function unitOf(e: Encounter): string | undefined {
  return e.location?.find((l) => l.physicalType?.coding?.[0]?.code === 'wa')?.location.reference
}

/** NEWS2 on air, alert (RCP 2017, scale 1), from the five measured parameters. */
function news2(v: { rr: number; spo2: number; sbp: number; hr: number; temp: number }): number {
  const rr = v.rr <= 8 ? 3 : v.rr <= 11 ? 1 : v.rr <= 20 ? 0 : v.rr <= 24 ? 2 : 3
  const spo2 = v.spo2 <= 91 ? 3 : v.spo2 <= 93 ? 2 : v.spo2 <= 95 ? 1 : 0
  const sbp = v.sbp <= 90 ? 3 : v.sbp <= 100 ? 2 : v.sbp <= 110 ? 1 : v.sbp < 220 ? 0 : 3
  const hr = v.hr <= 40 ? 3 : v.hr <= 50 ? 1 : v.hr <= 90 ? 0 : v.hr <= 110 ? 1 : v.hr <= 130 ? 2 : 3
  const temp = v.temp <= 35 ? 3 : v.temp <= 36 ? 1 : v.temp <= 38 ? 0 : v.temp <= 39 ? 1 : 2
  return rr + spo2 + sbp + hr + temp
}

function latestVitals(h: TrainingHospital): Map<string, { rr: number; spo2: number; sbp: number; hr: number; temp: number }> {
  const latest = new Map<string, Map<string, Observation>>()
  for (const o of ofType<Observation>(h, 'Observation')) {
    if (o.category?.[0]?.coding?.[0]?.code !== 'vital-signs') continue
    const patient = o.subject?.reference ?? ''
    const code = o.code.coding?.[0]?.code ?? ''
    const perPatient = latest.get(patient) ?? new Map<string, Observation>()
    const previous = perPatient.get(code)
    if (!previous || (previous.effectiveDateTime ?? '') < (o.effectiveDateTime ?? '')) perPatient.set(code, o)
    latest.set(patient, perPatient)
  }
  const out = new Map<string, { rr: number; spo2: number; sbp: number; hr: number; temp: number }>()
  for (const [patient, m] of latest) {
    const v = (code: string): number => m.get(code)?.valueQuantity?.value ?? NaN
    out.set(patient, {
      rr: v('9279-1'),
      spo2: v('59408-5'),
      sbp: m.get('85354-9')?.component?.[0]?.valueQuantity?.value ?? NaN,
      hr: v('8867-4'),
      temp: v('8310-5'),
    })
  }
  return out
}

describe('identifier helpers', () => {
  it('computes and checks the NIR key, including Corsica', () => {
    // Worked examples in the INSEE layout (also python-stdnum's): a mainland and a Corsican (2B) birth.
    expect(nirKey('2951099126111')).toBe('93')
    expect(isValidNir('295109912611193')).toBe(true)
    expect(isValidNir('253072B07300470')).toBe(true)
    // 2A counts as 19 and 2B as 18 in the arithmetic.
    expect(nirKey('180012A004001')).toBe(nirKey('1800119004001'))
    expect(nirKey('180012B033001')).toBe(nirKey('1800118033001'))
    expect(nirKey('180012A004001')).not.toBe(nirKey('180012B004001'))
    expect(isValidNir('295109912611194')).toBe(false)
    expect(isValidNir('253072B07300471')).toBe(false)
    expect(isValidNir('2951099126111')).toBe(false)
    expect(isValidNir('2951099X2611193')).toBe(false)
    expect(isValidNir('253072C07300470')).toBe(false)
    expect(isValidNir('595109912611193')).toBe(false)
    expect(isValidNir(normalizeNir('2 95 10 99 126 111 93'))).toBe(true)
    expect(isValidNir(normalizeNir('2 53 07 2b 073 004 70'))).toBe(true)
    expect(() => nirKey('29510991261')).toThrow(RangeError)
  })

  it('writes the key on two digits, from 01 to 97', () => {
    const base = 1850575000000
    const multiple = base + ((97 - (base % 97)) % 97)
    expect(nirKey(String(multiple))).toBe('97')
    const smallKey = multiple + 90 // remainder 90 → key 07
    expect(nirKey(String(smallKey))).toBe('07')
    expect(isValidNir(`${smallKey}07`)).toBe(true)
  })

  it('checks Luhn and builds RPPS numbers', () => {
    expect(luhnValid('79927398713')).toBe(true)
    expect(luhnValid('79927398710')).toBe(false)
    expect(luhnValid('')).toBe(false)
    expect(luhnValid('7992739871a')).toBe(false)
    expect(rppsWithKey('7992739871')).toBe('79927398713')
    // The leading 1 sits at an undoubled position: 1 + key ≡ 0 (mod 10).
    expect(rppsWithKey('1000000000')).toBe('10000000009')
    expect(rppsWithKey('0000000000')).toBe('00000000000')
    expect(isValidRpps('10000000009')).toBe(true)
    expect(isValidRpps('1000000000')).toBe(false)
    expect(isValidRpps('10000000008')).toBe(false)
    expect(() => rppsWithKey('123456789')).toThrow(RangeError)
    expect(idNatFromRpps('10000000009')).toBe('810000000009')
    expect(() => idNatFromRpps('10000000008')).toThrow(RangeError)
  })
})

describe('synthetic hospital', () => {
  it('is the same on every run, and depends on the seed', () => {
    const a = hash(generateHospital(SMALL))
    expect(hash(generateHospital(SMALL))).toBe(a)
    expect(hash(generateHospital({ ...SMALL, seed: 7 }))).not.toBe(a)
  })

  it('keeps the current inpatients unchanged when the number of past patients changes', () => {
    const few = generateHospital({ pastPatients: 5, heavyObservations: 10 })
    const ids = new Set(few.currentPatientIds)
    const pick = (h: TrainingHospital): string =>
      JSON.stringify(h.resources.filter((r) => r.resourceType === 'Patient' && ids.has(r.id ?? '')))
    expect(pick(few)).toBe(pick(small()))
  })

  it('has the default size: 4+ units, 120+ current and 2,000 past patients', () => {
    const h = full()
    expect(h.units.length).toBeGreaterThanOrEqual(4)
    expect(h.units.map((u) => u.name)).toEqual(expect.arrayContaining(['Cardiologie', 'Pédiatrie', 'Médecine interne', 'Chirurgie']))
    expect(h.currentPatientIds.length).toBeGreaterThanOrEqual(120)
    expect(h.pastPatientIds).toHaveLength(2000)
    expect(ofType<Patient>(h, 'Patient')).toHaveLength(h.currentPatientIds.length + 2000)
    expect(h.heavyObservationCount).toBe(50_000)
    expect(h.establishment).toMatchObject({ name: 'Centre hospitalier de formation Chevet', finess: '990000010' })
    const org = ofType<Organization>(h, 'Organization')[0]
    expect(org?.identifier?.[0]).toMatchObject({ system: 'urn:oid:1.2.250.1.71.4.2.2', value: '990000010' })
  })

  it('lays out wards, rooms and beds, one current inpatient per occupied bed', () => {
    const h = small()
    const resources = byId(h)
    const locations = ofType<Location>(h, 'Location')
    const kind = (l: Location | undefined): string | undefined => l?.physicalType?.coding?.[0]?.code
    for (const unit of h.units) expect(kind(resources.get(`Location/${unit.id}`) as Location)).toBe('wa')
    for (const bed of locations.filter((l) => kind(l) === 'bd')) {
      const room = resources.get(bed.partOf?.reference ?? '') as Location | undefined
      expect(kind(room)).toBe('ro')
      expect(kind(resources.get(room?.partOf?.reference ?? '') as Location)).toBe('wa')
    }
    const beds = new Set<string>()
    for (const stay of h.currentStays) {
      expect(beds.has(stay.bedId)).toBe(false)
      beds.add(stay.bedId)
      const enc = resources.get(`Encounter/${stay.encounterId}`) as Encounter
      expect(enc.status).toBe('in-progress')
      expect(enc.subject?.reference).toBe(`Patient/${stay.patientId}`)
      expect(enc.location?.map((l) => l.location.reference)).toEqual([`Location/${stay.unitId}`, `Location/${stay.bedId}`])
      expect((resources.get(`Location/${stay.bedId}`) as Location).operationalStatus?.code).toBe('O')
      expect(Date.parse(enc.period?.start ?? '')).toBeLessThan(Date.parse(h.now))
    }
    const past = ofType<Encounter>(h, 'Encounter').filter((e) => h.pastPatientIds.includes(e.subject?.reference?.slice(8) ?? ''))
    expect(past.length).toBeGreaterThanOrEqual(h.pastPatientIds.length)
    expect(past.every((e) => e.status === 'finished' && e.period?.end !== undefined)).toBe(true)
  })

  it('gives every identity a status, and an INS with a valid key to all but PROV identities', () => {
    const h = full()
    const patients = ofType<Patient>(h, 'Patient')
    const statuses = new Map<string, number>()
    const seen = new Set<string>()
    let corsican = 0
    for (const p of patients) {
      const status = statusOf(p) ?? 'none'
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      const ins = insOf(p)
      expect(p.identifier?.some((i) => i.system === systems.IPP_SYSTEM && i.type?.coding?.[0]?.code === 'PI')).toBe(true)
      if (status === 'PROV') {
        expect(ins).toBeUndefined()
        continue
      }
      expect(ins).toBeDefined()
      const value = ins ?? ''
      expect(isValidNir(value)).toBe(true)
      expect(seen.has(value)).toBe(false)
      seen.add(value)
      // The NIR's traits agree with the identity: sex, year and month of birth, birthplace.
      expect(value[0]).toBe(p.gender === 'male' ? '1' : '2')
      expect(value.slice(1, 5)).toBe(`${p.birthDate?.slice(2, 4)}${p.birthDate?.slice(5, 7)}`)
      expect(value.slice(5, 10)).toBe(birthCog(p))
      if (/^2[AB]/.test(value.slice(5, 7))) corsican++
      const identifier = p.identifier?.find((i) => i.value === value)
      expect(identifier).toMatchObject({ use: 'official', system: 'urn:oid:1.2.250.1.213.1.4.10' })
      expect(identifier?.type?.coding?.[0]).toMatchObject({ system: systems.FR_CORE_IDENTIFIER_TYPE, code: 'INS-NIR-TEST' })
    }
    expect(corsican).toBeGreaterThanOrEqual(10)
    for (const s of ['PROV', 'RECUP', 'VALI']) expect(statuses.get(s) ?? 0).toBeGreaterThan(0)
    const qual = (statuses.get('QUAL') ?? 0) / patients.length
    expect(qual).toBeGreaterThan(0.75)
    expect(qual).toBeLessThan(0.95)
    expect(statuses.get('none')).toBeUndefined()
  })

  it('puts children under 6 in pédiatrie only, and only children there', () => {
    const h = full()
    const patients = new Map(ofType<Patient>(h, 'Patient').map((p) => [`Patient/${p.id ?? ''}`, p]))
    const pedia = `Location/${h.units.find((u) => u.code === 'PEDIA')?.id ?? ''}`
    let youngChildren = 0
    for (const e of ofType<Encounter>(h, 'Encounter')) {
      const birth = patients.get(e.subject?.reference ?? '')?.birthDate ?? ''
      const age = ageAt(birth, e.period?.start ?? '')
      expect(age).toBeGreaterThanOrEqual(0)
      if (unitOf(e) === pedia) expect(age).toBeLessThan(18)
      else expect(age).toBeGreaterThanOrEqual(18)
      if (age < 6) youngChildren++
    }
    for (const stay of h.currentStays) {
      const age = ageAt(patients.get(`Patient/${stay.patientId}`)?.birthDate ?? '', h.now)
      if (age < 6) expect(`Location/${stay.unitId}`).toBe(pedia)
    }
    expect(youngChildren).toBeGreaterThan(10)
  })

  it('writes French names with their accents, birth names and usage names', () => {
    const h = small()
    const patients = ofType<Patient>(h, 'Patient')
    const names = patients.flatMap((p) => p.name ?? [])
    const text = names.map((n) => `${n.given?.join(' ') ?? ''} ${n.family ?? ''}`)
    expect(text.filter((t) => /[^\u0020-\u007e]/.test(t)).length / patients.length).toBeGreaterThan(0.3)
    expect(text).toContain('Hélène DURAND')
    expect(text.some((t) => t.includes("N'DIAYE"))).toBe(true)
    const married = patients.find((p) => p.name?.some((n) => n.use === 'usual' && n.family === 'MÜLLER-BÉRAUD'))
    expect(married?.name?.find((n) => n.use === 'official')?.family).toBe("D'ALMEIDA")
    for (const p of patients) {
      const official = p.name?.find((n) => n.use === 'official')
      const list = official?.extension?.find((e) => e.url === systems.BIRTH_LIST_GIVEN_NAME_URL)?.valueString ?? ''
      expect(list.split(' ')[0]).toBe(official?.given?.[0])
    }
  })

  it('staffs the units with Luhn-valid RPPS numbers and the demo roles', () => {
    const h = small()
    const resources = byId(h)
    const keys = h.staff.map((s) => s.key)
    expect(keys).toEqual(expect.arrayContaining(['medecin', 'interne', 'infirmier', 'secretaire', 'pharmacien', 'dpo', 'cadre']))
    const unitIds = h.units.map((u) => u.id)
    const pins = new Set<string>()
    for (const s of h.staff) {
      expect(isValidRpps(s.rpps)).toBe(true)
      expect(s.idNat).toBe(`8${s.rpps}`)
      expect(Role.safeParse(s.role).success).toBe(true)
      expect(s.pin).toMatch(/^\d{4}$/)
      pins.add(s.pin)
      for (const u of s.units) expect(unitIds).toContain(u)
      const practitioner = resources.get(`Practitioner/${s.practitionerId}`) as Practitioner
      expect(practitioner.identifier).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ system: 'urn:oid:1.2.250.1.71.4.2.1', value: s.idNat }),
          expect.objectContaining({ system: 'https://rpps.esante.gouv.fr', value: s.rpps }),
        ]),
      )
      const role = resources.get(`PractitionerRole/${s.roleId}`) as PractitionerRole
      expect(role.practitioner?.reference).toBe(`Practitioner/${s.practitionerId}`)
      expect(role.location?.map((l) => l.reference)).toEqual(s.units.map((u) => `Location/${u}`))
      expect(role.code?.[0]?.coding?.find((c) => c.system === systems.CHEVET_ROLE_SYSTEM)?.code).toBe(s.role)
    }
    expect(pins.size).toBe(h.staff.length)
    const get = (key: string): (typeof h.staff)[number] | undefined => h.staff.find((s) => s.key === key)
    expect(get('dpo')?.units).toEqual([])
    expect(get('pharmacien')?.units).toHaveLength(h.units.length)
    expect(get('medecin')?.units).toEqual(['loc-cardio', 'loc-medint'])
    const professions = (key: string): string[] =>
      ((resources.get(`PractitionerRole/${get(key)?.roleId ?? ''}`) as PractitionerRole).code?.[0]?.coding ?? [])
        .filter((c) => c.system === systems.PROFESSION_SYSTEM)
        .map((c) => c.code ?? '')
    expect(professions('medecin')).toEqual(['10'])
    expect(professions('pharmacien')).toEqual(['21'])
    expect(professions('infirmier')).toEqual(['60'])
    for (const p of ofType<Practitioner>(h, 'Practitioner')) {
      expect(isValidRpps(p.identifier?.find((i) => i.system === systems.RPPS_SYSTEM)?.value ?? '')).toBe(true)
    }
    for (const gp of h.generalPractitioners) expect(gp.mssante).toMatch(/^[a-z-]+\.[a-z-]+@medecin\.mssante\.fr$/)
  })

  it('resolves every reference to a resource of the hospital', () => {
    const h = small()
    const ids = byId(h)
    const dangling = h.resources.flatMap((r) => references(r).filter((ref) => !ids.has(ref)).map((ref) => `${r.resourceType}/${r.id ?? ''} → ${ref}`))
    expect(dangling).toEqual([])
    expect(ids.size).toBe(h.resources.length)
    const heavyRefs = [...h.heavyObservations()].flatMap((o) => references(o))
    expect(heavyRefs.filter((ref) => !ids.has(ref))).toEqual([])
  })

  it('produces the heavy series lazily, for the heavy patient only', () => {
    const h = small()
    const series = [...h.heavyObservations()]
    expect(series).toHaveLength(500)
    expect(new Set(series.map((o) => o.id)).size).toBe(500)
    expect(series.every((o) => o.subject?.reference === `Patient/${h.heavyPatientId}`)).toBe(true)
    expect(JSON.stringify([...h.heavyObservations()])).toBe(JSON.stringify(series))
    expect(h.resources.some((r) => r.id?.startsWith('obs-heavy-'))).toBe(false)
    const times = series.map((o) => Date.parse(o.effectiveDateTime ?? ''))
    const now = Date.parse(h.now)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(now - 5 * 366 * 86_400_000)
    expect(Math.max(...times)).toBeLessThan(now)
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(4 * 365 * 86_400_000)
    const stay = h.currentStays.find((s) => s.patientId === h.heavyPatientId)
    expect(stay?.unitId).toBe(h.units.find((u) => u.code === 'MEDINT')?.id)
    expect(h.heavyObservationCount).toBe(500)
  })

  it('yields 50,000 heavy observations by default', () => {
    let n = 0
    for (const o of full().heavyObservations()) if (o.resourceType === 'Observation') n++
    expect(n).toBe(50_000)
  })

  it('records vital-sign series, with a few patients at NEWS2 7 or more', () => {
    const h = small()
    const vitals = latestVitals(h)
    for (const id of h.highNews2PatientIds) {
      expect(h.currentPatientIds).toContain(id)
      expect(news2(vitals.get(`Patient/${id}`) ?? { rr: 0, spo2: 0, sbp: 0, hr: 0, temp: 0 })).toBeGreaterThanOrEqual(7)
    }
    expect(h.highNews2PatientIds.length).toBeGreaterThanOrEqual(3)
    const adults = h.currentStays.filter((s) => !s.unitId.endsWith('pedia') && !h.highNews2PatientIds.includes(s.patientId))
    const calm = adults.filter((s) => {
      const v = vitals.get(`Patient/${s.patientId}`)
      return v !== undefined && news2(v) < 5
    })
    expect(calm.length / adults.length).toBeGreaterThan(0.85)
    // A series every 4 to 8 hours: a patient in for several days has many rounds.
    const longStay = h.currentStays[10]
    const hr = ofType<Observation>(h, 'Observation').filter(
      (o) => o.subject?.reference === `Patient/${longStay?.patientId ?? ''}` && o.code.coding?.[0]?.code === '8867-4',
    )
    const hours = (Date.parse(h.now) - Date.parse((byId(h).get(`Encounter/${longStay?.encounterId ?? ''}`) as Encounter).period?.start ?? '')) / 3_600_000
    expect(hr.length).toBeGreaterThanOrEqual(Math.floor(hours / 8))
    for (const o of hr) expect(o.valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org', code: '/min' })
  })

  it('flags out-of-range results and groups them in reports', () => {
    const h = small()
    const ids = byId(h)
    const labs = ofType<Observation>(h, 'Observation').filter((o) => o.category?.[0]?.coding?.[0]?.code === 'laboratory')
    const flags = new Set<string>()
    for (const o of labs) {
      const value = o.valueQuantity?.value ?? NaN
      const low = o.referenceRange?.[0]?.low?.value
      const high = o.referenceRange?.[0]?.high?.value
      const flag = o.interpretation?.[0]?.coding?.[0]?.code ?? ''
      flags.add(flag)
      if (high !== undefined && value > high) expect(['H', 'HH']).toContain(flag)
      else if (low !== undefined && value < low) expect(['L', 'LL']).toContain(flag)
      else expect(flag).toBe('N')
    }
    expect([...flags]).toEqual(expect.arrayContaining(['N', 'H', 'L', 'HH']))
    const reports = ofType<DiagnosticReport>(h, 'DiagnosticReport')
    const lab = reports.filter((r) => r.category?.[0]?.coding?.[0]?.code === 'LAB')
    expect(lab.map((r) => r.code.text)).toEqual(expect.arrayContaining(['Numération formule sanguine (NFS)', 'Ionogramme sanguin', 'Bilan rénal']))
    for (const r of lab) for (const res of r.result ?? []) expect((ids.get(res.reference ?? '') as Observation).category?.[0]?.coding?.[0]?.code).toBe('laboratory')
    const rad = reports.filter((r) => r.category?.[0]?.coding?.[0]?.code === 'RAD')
    expect(rad.length).toBeGreaterThan(20)
    expect(rad.every((r) => (r.conclusion ?? '').length > 20)).toBe(true)
  })

  it('prescribes in DC with structured timing, and writes letters for past stays', () => {
    const h = small()
    const requests = h.resources.filter((r) => r.resourceType === 'MedicationRequest')
    const perPatient = new Map<string, number>()
    for (const r of requests) {
      if (r.resourceType !== 'MedicationRequest') continue
      perPatient.set(r.subject.reference ?? '', (perPatient.get(r.subject.reference ?? '') ?? 0) + 1)
      const dosage = r.dosageInstruction?.[0]
      expect(dosage?.text?.length).toBeGreaterThan(5)
      expect(dosage?.timing?.repeat?.frequency).toBeGreaterThan(0)
    }
    expect(h.currentPatientIds.every((id) => (perPatient.get(`Patient/${id}`) ?? 0) >= 1)).toBe(true)
    expect(requests.some((r) => r.resourceType === 'MedicationRequest' && r.medicationCodeableConcept?.text === 'paracétamol 1 g comprimé')).toBe(true)
    const documents = ofType<DocumentReference>(h, 'DocumentReference')
    // Discharge letters of past stays; the referral letters of current stays are checked apart.
    const letters = documents.filter((d) => d.type?.coding?.[0]?.code !== REFERRAL_LOINC)
    expect(letters.length).toBeGreaterThan(5)
    const referrals = documents.filter((d) => d.type?.coding?.[0]?.code === REFERRAL_LOINC)
    expect(referrals.length).toBeGreaterThan(h.currentPatientIds.length / 2)
    for (const d of referrals) {
      expect(h.currentPatientIds).toContain(d.subject?.reference?.replace('Patient/', ''))
      expect(Buffer.from(d.content[0]?.attachment.data ?? '', 'base64').toString('utf8')).toContain('Courrier d’adressage')
    }
    for (const d of letters) {
      expect(d.type?.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '11490-0' })
      const text = Buffer.from(d.content[0]?.attachment.data ?? '', 'base64').toString('utf8')
      expect(text).toContain('Lettre de liaison')
      expect(text).toContain('Données fictives')
    }
  })

  it('labels sensitive patients and their data, and knows which staff are patients', () => {
    const h = small()
    const ids = byId(h)
    const { restricted, vip, penitentiary } = h.sensitivePatients
    expect(vip.length).toBeGreaterThanOrEqual(1)
    expect(penitentiary.length).toBeGreaterThanOrEqual(1)
    expect(restricted).toEqual(expect.arrayContaining(vip))
    for (const id of restricted) {
      const data = h.resources.filter((r) => r.id === id || references(r).includes(`Patient/${id}`))
      expect(data.length).toBeGreaterThan(3)
      for (const r of data) expect(r.meta?.security?.some((s) => s.system === systems.CONFIDENTIALITY_SYSTEM && s.code === 'R')).toBe(true)
    }
    for (const id of vip) expect((ids.get(`Patient/${id}`) as Patient).meta?.security?.map((s) => s.code)).toContain('CELEB')
    for (const id of penitentiary) expect((ids.get(`Patient/${id}`) as Patient).meta?.tag?.[0]?.system).toBe(systems.PATIENT_CONTEXT_SYSTEM)
    const ordinary = ids.get(`Patient/${h.currentPatientIds[0] ?? ''}`) as Patient
    expect(ordinary.meta?.security).toBeUndefined()
    expect(h.staffPatients.length).toBeGreaterThanOrEqual(2)
    for (const { staffKey, patientId } of h.staffPatients) {
      const member = h.staff.find((s) => s.key === staffKey)
      const p = ids.get(`Patient/${patientId}`) as Patient
      expect(p.birthDate).toBe(member?.birthDate)
      expect(p.name?.[0]?.family).toBe(member?.familyName)
      expect(p.name?.[0]?.given?.[0]).toBe(member?.givenName)
    }
  })
})
