import { describe, expect, it } from 'vitest'
import type { DemoDrug } from '../../src-main/formulary/demo'
import { classifyForm } from '../../src-main/formulary/forms'
import { ageInYears, checkOrder, substanceNames, type OrderToCheck, type PatientForChecks } from '../../src-main/prescribing/checks'
import { findDrug } from '../../src-main/prescribing/drugs'
import { intakesPer24h } from '../../src-main/prescribing/orders'

function drug(dc: string): DemoDrug {
  const found = findDrug(dc)
  if (!found) throw new Error(`no ${dc} in the demo formulary`)
  return found
}

function order(dc: string, form: string, dose: number, intakes: number | null = 1, unit = 'mg'): OrderToCheck {
  const d = drug(dc)
  const f = d.forms.find((x) => x.form === form)
  if (!f) throw new Error(`no form ${form} for ${dc}`)
  return { drug: d, form, category: classifyForm(f.form, f.routes).category, dose: { value: dose, unit }, intakesPer24h: intakes }
}

const patient = (over: Partial<PatientForChecks> = {}): PatientForChecks => ({
  birthDate: '1980-01-01',
  weightKg: 70,
  allergies: [],
  activeOrders: [],
  ...over,
})

const codes = (alerts: { code: string }[]): string[] => alerts.map((a) => a.code)

describe('age in completed years', () => {
  it('turns 6 on the sixth birthday, not the day before', () => {
    expect(ageInYears('2020-06-15', '2026-06-14')).toBe(5)
    expect(ageInYears('2020-06-15', '2026-06-15')).toBe(6)
  })
  it('a 29 February birthday is reached on 1 March in a common year', () => {
    expect(ageInYears('2020-02-29', '2026-02-28')).toBe(5)
    expect(ageInYears('2020-02-29', '2026-03-01')).toBe(6)
  })
})

describe('oral solid form for a child under 6', () => {
  const child = patient({ birthDate: '2020-06-15', weightKg: 20 })
  it('alerts at 5 years 364 days and proposes the oral liquid forms of the same DC', () => {
    const alerts = checkOrder(order('paracétamol', 'comprimé', 200, 4), child, '2026-06-14')
    const galenic = alerts.find((a) => a.code === 'galenic-child')
    expect(galenic).toMatchObject({ blocking: true, severity: 'high', source: 'galenic-rule', params: { age: 5, limit: 6 } })
    expect(galenic?.suggestions.map((s) => s.form)).toEqual(['suspension buvable', 'poudre pour solution buvable'])
  })
  it('does not alert from the sixth birthday', () => {
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 200, 4), child, '2026-06-15'))).not.toContain('galenic-child')
  })
  it('does not alert for a liquid, a suppository, or a gélule given to an adult', () => {
    expect(codes(checkOrder(order('paracétamol', 'suspension buvable', 200, 4), child, '2026-06-14'))).not.toContain('galenic-child')
    expect(codes(checkOrder(order('paracétamol', 'suppositoire', 200, 4), child, '2026-06-14'))).not.toContain('galenic-child')
    expect(codes(checkOrder(order('paracétamol', 'gélule', 500, 4), patient(), '2026-06-14'))).toEqual([])
  })
  it('an orodispersible tablet is an oral solid too', () => {
    expect(codes(checkOrder(order('prednisolone', 'comprimé orodispersible', 20, 1), child, '2023-06-15'))).toContain('galenic-child')
  })
})

describe('adult doses', () => {
  it('blocks above the maximum per intake, not at it (units converted)', () => {
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient(), '2026-01-01'))).toEqual([])
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1, 4, 'g'), patient(), '2026-01-01'))).toEqual([])
    const over = checkOrder(order('paracétamol', 'comprimé', 1001, 1), patient(), '2026-01-01')
    expect(over).toEqual([expect.objectContaining({ code: 'dose-per-intake', blocking: true, source: 'formulary', params: { dose: 1001, max: 1000, unit: 'mg' } })])
  })
  it('blocks above the maximum per 24 h, not at it', () => {
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient(), '2026-01-01'))).toEqual([])
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 5), patient(), '2026-01-01'))).toEqual(['dose-per-day'])
  })
  it('a dose in a unit that does not convert is flagged, not blocked', () => {
    expect(checkOrder(order('paracétamol', 'comprimé', 3, 1, 'mL'), patient(), '2026-01-01')).toEqual([
      expect.objectContaining({ code: 'dose-unit', blocking: false }),
    ])
  })
  it('counts intakes per 24 h from the frequency, or the "si besoin" maximum', () => {
    expect(intakesPer24h({ frequency: { kind: 'perDay', times: 3 }, asNeeded: false })).toBe(3)
    expect(intakesPer24h({ frequency: { kind: 'every', hours: 6 }, asNeeded: false })).toBe(4)
    expect(intakesPer24h({ frequency: { kind: 'every', hours: 6 }, asNeeded: true, maxIntakesPer24h: 3 })).toBe(3)
  })
})

