import { createReadStream, existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Database } from '../store'
import { foldWords } from '../store/cache/fold'
import {
  parseCompositionLine,
  parseGenericLine,
  parsePresentationLine,
  parseSpecialityLine,
  type CompositionLine,
  type GenericLine,
  type Parsed,
  type PresentationLine,
  type SpecialityLine,
} from './bdpm-lines'
import { classifyForm, type FormCategory } from './forms'

export const BDPM_FILES = ['CIS_bdpm.txt', 'CIS_COMPO_bdpm.txt', 'CIS_CIP_bdpm.txt', 'CIS_GENER_bdpm.txt'] as const
export type BdpmFile = (typeof BDPM_FILES)[number]

const UNIT_WORDS = new Set(['mg', 'ml', 'ui', 'µg', 'mcg', 'kg', 'par', 'pour', 'de', 'du', 'des', 'la', 'le', 'les', 'et', 'en'])

/** Rejected lines kept one by one in the summary; beyond that only counted. */
const MAX_LISTED_REJECTIONS = 500

export interface FileCount {
  file: BdpmFile
  lines: number
  imported: number
  rejected: number
  /** Valid lines about a CIS that CIS_bdpm.txt does not list (withdrawn specialities still in generic groups). */
  ignored: number
}

export interface Rejection {
  file: BdpmFile
  line: number
  reason: string
}

export interface ImportSummary {
  source: string
  files: FileCount[]
  specialities: number
  categories: Record<FormCategory | 'unclassified', number>
  rejections: Rejection[]
  rejectedTotal: number
  warnings: string[]
  durationMs: number
}

export class BdpmImportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'BdpmImportError'
  }
}

export interface ImportOptions {
  /** Called as bytes are read, with the fraction of the four files read so far (0..1). */
  onProgress?: (fraction: number) => void
}

interface Collected<T> {
  rows: { line: number; row: T }[]
  count: FileCount
  mojibake: number
}

/**
 * Loads an ANSM BDPM download (the four files in `dir`) into the store. Files are read and validated first;
 * then one transaction replaces the previous import, so a failed or interrupted import leaves the previous one.
 */
export async function importBdpm(db: Database, dir: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const started = performance.now()
  const source = path.resolve(dir)
  const missing = BDPM_FILES.filter((file) => !existsSync(path.join(source, file)))
  if (missing.length > 0) {
    throw new BdpmImportError(`Fichier(s) BDPM introuvable(s) dans ${source} : ${missing.join(', ')}`)
  }
  const total = BDPM_FILES.reduce((sum, file) => sum + statSync(path.join(source, file)).size, 0)
  let done = 0
  const progress = (bytes: number) => {
    done += bytes
    options.onProgress?.(total === 0 ? 1 : Math.min(1, done / total))
  }

  const rejections: Rejection[] = []
  let rejectedTotal = 0
  const reject = (file: BdpmFile, line: number, reason: string) => {
    rejectedTotal += 1
    if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push({ file, line, reason })
  }
  const read = <T>(file: BdpmFile, parse: (line: string) => Parsed<T>) =>
    readFile(path.join(source, file), file, parse, reject, progress)

  const specialities = await read('CIS_bdpm.txt', parseSpecialityLine)
  const compositions = await read('CIS_COMPO_bdpm.txt', parseCompositionLine)
  const presentations = await read('CIS_CIP_bdpm.txt', parsePresentationLine)
  const generics = await read('CIS_GENER_bdpm.txt', parseGenericLine)

  const warnings: string[] = []
  const mojibake = [specialities, compositions, presentations, generics].reduce((sum, c) => sum + c.mojibake, 0)
  if (mojibake > 0) {
    warnings.push(
      `${mojibake} ligne(s) semblent encodées en UTF-8 et non en Latin-1 (caractères « Ã© ») : ` +
        'vérifiez que les fichiers sont ceux publiés par l’ANSM, sans conversion.',
    )
  }

  const summarize = (categories: ImportSummary['categories']): ImportSummary => ({
    source,
    files: [specialities.count, compositions.count, presentations.count, generics.count],
    specialities: specialities.count.imported,
    categories,
    rejections,
    rejectedTotal,
    warnings,
    durationMs: Math.round(performance.now() - started),
  })
  return writeImport(db, source, { specialities, compositions, presentations, generics }, reject, summarize)
}

