import { describe, expect, it } from 'vitest'
import { latestReviews, toBtgGrant, toBtgReview, btgReviewEvent, type AccessRecord, type BtgGrant } from '../../src-main/audit/access-records'
import { detectAnomalies, isOffHours, DEFAULT_ANOMALY_OPTIONS, type AnomalyContext } from '../../src-main/audit/anomalies'
import { CSV_BOM, csvCell, toCsv } from '../../src-main/audit/csv'

const ctx: AnomalyContext = {
  staff: new Map([
    ['nurse', { familyName: 'PERRIN', displayName: 'Anaïs PERRIN', role: 'infirmier', units: ['loc-cardio'] }],
    ['sec', { familyName: 'BERTIN', displayName: 'Noël BERTIN', role: 'secretaire', units: ['loc-cardio'] }],
  ]),
  patients: new Map([
    ['p1', { familyNames: ['DURAND'], sensitivity: [], staffPractitionerId: null }],
    ['p-perrin', { familyNames: ['Perrin'], sensitivity: [], staffPractitionerId: null }],
    ['p-bertin', { familyNames: ['BERTIN'], sensitivity: [], staffPractitionerId: 'sec' }],
    ['p-vip', { familyNames: ['LEFÈVRE'], sensitivity: ['vip'], staffPractitionerId: null }],
  ]),
  unitNames: new Map([['loc-cardio', 'Cardiologie'], ['loc-chir', 'Chirurgie']]),
}

let n = 0
function access(patientId: string, recorded: string, more: Partial<AccessRecord> = {}): AccessRecord {
  return {
    id: `a${++n}`,
    recorded,
    actorId: 'nurse',
    actorRole: 'infirmier',
    patientIds: [patientId],
    resources: [],
    action: 'read',
    purpose: 'care',
    outcome: 'success',
    source: 'central',
    unitsAtAccess: { [patientId]: 'loc-cardio' },
    ...more,
  }
}
const rules = (records: AccessRecord[], grants: BtgGrant[] = [], c: AnomalyContext = ctx) => detectAnomalies(records, grants, new Map(), c).map((a) => a.rule)
// Tuesday 24 Nov 2026, 10:00 in Paris (UTC+1).
const WORKDAY = '2026-11-24T09:00:00.000Z'

