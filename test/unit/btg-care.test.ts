import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { admission, admitPatient, cachedSensitivity, maskSummary, minimalSummary, onCareTeam } from '../../src-main/access/care'
import { sensitivityOf, ACT_CODE_SYSTEM, CONFIDENTIALITY_SYSTEM, PATIENT_CONTEXT_SYSTEM } from '../../src-main/access/sensitivity'
import { BtgBeginParams } from '../../src-main/contract'
import { census, patientSummary, upsertResources } from '../../src-main/store/cache'
import * as systems from '../../src-main/training/hospital/systems'
import type { UserWorkspace } from '../../src-main/workspace'
import { patient, stay, unitTree } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

// The workstation's care check (access/care.ts) and the masking of sensitive patients, over a real cache.

let temp: TempStore
const NOW = '2026-11-23T10:00:00Z'

beforeEach(() => {
  temp = openTempStore('chevet-btg-care-')
  const vip = patient({ id: 'p-vip', family: 'LEFÈVRE', given: ['François'], birthDate: '1952-10-02', ipp: '900001', ins: '152102B03312345' })
  vip.meta = { security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }, { system: ACT_CODE_SYSTEM, code: 'CELEB' }] }
  upsertResources(
    temp.store.db,
    [
      ...unitTree('CARDIO', 'Cardiologie', 2),
      ...unitTree('CHIR', 'Chirurgie', 2),
      patient({ id: 'p-mine', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14', ipp: '900002' }),
      vip,
      patient({ id: 'p-other', family: 'ROUX', given: ['Mickaël'], birthDate: '1990-07-07', ipp: '900003' }),
      stay('e-mine', 'p-mine', 'CARDIO', 'CARDIO-1-1'),
      stay('e-vip', 'p-vip', 'CARDIO', 'CARDIO-1-2'),
      stay('e-other', 'p-other', 'CHIR', 'CHIR-1-1'),
    ],
    { now: NOW },
  )
})

afterEach(() => temp.cleanup())

const input = (btg: string[] = []) => ({ db: temp.store.db, practitionerId: 'pra-nurse', unitIds: ['CARDIO'], btgActive: (id: string) => btg.includes(id) })

describe('care relationship', () => {
  it('admits the patients of my units, and one of another unit only under a break the glass', () => {
    expect(admission(input(), 'p-mine')).toBe('care')
    expect(admission(input(), 'p-other')).toBeNull()
    expect(admission(input(['p-other']), 'p-other')).toBe('btg')
    // A patient of my units under a BTG is ordinary care (the journal says 'care').
    expect(admission(input(['p-mine']), 'p-mine')).toBe('care')
    expect(admission(input(), 'p-unknown')).toBeNull()
  })

  it('admits a patient whose active CareTeam names me, not one whose participation ended', () => {
    const team = (id: string, end?: string) => ({
      resourceType: 'CareTeam' as const,
      id,
      status: 'active' as const,
      subject: { reference: 'Patient/p-other' },
      participant: [{ member: { reference: 'Practitioner/pra-nurse' }, ...(end ? { period: { end } } : {}) }],
    })
    upsertResources(temp.store.db, [team('ct-old', '2020-01-01T00:00:00Z')], { now: NOW })
    expect(onCareTeam(temp.store.db, 'p-other', 'pra-nurse')).toBe(false)
    upsertResources(temp.store.db, [team('ct-now')], { now: NOW })
    expect(onCareTeam(temp.store.db, 'p-other', 'pra-nurse')).toBe(true)
    expect(admission(input(), 'p-other')).toBe('care')
    expect(onCareTeam(temp.store.db, 'p-other', 'pra-someone-else')).toBe(false)
  })

  it('keeps a patient discharged from my unit in my care within the window, not after it nor from another unit', () => {
    // Finished stays end 2026-11-21T08:00Z (fixture); the bed named last is in the unit.
    upsertResources(
      temp.store.db,
      [
        patient({ id: 'p-home', family: 'MOREAU', given: ['Paul'], birthDate: '1975-09-02', ipp: '900004' }),
        stay('e-home', 'p-home', 'CARDIO', 'CARDIO-102-1', 'finished', '2026-11-18T08:00:00Z'),
        patient({ id: 'p-left-chir', family: 'BLANC', given: ['Lise'], birthDate: '1969-04-04', ipp: '900005' }),
        stay('e-left-chir', 'p-left-chir', 'CHIR', 'CHIR-102-1', 'finished', '2026-11-18T08:00:00Z'),
      ],
      { now: NOW },
    )
    const since = (iso: string) => ({ ...input(), dischargedSince: iso })
    expect(admission(since('2026-11-21T07:59:59Z'), 'p-home')).toBe('care')
    expect(admission(since('2026-11-21T08:00:01Z'), 'p-home')).toBeNull()
    expect(admission(input(), 'p-home')).toBeNull()
    expect(admission(since('2026-11-20T00:00:00Z'), 'p-left-chir')).toBeNull()
  })

  it('refuses with BREAK_GLASS_REQUIRED outside care', () => {
    const workspace = { user: { practitionerId: 'pra-nurse', units: [{ id: 'CARDIO', name: 'Cardiologie' }] } } as unknown as UserWorkspace
    expect(admitPatient(temp.store.db, workspace, 'p-mine', () => false)).toBe(workspace)
    expect(() => admitPatient(temp.store.db, workspace, 'p-other', () => false)).toThrow(expect.objectContaining({ code: 'BREAK_GLASS_REQUIRED' }))
    expect(admitPatient(temp.store.db, workspace, 'p-other', (who, id) => who === 'pra-nurse' && id === 'p-other')).toBe(workspace)
  })
})