async function readFile<T>(
  file: string,
  name: BdpmFile,
  parse: (line: string) => Parsed<T>,
  reject: (file: BdpmFile, line: number, reason: string) => void,
  progress: (bytes: number) => void,
): Promise<Collected<T>> {
  // Latin-1 maps each byte to one character, so a chunk's length is its size in bytes.
  const stream = createReadStream(file, { encoding: 'latin1' })
  stream.on('data', (chunk) => progress(chunk.length))
  const lines = createInterface({ input: stream, crlfDelay: Infinity })
  const collected: Collected<T> = { rows: [], count: { file: name, lines: 0, imported: 0, rejected: 0, ignored: 0 }, mojibake: 0 }
  let number = 0
  for await (const raw of lines) {
    number += 1
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') continue
    collected.count.lines += 1
    if (/Ã[\u0080-\u00bf]/.test(line)) collected.mojibake += 1
    const parsed = parse(line)
    if (parsed.ok) {
      collected.rows.push({ line: number, row: parsed.row })
    } else {
      collected.count.rejected += 1
      reject(name, number, parsed.reason)
    }
  }
  return collected
}

interface AllFiles {
  specialities: Collected<SpecialityLine>
  compositions: Collected<CompositionLine>
  presentations: Collected<PresentationLine>
  generics: Collected<GenericLine>
}

/** The brand: the denomination up to its first comma (`DOLIPRANE 500 mg, comprimé` → `DOLIPRANE 500 mg`). */
export function brandOf(denomination: string): string {
  const comma = denomination.indexOf(',')
  return (comma < 0 ? denomination : denomination.slice(0, comma)).trim()
}

/** `AMOXICILLINE 500 mg + ACIDE CLAVULANIQUE 62,5 mg - AUGMENTIN …` → `AMOXICILLINE + ACIDE CLAVULANIQUE`. */
export function dcOfGenericLabel(label: string): string {
  const [molecules = ''] = label.split(' - ')
  return molecules
    .split(' + ')
    .map((part) => {
      // `RANITIDINE (CHLORHYDRATE DE) équivalant à RANITIDINE 150 mg`: the DC is what the salt is equivalent to.
      const equivalent = part.split(/\s+équivalant à\s+/).at(-1) ?? part
      const words = dcOfSubstance(equivalent).split(/\s+/)
      const firstDose = words.findIndex((word) => /^\d/.test(word))
      return (firstDose < 0 ? words : words.slice(0, firstDose)).join(' ')
    })
    .filter((part) => part !== '')
    .join(' + ')
}

/** `RANITIDINE (CHLORHYDRATE DE)` → `RANITIDINE`: the DC without its salt. */
export function dcOfSubstance(name: string): string {
  return name.replace(/\s*\([^)]*\)\s*/g, ' ').replace(/\s+/g, ' ').trim()
}

