import { fold } from '../store/cache/fold'

export const FORM_CATEGORIES = [
  'oral-solid',
  'oral-liquid',
  'injectable',
  'cutaneous',
  'ophthalmic',
  'inhaled',
  'rectal',
  'vaginal',
  'nasal',
  'auricular',
  'transdermal',
  'other',
] as const
export type FormCategory = (typeof FORM_CATEGORIES)[number]

/**
 * One classification rule. It matches when `form` (a regular expression over the folded form: lower case, no
 * accents, punctuation as spaces) matches, if given, and when every route of the speciality is in `routes`
 * (folded), if given. The first matching rule wins, so order matters: decisive form words first, then the
 * site of administration given by the routes, then the oral forms. docs/formulary.md lists these rules.
 */
export interface FormRule {
  readonly id: string
  readonly category: FormCategory
  readonly form?: string
  readonly routes?: readonly string[]
}

const PARENTERAL = [
  'intraveineuse', 'sous cutanee', 'intramusculaire', 'intra arterielle', 'intradermique', 'intrathecale',
  'peridurale', 'perineurale', 'intra articulaire', 'periarticulaire', 'intralesionnelle', 'infiltration',
  'intrapleurale', 'intraperitoneale', 'intraventriculaire cerebrale', 'intra osseuse', 'intracoronaire',
  'intracaverneuse', 'voie parenterale autre', 'intravitreenne', 'intratumorale', 'implantation',
]
const ORAL = ['orale', 'sublinguale', 'voie buccale autre', 'gastro enterale', 'gastrique']
const MOUTH = ['voie buccale autre', 'gingivale', 'dentaire', 'buccogingivale', 'oropharyngee']

export const FORM_RULES: readonly FormRule[] = [
  // Outside the categories: kits of several forms (homeopathy), dialysis fluids, radiopharmaceuticals, herbs, glues.
  { id: 'coffret-multi-formes', category: 'other', form: '\\b(comprime|creme) et solution|\\bgranules et |\\bet granules\\b' },
  { id: 'dialyse-hemofiltration', category: 'other', form: 'dialyse|hemofiltration|hemodia' },
  { id: 'radiopharmaceutique', category: 'other', form: 'radiopharmaceutique|eluat|marquage' },
  { id: 'tisane-plantes', category: 'other', form: 'tisane|plantes|graines' },
  { id: 'colle-matrice', category: 'other', form: '\\bcolle\\b|matrice' },
  { id: 'bouche-dents', category: 'other', form: 'bain de bouche|gargarisme|collutoire|dentaire|dentifrice|endo buccal' },
  // Decisive form words, whatever the routes.
  { id: 'inhalation', category: 'inhaled', form: 'inhalation|nebuliseur|aerosol' },
  { id: 'collyre-oculaire', category: 'ophthalmic', form: 'collyre|oculaire' },
  { id: 'injectable-perfusion', category: 'injectable', form: 'injectable|perfusion|parenteral|injection|implantable' },
  { id: 'suppositoire-lavement', category: 'rectal', form: 'suppositoire|lavement' },
  { id: 'ovule', category: 'vaginal', form: '\\bovule' },
  { id: 'buvable-sirop', category: 'oral-liquid', form: 'buvable|sirop' },
  // The site of administration, when every route points to it (a cream on the skin, a tablet in the vagina).
  { id: 'voie-ophtalmique', category: 'ophthalmic', routes: ['ophtalmique', 'perioculaire', 'intra oculaire', 'peribulbaire', 'intra camerulaire'] },
  { id: 'voie-nasale', category: 'nasal', routes: ['nasale', 'endosinusale'] },
  { id: 'voie-auriculaire', category: 'auricular', routes: ['auriculaire'] },
  { id: 'voie-rectale', category: 'rectal', routes: ['rectale'] },
  { id: 'voie-vaginale', category: 'vaginal', routes: ['vaginale'] },
  { id: 'voie-transdermique', category: 'transdermal', routes: ['transdermique'] },
  { id: 'voie-inhalee', category: 'inhaled', routes: ['inhalee', 'endotracheobronchique'] },
  { id: 'voie-cutanee', category: 'cutaneous', routes: ['cutanee', 'epilesionnelle', 'peri areolaire'] },
  { id: 'voie-parenterale', category: 'injectable', routes: PARENTERAL },
  // Oral forms: anything swallowed whole, chewed, sucked or melted in the mouth is an oral solid.
  {
    id: 'solide-oral',
    category: 'oral-solid',
    form: '^(comprime|gelule|capsule|lyophilisat|granule|microgranule|pastille|gomme|film|pilule|pate a sucer)',
  },
  { id: 'liquide-oral', category: 'oral-liquid', form: '^(solution|suspension|gouttes|gel|emulsion|poudre|liquide)', routes: ORAL },
  { id: 'voie-buccale-dentaire', category: 'other', routes: MOUTH },
]

export interface FormClass {
  category: FormCategory | null
  /** The id of the rule that matched; null when none did. */
  rule: string | null
}

const compiled = FORM_RULES.map((rule) => ({
  rule,
  form: rule.form === undefined ? null : new RegExp(rule.form),
  routes: rule.routes === undefined ? null : new Set(rule.routes),
}))

/** Splits a BDPM route field (`orale;sublinguale`) into folded routes. */
export function foldRoutes(routes: string | readonly string[]): string[] {
  const list = typeof routes === 'string' ? routes.split(';') : routes
  return list.map(fold).filter((route) => route !== '')
}

/** The category of a pharmaceutical form given with its routes; `category: null` when no rule applies. */
export function classifyForm(form: string, routes: string | readonly string[] = []): FormClass {
  const folded = fold(form)
  const foldedRoutes = foldRoutes(routes)
  for (const { rule, form: pattern, routes: allowed } of compiled) {
    if (pattern && !pattern.test(folded)) continue
    if (allowed && (foldedRoutes.length === 0 || !foldedRoutes.every((route) => allowed.has(route)))) continue
    return { category: rule.category, rule: rule.id }
  }
  return { category: null, rule: null }
}