describe('paediatric mg/kg', () => {
  const child = patient({ birthDate: '2016-01-01', weightKg: 20 })
  const today = '2026-01-01'
  it('accepts the limits of the range per intake (10–15 mg/kg) and per day (40–60 mg/kg)', () => {
    expect(codes(checkOrder(order('paracétamol', 'suspension buvable', 300, 4), child, today))).toEqual([])
    expect(codes(checkOrder(order('paracétamol', 'suspension buvable', 200, 4), child, today))).toEqual([])
  })
  it('blocks above the range and warns below it', () => {
    const high = checkOrder(order('paracétamol', 'suspension buvable', 301, null), child, today)
    expect(high).toEqual([expect.objectContaining({ code: 'mgkg-intake-high', blocking: true, params: expect.objectContaining({ perKg: 15.05, max: 15 }) })])
    const low = checkOrder(order('paracétamol', 'suspension buvable', 199, 4), child, today)
    expect(codes(low)).toEqual(['mgkg-intake-low', 'mgkg-day-low'])
    expect(low.every((a) => !a.blocking)).toBe(true)
  })
  it('blocks a daily dose above 60 mg/kg even when each intake is in range', () => {
    expect(codes(checkOrder(order('paracétamol', 'suspension buvable', 300, 5), child, today))).toEqual(['mgkg-day-high'])
  })
  it('a missing weight for a child is itself a blocking alert; an adult needs none', () => {
    expect(checkOrder(order('paracétamol', 'suspension buvable', 300, 4), { ...child, weightKg: null }, today)).toEqual([
      expect.objectContaining({ code: 'weight-missing', blocking: true, source: 'patient-record' }),
    ])
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient({ weightKg: null }), today))).toEqual([])
  })
  it('at 18 the adult maxima apply instead of mg/kg', () => {
    const adult = patient({ birthDate: '2008-01-01', weightKg: null })
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), adult, '2026-01-01'))).toEqual([])
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), adult, '2025-12-31'))).toEqual(['weight-missing'])
  })
})

describe('duplicate therapy', () => {
  const doliprane = { id: 'mr-1', dc: null, substances: ['PARACÉTAMOL'], label: 'DOLIPRANE 500 mg, gélule' }
  it('alerts on the same substance under another brand name', () => {
    const alerts = checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient({ activeOrders: [doliprane] }), '2026-01-01')
    expect(alerts).toEqual([expect.objectContaining({ code: 'duplicate', blocking: false, source: 'active-orders', params: { other: doliprane.label, dc: 'paracétamol' } })])
  })
  it('alerts on a hospital order known by its DC only, and on a combination sharing a substance (salt or not)', () => {
    const hospital = { id: 'mr-2', dc: 'amoxicilline', substances: [], label: 'amoxicilline 1 g comprimé dispersible' }
    expect(codes(checkOrder(order('amoxicilline + acide clavulanique', 'comprimé pelliculé', 1000, 3), patient({ activeOrders: [hospital] }), '2026-01-01'))).toEqual(['duplicate'])
  })
  it('does not alert for the same brand-like label with another substance, nor for the order being replaced', () => {
    const otherSubstance = { id: 'mr-3', dc: null, substances: ['IBUPROFÈNE'], label: 'DOLIPRANE 500 mg, gélule' }
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient({ activeOrders: [otherSubstance] }), '2026-01-01'))).toEqual([])
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient({ activeOrders: [doliprane] }), '2026-01-01', 'mr-1'))).toEqual([])
  })
})

describe('allergies', () => {
  it('matches a class allergy (pénicillines) against the therapeutic class', () => {
    const alerts = checkOrder(order('amoxicilline', 'gélule', 1000, 3), patient({ allergies: ['Pénicillines'] }), '2026-01-01')
    expect(alerts).toEqual([expect.objectContaining({ code: 'allergy', blocking: true, source: 'allergies', params: { allergy: 'Pénicillines', dc: 'amoxicilline' } })])
  })
  it('matches the fraction of a salt (AMOXICILLINE TRIHYDRATÉE → amoxicilline) and a name in parentheses', () => {
    expect(codes(checkOrder(order('amoxicilline + acide clavulanique', 'comprimé pelliculé', 1000, 3), patient({ allergies: ['Amoxicilline'] }), '2026-01-01'))).toEqual(['allergy'])
    expect(substanceNames('MORPHINE (SULFATE DE)')).toContain('morphine')
    expect(substanceNames('AMOXICILLINE TRIHYDRATÉE')).toContain('amoxicilline')
    expect(codes(checkOrder(order('acide acétylsalicylique', 'poudre pour solution buvable', 75, 1), patient({ allergies: ['Acide acétylsalicylique (aspirine)'] }), '2026-01-01'))).toEqual(['allergy'])
  })
  it('does not match another substance, a food or latex', () => {
    expect(codes(checkOrder(order('paracétamol', 'comprimé', 1000, 4), patient({ allergies: ['Ibuprofène', 'Latex', 'Arachide', 'Œuf'] }), '2026-01-01'))).toEqual([])
  })
})