describe('sensitive patients', () => {
  it('reads the flags the training hospital puts in meta', () => {
    expect([CONFIDENTIALITY_SYSTEM, ACT_CODE_SYSTEM, PATIENT_CONTEXT_SYSTEM]).toEqual([
      systems.CONFIDENTIALITY_SYSTEM,
      systems.ACT_CODE_SYSTEM,
      systems.PATIENT_CONTEXT_SYSTEM,
    ])
    expect(sensitivityOf({ tag: [{ system: PATIENT_CONTEXT_SYSTEM, code: 'penitentiaire' }] })).toEqual(['penitentiary'])
    expect(sensitivityOf({ security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'N' }] })).toEqual([])
    expect(sensitivityOf(undefined)).toEqual([])
    expect(cachedSensitivity(temp.store.db, 'p-vip')).toEqual(['restricted', 'vip'])
    expect(cachedSensitivity(temp.store.db, 'p-mine')).toEqual([])
  })

  it('masks a sensitive patient in a list to « confidential » + bed; leaves the others whole', () => {
    const entries = census(temp.store.db, ['CARDIO'])
    const vip = entries.find((e) => e.patient.id === 'p-vip')!.patient
    const masked = maskSummary(vip, cachedSensitivity(temp.store.db, 'p-vip'))
    expect(masked).toMatchObject({ familyName: '', givenName: '', birthDate: null, ins: null, ipp: null, masked: true, sensitivity: ['restricted', 'vip'] })
    expect(masked.bed).toBe(vip.bed)
    expect(JSON.stringify(masked)).not.toContain('LEF')
    const mine = patientSummary(temp.store.db, 'p-mine')!
    expect(maskSummary(mine, [])).toBe(mine)
  })

  it('gives a minimal identity outside care: name, sex, birth date; nothing of a sensitive one', () => {
    const plain = minimalSummary({ id: 'x', familyName: 'ROUX', givenName: 'Mickaël', sex: 'male', birthDate: '1990-07-07', sensitivity: [] })
    expect(plain).toMatchObject({ familyName: 'ROUX', givenName: 'Mickaël', birthDate: '1990-07-07', ins: null, ipp: null, unit: null, bed: null, admittedAt: null, access: 'outside' })
    const hidden = minimalSummary({ id: 'y', familyName: 'X', givenName: 'Y', sex: 'male', birthDate: '1990-07-07', sensitivity: ['penitentiary'] })
    expect(hidden).toMatchObject({ familyName: '', givenName: '', birthDate: null, masked: true, access: 'outside' })
  })
})

describe('break the glass reason', () => {
  it('needs a reason from the list, and a bounded text for « autre »', () => {
    expect(BtgBeginParams.safeParse({ patientId: 'p', reason: 'urgence-vitale' }).success).toBe(true)
    expect(BtgBeginParams.safeParse({ patientId: 'p', reason: 'autre' }).success).toBe(false)
    expect(BtgBeginParams.safeParse({ patientId: 'p', reason: 'autre', justification: '   ' }).success).toBe(false)
    expect(BtgBeginParams.safeParse({ patientId: 'p', reason: 'autre', justification: 'Appel du SAMU' }).success).toBe(true)
    expect(BtgBeginParams.safeParse({ patientId: 'p', reason: 'autre', justification: 'x'.repeat(501) }).success).toBe(false)
    expect(BtgBeginParams.safeParse({ patientId: 'p', reason: 'curiosite' }).success).toBe(false)
  })
})

describe('the training central’s care after discharge', () => {
  it('keeps a finished stay in its unit for the window after the discharge, then lets it go', async () => {
    const { CareUnitIndex } = await import('../../src-main/training/fhir-server/care-units')
    let now = Date.parse('2026-11-23T10:00:00Z')
    const index = new CareUnitIndex(7 * 24 * 3_600_000, () => now)
    for (const location of unitTree('CARDIO', 'Cardiologie', 1)) index.onWrite(undefined, location)
    const home = stay('e-home', 'p-home', 'CARDIO', 'CARDIO-101-1', 'finished')
    home.period = { start: '2026-11-18T08:00:00Z', end: '2026-11-20T10:00:00Z' }
    index.onWrite(undefined, home)
    expect([...index.patientsInUnits(new Set(['CARDIO']))]).toEqual(['p-home'])
    expect(index.unitsOfPatient('p-home').has('CARDIO')).toBe(true)
    now = Date.parse('2026-11-27T10:00:01Z')
    expect([...index.patientsInUnits(new Set(['CARDIO']))]).toEqual([])
    expect(index.unitsOfPatient('p-home').size).toBe(0)
  })
})