describe('access anomaly rules', () => {
  it('finds nothing in an ordinary access of a patient of my unit in working hours', () => {
    expect(rules([access('p1', WORKDAY)])).toEqual([])
  })

  it('flags an access outside my units, but not under break the glass nor without the unit at the time', () => {
    expect(rules([access('p1', WORKDAY, { unitsAtAccess: { p1: 'loc-chir' } })])).toEqual(['hors-unites'])
    expect(rules([access('p1', WORKDAY, { unitsAtAccess: { p1: 'loc-chir' }, purpose: 'btg' })])).toEqual([])
    expect(rules([access('p1', WORKDAY, { unitsAtAccess: {} })])).toEqual([])
    const [anomaly] = detectAnomalies([access('p1', WORKDAY, { unitsAtAccess: { p1: 'loc-chir' } })], [], new Map(), ctx)
    expect(anomaly?.explanation).toContain('Chirurgie')
    expect(anomaly?.explanation).toContain('hors de ses unités (Cardiologie)')
  })

  it('flags the same surname, whatever the case and accents', () => {
    expect(rules([access('p-perrin', WORKDAY)])).toEqual(['meme-nom'])
  })

  it('flags a colleague’s record, and one’s own', () => {
    expect(rules([access('p-bertin', WORKDAY)])).toEqual(['dossier-collegue'])
    const own = detectAnomalies([access('p-bertin', WORKDAY, { actorId: 'sec' })], [], new Map(), ctx)
    expect(own.map((a) => a.rule).sort()).toEqual(['dossier-collegue', 'meme-nom'])
    expect(own.find((a) => a.rule === 'dossier-collegue')?.explanation).toContain('son propre dossier')
  })

  it('flags a sensitive patient on every access', () => {
    expect(rules([access('p-vip', WORKDAY), access('p-vip', WORKDAY)])).toEqual(['patient-sensible', 'patient-sensible'])
  })

  it('flags off-hours bulk access above N distinct patients within one hour, at the boundary', () => {
    const night = (i: number, patient = `x${i}`) => access(patient, new Date(Date.parse('2026-11-24T01:00:00Z') + i * 60_000).toISOString(), { unitsAtAccess: {} })
    const ten = Array.from({ length: 10 }, (_, i) => night(i))
    expect(rules(ten)).toEqual([]) // exactly N: not more than N
    expect(rules([...ten, night(10)])).toEqual(['masse-hors-heures'])
    expect(rules([...ten, night(10, 'x0')])).toEqual([]) // the same patient twice counts once
    const spread = Array.from({ length: 11 }, (_, i) => access(`y${i}`, new Date(Date.parse('2026-11-24T01:00:00Z') + i * 6 * 60_000 + 1).toISOString(), { unitsAtAccess: {} }))
    expect(rules(spread)).toEqual([]) // 11 patients over more than an hour
    const day = Array.from({ length: 11 }, (_, i) => access(`z${i}`, new Date(Date.parse(WORKDAY) + i * 60_000).toISOString(), { unitsAtAccess: {} }))
    expect(rules(day)).toEqual([])
    const options = { ...DEFAULT_ANOMALY_OPTIONS, bulkThreshold: 3 }
    expect(detectAnomalies(ten.slice(0, 4), [], new Map(), { ...ctx, options }).map((a) => a.rule)).toEqual(['masse-hors-heures'])
  })

  it('knows working hours in Paris time, and weekends', () => {
    const o = DEFAULT_ANOMALY_OPTIONS
    expect(isOffHours('2026-11-24T05:59:00Z', o)).toBe(true) // 06:59
    expect(isOffHours('2026-11-24T06:00:00Z', o)).toBe(false) // 07:00
    expect(isOffHours('2026-11-24T18:59:00Z', o)).toBe(false) // 19:59
    expect(isOffHours('2026-11-24T19:00:00Z', o)).toBe(true) // 20:00
    expect(isOffHours('2026-07-14T05:30:00Z', o)).toBe(false) // 07:30 in summer time (UTC+2)
    expect(isOffHours('2026-11-28T10:00:00Z', o)).toBe(true) // Saturday
  })

  it('lists a break-the-glass grant until it is reviewed; the latest review wins', () => {
    const grant = toBtgGrant({
      resourceType: 'AuditEvent',
      id: 'g1',
      type: { code: 'x' },
      recorded: WORKDAY,
      subtype: [{ system: 'urn:chevet:audit', code: 'btg-grant' }],
      agent: [{ who: { reference: 'Practitioner/nurse' }, requestor: true }],
      source: { observer: {} },
      entity: [{ what: { reference: 'Patient/p1' }, detail: [{ type: 'reason', valueString: 'urgence-vitale' }] }],
    })!
    expect(grant).toMatchObject({ patientId: 'p1', reason: 'urgence-vitale', actorId: 'nurse' })
    expect(rules([], [grant])).toEqual(['btg-non-revu'])
    const review = (id: string, verdict: 'justifie' | 'a-instruire', recorded: string) =>
      toBtgReview({ ...btgReviewEvent({ grantId: 'g1', reviewerId: 'dpo', reviewerRole: 'dpo', verdict, comment: 'vu\nligne 2', recorded }), id })!
    const latest = latestReviews([review('r2', 'justifie', '2026-11-25T10:00:00Z'), review('r1', 'a-instruire', '2026-11-25T09:00:00Z')])
    expect(latest.get('g1')).toMatchObject({ verdict: 'justifie', comment: 'vu\nligne 2' })
    expect(detectAnomalies([], [grant], latest, ctx)).toEqual([])
  })
})

describe('review CSV', () => {
  it('writes RFC 4180 with a BOM, ; separators, CRLF, quoted cells and formulas defused', () => {
    const csv = toCsv(['Date', 'Nom'], [['2026-11-24', 'DURAND; Hélène'], ['=1+1', 'dit "bonjour"\nfin'], [null, 3]])
    expect(csv.startsWith(CSV_BOM)).toBe(true)
    expect(csv.slice(1).split('\r\n')).toEqual(['Date;Nom', '2026-11-24;"DURAND; Hélène"', `'=1+1;"dit ""bonjour""\nfin"`, ';3', ''])
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('@x')).toBe("'@x")
  })
})

describe('seeded access history of the training hospital', () => {
  it('is the same on every run and only names patients and staff of the hospital', async () => {
    const { generateHospital } = await import('../../src-main/training/hospital')
    const { seededAccessEvents } = await import('../../src-main/training/hospital/access-history')
    const hospital = generateHospital({ pastPatients: 40, heavyObservations: 0 })
    const first = seededAccessEvents(hospital)
    expect(seededAccessEvents(generateHospital({ pastPatients: 40, heavyObservations: 0 }))).toEqual(first)
    const patients = new Set(hospital.resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id}`))
    const staff = new Set(hospital.staff.map((m) => `Practitioner/${m.practitionerId}`))
    for (const event of first) {
      expect(staff.has(event.agent[0]?.who?.reference ?? '')).toBe(true)
      expect(event.entity?.every((e) => patients.has(e.what?.reference ?? ''))).toBe(true)
      expect(Date.parse(event.recorded)).toBeLessThan(Date.parse(hospital.now))
    }
    expect(first.filter((e) => e.subtype?.[0]?.code === 'btg-grant')).toHaveLength(2)
  })
})
