import { describe, expect, it } from 'vitest'
import { FORM_CATEGORIES, FORM_RULES, classifyForm } from '../../src-main/formulary/forms'
import { DemoFormulary, loadDemoFormulary } from '../../src-main/formulary/demo'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('pharmaceutical form categories', () => {
  it.each([
    ['comprimé pelliculé', 'orale', 'oral-solid'],
    ['comprimé orodispersible', 'orale', 'oral-solid'],
    ['gélule gastro-résistant(e)', 'orale', 'oral-solid'],
    ['capsule molle', 'orale', 'oral-solid'],
    ['lyophilisat', 'orale', 'oral-solid'],
    ['granulés', 'orale', 'oral-solid'],
    ['poudre pour suspension buvable', 'orale', 'oral-liquid'],
    ['solution buvable en gouttes', 'orale', 'oral-liquid'],
    ['sirop', 'orale', 'oral-liquid'],
    ['granulés pour suspension buvable', 'orale', 'oral-liquid'],
    ['solution injectable', 'intraveineuse;sous-cutanée', 'injectable'],
    ['poudre et solvant pour solution injectable', 'intramusculaire', 'injectable'],
    ['solution pour perfusion', 'intraveineuse', 'injectable'],
    ['crème', 'cutanée', 'cutaneous'],
    ['collyre en solution', 'ophtalmique', 'ophthalmic'],
    ['gel', 'ophtalmique', 'ophthalmic'],
    ['poudre pour inhalation', 'inhalée', 'inhaled'],
    ['suppositoire', 'rectale', 'rectal'],
    ['crème', 'rectale', 'rectal'],
    ['ovule', 'vaginale', 'vaginal'],
    ['comprimé', 'vaginale', 'vaginal'],
    ['solution pour pulvérisation', 'nasale', 'nasal'],
    ['solution', 'auriculaire', 'auricular'],
    ['dispositif', 'transdermique', 'transdermal'],
    ['solution pour dialyse péritonéale', 'intrapéritonéale', 'other'],
    ['comprimé et solution(s) et granules et poudre et pommade', 'orale;cutanée', 'other'],
  ])('%s (%s) → %s', (form, routes, category) => {
    expect(classifyForm(form, routes).category).toBe(category)
  })

  it('ignores case and accents and says which rule matched', () => {
    expect(classifyForm('COMPRIME ORODISPERSIBLE', 'ORALE')).toEqual({ category: 'oral-solid', rule: 'solide-oral' })
    expect(classifyForm('Solution Injectable')).toEqual({ category: 'injectable', rule: 'injectable-perfusion' })
  })

  it('leaves a form without a decisive word or route unclassified', () => {
    expect(classifyForm('crème', 'cutanée;rectale')).toEqual({ category: null, rule: null })
    expect(classifyForm('pâte', 'orale')).toEqual({ category: null, rule: null })
    expect(classifyForm('gel')).toEqual({ category: null, rule: null })
  })

  it('maps only to known categories and every rule is listed in docs/formulary.md', () => {
    const doc = readFileSync(path.join(root, 'docs', 'formulary.md'), 'utf8')
    for (const rule of FORM_RULES) {
      expect(FORM_CATEGORIES).toContain(rule.category)
      expect(doc).toContain(`\`${rule.id}\``)
    }
  })
})

describe('demo formulary', () => {
  const formulary = loadDemoFormulary()

  it('has at least 80 drugs, each with a DC, substances, forms, routes and doses', () => {
    expect(formulary.drugs.length).toBeGreaterThanOrEqual(80)
    for (const drug of formulary.drugs) {
      expect(drug.dc).not.toBe('')
      expect(drug.forms.length).toBeGreaterThan(0)
      expect(drug.substances.length).toBeGreaterThan(0)
      expect(drug.dosing.adult.maxPer24h.value).toBeGreaterThanOrEqual(drug.dosing.adult.maxPerIntake.value)
    }
  })

  it('offers paediatric oral liquid forms with mg/kg ranges for common drugs', () => {
    const byDc = new Map(formulary.drugs.map((drug) => [drug.dc, drug]))
    for (const [dc, form] of [
      ['paracétamol', 'suspension buvable'],
      ['amoxicilline', 'poudre pour suspension buvable'],
      ['ibuprofène', 'suspension buvable'],
    ] as const) {
      const drug = byDc.get(dc)
      expect(drug?.forms.map((f) => f.form)).toContain(form)
      expect(drug?.dosing.paediatric?.unit).toBe('mg')
    }
    expect(byDc.get('paracétamol')?.dosing.paediatric?.perKgPerIntake).toEqual({ min: 10, max: 15 })
    expect(formulary.drugs.filter((drug) => drug.forms.some((f) => f.category === 'oral-liquid')).length).toBeGreaterThan(30)
  })

  it('rejects a drug whose form category contradicts the rules, or a duplicate DC', () => {
    const [first] = formulary.drugs
    const wrong = { ...first!, forms: [{ ...first!.forms[0]!, category: 'oral-liquid' }] }
    expect(DemoFormulary.safeParse({ ...formulary, drugs: [wrong, ...formulary.drugs.slice(1)] }).success).toBe(false)
    expect(DemoFormulary.safeParse({ ...formulary, drugs: [...formulary.drugs, first] }).success).toBe(false)
    expect(DemoFormulary.safeParse({ ...formulary, drugs: formulary.drugs.slice(0, 79) }).success).toBe(false)
  })
})
