import type { Database } from '../store'
import { foldWords, prefixEnd } from '../store/cache/fold'
import type { FormCategory } from './forms'

export type SearchKind = 'dc' | 'brand' | 'substance'

export interface SpecialityMatch {
  cis: string
  denomination: string
  dc: string
  form: string
  formCategory: FormCategory | null
  routes: string[]
  substances: { name: string; dosage: string; nature: 'SA' | 'FT' }[]
  genericGroup: { id: number; label: string; type: number } | null
  marketed: boolean
}

export interface SearchOptions {
  /** Only match words of this kind (a DC, a brand name, a substance name); all kinds by default. */
  kind?: SearchKind
  limit?: number
}

interface SpecialityRow {
  cis: string
  denomination: string
  dc: string
  form: string
  form_category: FormCategory | null
  routes: string
  marketing_status: string
}

/**
 * Specialities whose DC, brand name or substances contain a word starting with each word of `text`, ignoring
 * case and accents (`parac` finds PARACÉTAMOL, `amox clav` the amoxicillin + clavulanic acid combinations).
 * Each word is a range scan of formulary_token's primary key.
 */
export function searchFormulary(db: Database, text: string, options: SearchOptions = {}): SpecialityMatch[] {
  const words = [...new Set(foldWords(text))]
  if (words.length === 0) return []
  const limit = Math.max(1, Math.min(options.limit ?? 50, 500))
  const kind = options.kind ? ' AND kind = ?' : ''
  const clauses = words.map(() => `s.cis IN (SELECT cis FROM formulary_token WHERE token >= ? AND token < ?${kind})`)
  const params = words.flatMap((word) => (options.kind ? [word, prefixEnd(word), options.kind] : [word, prefixEnd(word)]))
  const rows = db
    .prepare(
      `SELECT s.cis, s.denomination, s.dc, s.form, s.form_category, s.routes, s.marketing_status
       FROM bdpm_speciality s WHERE ${clauses.join(' AND ')} ORDER BY s.denomination LIMIT ?`,
    )
    .all(...params, limit) as SpecialityRow[]
  return rows.map((row) => describe(db, row))
}

/** One speciality by CIS, as a search returns it; null when the import does not have it. */
export function findSpeciality(db: Database, cis: string): SpecialityMatch | null {
  const row = db
    .prepare(
      'SELECT cis, denomination, dc, form, form_category, routes, marketing_status FROM bdpm_speciality WHERE cis = ?',
    )
    .get(cis) as SpecialityRow | undefined
  return row ? describe(db, row) : null
}

function describe(db: Database, row: SpecialityRow): SpecialityMatch {
  const substances = db
    .prepare('SELECT substance_name AS name, dosage, nature FROM bdpm_composition WHERE cis = ? ORDER BY line')
    .all(row.cis) as SpecialityMatch['substances']
  const group = db
    .prepare('SELECT group_id AS id, group_label AS label, type FROM bdpm_generic WHERE cis = ? ORDER BY group_id LIMIT 1')
    .get(row.cis) as SpecialityMatch['genericGroup'] | undefined
  return {
    cis: row.cis,
    denomination: row.denomination,
    dc: row.dc,
    form: row.form,
    formCategory: row.form_category,
    routes: row.routes.split(';').map((route) => route.trim()).filter((route) => route !== ''),
    substances,
    genericGroup: group ?? null,
    marketed: row.marketing_status === 'Commercialisée',
  }
}
