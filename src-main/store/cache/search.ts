import type { PatientSummary } from '../../contract'
import type { Database } from '../migration'
import { foldWords, prefixEnd } from './fold'
import { normalizeIns } from './patient-traits'
import { bedKey } from './placement'
import { sql } from './statements'
import { summaryRows, toSummary } from './summary'

export interface SearchOptions {
  /** At most this many results (default 20). */
  limit?: number
  /**
   * Only patients placed in these units (the care relationship of DESIGN.md §9, enforced again on the cache).
   * Undefined: no restriction (tools and benchmarks only).
   */
  allowedUnitIds?: readonly string[]
}

const FR_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** JJ/MM/AAAA (also with dots or hyphens) or AAAA-MM-JJ to ISO; null for anything else. */
export function parseBirthDate(word: string): string | null {
  const fr = FR_DATE.exec(word)
  const [y, m, d] = fr ? [fr[3], fr[2], fr[1]] : (ISO_DATE.exec(word)?.slice(1) ?? [])
  if (!y || !m || !d) return null
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
  const ms = Date.parse(`${iso}T00:00:00Z`)
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== iso ? null : iso
}

export interface ParsedQuery {
  ins: string | null
  exact: string
  bed: string
  birthDate: string | null
  /** Folded name words, longest first (the most selective one drives the index scan). */
  words: string[]
}

export function parseQuery(query: string): ParsedQuery {
  const raw = query.trim()
  let birthDate: string | null = null
  const words: string[] = []
  for (const part of raw.split(/\s+/)) {
    const date = parseBirthDate(part)
    if (date && !birthDate) birthDate = date
    else words.push(...foldWords(part))
  }
  words.sort((a, b) => b.length - a.length)
  return { ins: normalizeIns(raw), exact: raw, bed: bedKey(raw), birthDate, words }
}

/**
 * Patients whose names (usage, birth, every given name) hold a word starting with each query word, optionally born
 * on the given date. The longest word drives a range scan of identity_token's primary key (`token >= w AND
 * token < w||U+10FFFF`), which is already in display order (matched word, then name): no sort, and the caller
 * stops reading at its limit. Each other word is an indexed EXISTS probe on (patient_id, token). No query reads
 * every row.
 */
function byNameSql(words: number, birthDate: boolean, units: number): string {
  const probes = Array.from(
    { length: Math.max(0, words - 1) },
    () => 'AND EXISTS (SELECT 1 FROM identity_token o WHERE o.patient_id = t.patient_id AND o.token >= ? AND o.token < ?)',
  )
  return `SELECT t.patient_id FROM identity_token t
    ${birthDate ? 'JOIN identity i ON i.patient_id = t.patient_id' : ''}
    ${units > 0 ? 'JOIN administrative a ON a.patient_id = t.patient_id' : ''}
    WHERE t.token >= ? AND t.token < ? ${probes.join(' ')}
    ${birthDate ? 'AND i.birth_date = ?' : ''}
    ${units > 0 ? `AND a.unit_id IN (${Array(units).fill('?').join(', ')})` : ''}
    ORDER BY t.token, t.sort_key`
}

function byBirthDateSql(units: number): string {
  return `SELECT i.patient_id FROM identity i
    ${units > 0 ? 'JOIN administrative a ON a.patient_id = i.patient_id' : ''}
    WHERE i.birth_date = ? ${units > 0 ? `AND a.unit_id IN (${Array(units).fill('?').join(', ')})` : ''}
    ORDER BY i.sort_key`
}

/**
 * The SQL and its parameters for the name/birth-date part of a query (exposed for EXPLAIN QUERY PLAN in tests).
 * Rows come in display order and may repeat a patient (two of their names match): read until enough distinct.
 */
export function nameQuery(parsed: ParsedQuery, units: readonly string[] = []): { text: string; params: unknown[] } | null {
  if (parsed.words.length > 0) {
    const params: unknown[] = []
    for (const word of parsed.words) params.push(word, prefixEnd(word))
    if (parsed.birthDate) params.push(parsed.birthDate)
    params.push(...units)
    return { text: byNameSql(parsed.words.length, parsed.birthDate !== null, units.length), params }
  }
  if (parsed.birthDate) return { text: byBirthDateSql(units.length), params: [parsed.birthDate, ...units] }
  return null
}

/** Beyond this many matches, a secondary word is checked by an indexed probe per row rather than held in a set. */
const SET_LIMIT = 2000

/**
 * Secondary words (all but the driving one) matching few patients are turned into sets of patient ids (one
 * sequential range read each), cheaper than one probe per driving row; frequent ones (a single letter) stay
 * probes in SQL.
 */
function narrowWords(db: Database, words: readonly string[]): { probed: string[]; sets: Set<string>[] } {
  const [driver, ...others] = words
  const probed = driver === undefined ? [] : [driver]
  const sets: Set<string>[] = []
  for (const word of others) {
    const ids = sql(db, 'SELECT patient_id FROM identity_token WHERE token >= ? AND token < ? LIMIT ?')
      .pluck()
      .all(word, prefixEnd(word), SET_LIMIT + 1) as string[]
    if (ids.length > SET_LIMIT) probed.push(word)
    else sets.push(new Set(ids))
  }
  return { probed, sets }
}

/**
 * Finds cached patients by name words (accent- and case-insensitive prefixes: "helene dur" → Hélène DURAND), by
 * birth date (JJ/MM/AAAA or AAAA-MM-JJ, alone or with name words), by matricule INS (with or without spaces; only
 * qualified identities), by IPP or by bed label. Exact identifier matches come first, then names in order.
 */
export function searchPatients(db: Database, query: string, options: SearchOptions = {}): PatientSummary[] {
  const limit = Math.max(1, Math.min(options.limit ?? 20, 200))
  const units = options.allowedUnitIds ? [...new Set(options.allowedUnitIds)] : undefined
  if (units && units.length === 0) return []
  const parsed = parseQuery(query)
  const ids: string[] = []
  const add = (found: string[]): void => {
    for (const id of found) if (!ids.includes(id)) ids.push(id)
  }
  if (parsed.ins) {
    add(sql(db, "SELECT patient_id FROM identity WHERE ins = ? AND identity_status = 'QUAL'").pluck().all(parsed.ins) as string[])
  }
  if (parsed.exact) add(sql(db, 'SELECT patient_id FROM administrative WHERE ipp = ?').pluck().all(parsed.exact) as string[])
  if (parsed.bed) add(sql(db, 'SELECT patient_id FROM administrative WHERE bed_key = ?').pluck().all(parsed.bed) as string[])
  const { probed, sets } = narrowWords(db, parsed.words)
  const named = sets.some((set) => set.size === 0) ? null : nameQuery({ ...parsed, words: probed }, units)
  if (named) {
    const seen = new Set(ids)
    for (const row of sql(db, named.text).iterate(...named.params) as IterableIterator<{ patient_id: string }>) {
      if (seen.has(row.patient_id) || !sets.every((set) => set.has(row.patient_id))) continue
      seen.add(row.patient_id)
      ids.push(row.patient_id)
      if (ids.length >= limit) break
    }
  }
  const rows = summaryRows(db, ids)
  const out: PatientSummary[] = []
  for (const id of ids) {
    const row = rows.get(id)
    if (!row) continue
    if (units && !(row.unit_id && units.includes(row.unit_id))) continue
    out.push(toSummary(row))
    if (out.length >= limit) break
  }
  return out
}