function writeImport(
  db: Database,
  source: string,
  files: AllFiles,
  reject: (file: BdpmFile, line: number, reason: string) => void,
  summarize: (categories: ImportSummary['categories']) => ImportSummary,
): ImportSummary {
  const categories = Object.fromEntries(
    ['oral-solid', 'oral-liquid', 'injectable', 'cutaneous', 'ophthalmic', 'inhaled', 'rectal', 'vaginal', 'nasal', 'auricular', 'transdermal', 'other', 'unclassified'].map(
      (name) => [name, 0],
    ),
  ) as ImportSummary['categories']

  const known = new Map<string, SpecialityLine>()
  for (const { line, row } of files.specialities.rows) {
    if (known.has(row.cis)) {
      files.specialities.count.rejected += 1
      reject('CIS_bdpm.txt', line, `CIS ${row.cis} en double`)
    } else {
      known.set(row.cis, row)
    }
  }
  const keep = <T extends { cis: string }>(collected: Collected<T>) =>
    collected.rows.filter(({ row }) => {
      if (known.has(row.cis)) return true
      collected.count.ignored += 1
      return false
    })
  const compositions = keep(files.compositions)
  const presentations = keep(files.presentations)
  const generics = keep(files.generics)

  const dcFromGroup = new Map<string, string>()
  for (const { row } of generics) if (!dcFromGroup.has(row.cis)) dcFromGroup.set(row.cis, dcOfGenericLabel(row.groupLabel))
  const substancesOf = new Map<string, CompositionLine[]>()
  for (const { row } of compositions) {
    const list = substancesOf.get(row.cis) ?? []
    list.push(row)
    substancesOf.set(row.cis, list)
  }
  const dcOf = (cis: string): string => {
    const group = dcFromGroup.get(cis)
    if (group) return group
    const active = (substancesOf.get(cis) ?? []).filter((row) => row.nature === 'SA').map((row) => dcOfSubstance(row.substanceName))
    return [...new Set(active)].join(' + ')
  }

  const statements = {
    clear: [
      'DELETE FROM formulary_token',
      'DELETE FROM bdpm_generic',
      'DELETE FROM bdpm_presentation',
      'DELETE FROM bdpm_composition',
      'DELETE FROM bdpm_speciality',
      'DELETE FROM bdpm_import',
    ].map((sql) => db.prepare(sql)),
    importRow: db.prepare('INSERT INTO bdpm_import (id, imported_at, source, summary) VALUES (1, ?, ?, ?)'),
    speciality: db.prepare(
      `INSERT INTO bdpm_speciality (cis, denomination, brand, form, form_category, form_rule, routes, amm_status,
         procedure_type, marketing_status, amm_date, bdm_status, eu_authorisation, holders, reinforced_surveillance, dc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    composition: db.prepare(
      `INSERT INTO bdpm_composition (cis, line, element, substance_code, substance_name, dosage, dosage_reference, nature, link_no)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    presentation: db.prepare(
      `INSERT OR IGNORE INTO bdpm_presentation (cip13, cis, cip7, label, status, marketing_status, declared_on, collectivities,
         reimbursement_rate, price) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    generic: db.prepare(
      'INSERT OR IGNORE INTO bdpm_generic (group_id, group_label, cis, type, sort_no) VALUES (?, ?, ?, ?, ?)',
    ),
    token: db.prepare('INSERT INTO formulary_token (token, kind, cis) VALUES (?, ?, ?)'),
  }

  // Written after the rows, deduplicated and in key order: sorted inserts fill the index page after page.
  const tokenKeys = new Set<string>()
  const words = new Map<string, string[]>()
  const tokens = (kind: 'dc' | 'brand' | 'substance', text: string, cis: string) => {
    let folded = words.get(text)
    if (folded === undefined) {
      // Numbers and dose units (`1000`, `mg`, `ml`) find everything and nothing: they are not search words.
      folded = foldWords(text).filter((word) => word.length > 1 && !/^\d/.test(word) && !UNIT_WORDS.has(word))
      words.set(text, folded)
    }
    for (const word of folded) tokenKeys.add(`${word}\t${kind}\t${cis}`)
  }
  const forms = new Map<string, ReturnType<typeof classifyForm>>()
  const classify = (form: string, routes: string) => {
    const key = `${form}\t${routes}`
    let found = forms.get(key)
    if (found === undefined) {
      found = classifyForm(form, routes)
      forms.set(key, found)
    }
    return found
  }

  // The token index is written in random order: a larger page cache keeps its pages in memory until the commit.
  const cacheSize = db.pragma('cache_size', { simple: true }) as number
  db.pragma('cache_size = -131072')
  try {
    return write()
  } finally {
    db.pragma(`cache_size = ${cacheSize}`)
  }

  function write(): ImportSummary {
  return db.transaction(() => {
    for (const statement of statements.clear) statement.run()
    for (const row of known.values()) {
      const { category, rule } = classify(row.form, row.routes)
      categories[category ?? 'unclassified'] += 1
      const brand = brandOf(row.denomination)
      const dc = dcOf(row.cis)
      statements.speciality.run(
        row.cis, row.denomination, brand, row.form, category, rule, row.routes, row.ammStatus, row.procedureType,
        row.marketingStatus, row.ammDate, row.bdmStatus, row.euAuthorisation, row.holders,
        row.reinforcedSurveillance ? 1 : 0, dc,
      )
      tokens('brand', brand, row.cis)
      tokens('dc', dc, row.cis)
    }
    files.specialities.count.imported = known.size
    for (const { line, row } of compositions) {
      statements.composition.run(
        row.cis, line, row.element, row.substanceCode, row.substanceName, row.dosage, row.dosageReference, row.nature, row.linkNo,
      )
      tokens('substance', row.substanceName, row.cis)
      tokens('dc', dcOfSubstance(row.substanceName), row.cis)
    }
    files.compositions.count.imported = compositions.length
    for (const { line, row } of presentations) {
      const result = statements.presentation.run(
        row.cip13, row.cis, row.cip7, row.label, row.status, row.marketingStatus, row.declaredOn, row.collectivities,
        row.reimbursementRate, row.price,
      )
      if (result.changes === 1) files.presentations.count.imported += 1
      else {
        files.presentations.count.rejected += 1
        reject('CIS_CIP_bdpm.txt', line, `CIP13 ${row.cip13} en double`)
      }
    }
    for (const { line, row } of generics) {
      const result = statements.generic.run(row.groupId, row.groupLabel, row.cis, row.type, row.sortNo)
      if (result.changes === 1) {
        files.generics.count.imported += 1
        tokens('dc', dcOfGenericLabel(row.groupLabel), row.cis)
      } else {
        files.generics.count.rejected += 1
        reject('CIS_GENER_bdpm.txt', line, `CIS ${row.cis} en double dans le groupe ${row.groupId}`)
      }
    }
    for (const key of [...tokenKeys].sort()) {
      const [token, kind, cis] = key.split('\t') as [string, string, string]
      statements.token.run(token, kind, cis)
    }
    // The summary is written with the rows it describes (without the line-by-line rejections).
    const summary = summarize(categories)
    statements.importRow.run(new Date().toISOString(), source, JSON.stringify({ ...summary, rejections: undefined }))
    return summary
  }).immediate()
  }
}
