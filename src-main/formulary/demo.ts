import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { FORM_CATEGORIES, classifyForm } from './forms'

/*
 * The demo formulary of the training environment (resources/formulary/demo-formulary.json): common hospital
 * drugs in DC with their forms and doses. Its doses are for training only, not a clinical reference.
 */

export const DOSE_UNITS = ['mg', 'g', 'µg', 'UI', 'mmol', 'mL'] as const

const positive = z.number().positive()
const Dose = z.object({ value: positive, unit: z.enum(DOSE_UNITS) }).strict()
const Range = z
  .object({ min: positive, max: positive })
  .strict()
  .refine((range) => range.min <= range.max, 'min > max')

const DemoForm = z
  .object({
    form: z.string().min(1),
    category: z.enum(FORM_CATEGORIES),
    strengths: z.array(z.string().min(1)).min(1),
    routes: z.array(z.string().min(1)).min(1),
  })
  .strict()

const AdultDosing = z
  .object({ usualPerIntake: Dose, maxPerIntake: Dose, maxPer24h: Dose })
  .strict()
  .refine((d) => d.usualPerIntake.unit === d.maxPerIntake.unit && d.maxPerIntake.unit === d.maxPer24h.unit, 'unités différentes')
  .refine((d) => d.usualPerIntake.value <= d.maxPerIntake.value && d.maxPerIntake.value <= d.maxPer24h.value, 'doses incohérentes')

const PaediatricDosing = z
  .object({
    /** Dose per kilogram in `unit` per kg (mg/kg unless said otherwise). */
    unit: z.enum(DOSE_UNITS),
    perKgPerIntake: Range.optional(),
    perKgPer24h: Range,
    maxPer24h: Dose.optional(),
    minAgeMonths: z.number().int().nonnegative().optional(),
  })
  .strict()

export const DemoDrug = z
  .object({
    dc: z.string().min(1),
    therapeuticClass: z.string().min(1),
    substances: z.array(z.string().min(1)).min(1),
    forms: z.array(DemoForm).min(1),
    routes: z.array(z.string().min(1)).min(1),
    dosing: z.object({ adult: AdultDosing, paediatric: PaediatricDosing.optional() }).strict(),
  })
  .strict()
  .refine((drug) => drug.forms.every((form) => form.routes.every((route) => drug.routes.includes(route))), {
    message: 'une voie de forme est absente des voies du médicament',
  })
  .refine((drug) => drug.forms.every((form) => classifyForm(form.form, form.routes).category === form.category), {
    message: 'la catégorie d’une forme ne suit pas les règles de docs/formulary.md',
  })

export const DemoFormulary = z
  .object({
    notice: z.string().min(1),
    drugs: z.array(DemoDrug).min(80),
  })
  .strict()
  .refine((formulary) => new Set(formulary.drugs.map((drug) => drug.dc)).size === formulary.drugs.length, {
    message: 'DC en double',
  })

export type DemoDrug = z.infer<typeof DemoDrug>
export type DemoFormulary = z.infer<typeof DemoFormulary>

/** `resources/formulary/demo-formulary.json` of the installed application, or of the source tree. */
export function defaultDemoFormularyFile(): string {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  if (resourcesPath) return path.join(resourcesPath, 'formulary', 'demo-formulary.json')
  const here = path.dirname(fileURLToPath(import.meta.url))
  return path.resolve(here, '../../resources/formulary/demo-formulary.json')
}

/** Reads and validates the demo formulary; throws with zod's issues when the file does not fit the schema. */
export function loadDemoFormulary(file = defaultDemoFormularyFile()): DemoFormulary {
  return DemoFormulary.parse(JSON.parse(readFileSync(file, 'utf8')))
}
