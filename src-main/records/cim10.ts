import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fold, foldWords } from '../store/cache/fold'

/** CIM-10: the WHO ICD-10 URI, as the training data use it (labels are the French ATIH ones). */
export const CIM10_SYSTEM = 'http://hl7.org/fhir/sid/icd-10'

export interface Cim10Entry {
  code: string
  label: string
}

interface Indexed extends Cim10Entry {
  /** Folded code without its dot (`i509`): `I50.9`, `i50 9` and `I509` all find it. */
  codeKey: string
  words: string[]
}

/** `resources/cim10/cim10-fr.tsv` of the installed application, or of the source tree. */
export function defaultCim10File(): string {
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  if (resourcesPath) return path.join(resourcesPath, 'cim10', 'cim10-fr.tsv')
  const here = path.dirname(fileURLToPath(import.meta.url))
  return path.resolve(here, '../../resources/cim10/cim10-fr.tsv')
}

/** Parses the bundled list: one `code<TAB>label` per line; a malformed line is a build error, so it throws. */
export function parseCim10(text: string): Cim10Entry[] {
  const out: Cim10Entry[] = []
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    const [code, label, ...rest] = line.split('\t')
    if (!code || !label || rest.length > 0 || !/^[A-Z]\d{2}(\.\d{1,2})?$/.test(code)) {
      throw new Error(`cim10: line ${index + 1} is not "code<TAB>label"`)
    }
    out.push({ code, label: label.trim() })
  }
  return out
}

const codeKey = (text: string): string => fold(text).replace(/ /g, '')

export interface Cim10Index {
  readonly size: number
  /**
   * Codes whose code starts with the query (dots and case ignored), or whose label has a word starting with each
   * word of the query (accents and case ignored). Code matches first, then labels, each in code order.
   */
  search(query: string, limit?: number): Cim10Entry[]
  byCode(code: string): Cim10Entry | null
}

export function createCim10Index(entries: readonly Cim10Entry[]): Cim10Index {
  const indexed: Indexed[] = [...entries]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((e) => ({ ...e, codeKey: codeKey(e.code), words: foldWords(e.label) }))
  const byCode = new Map(indexed.map((e) => [e.code, e]))
  return {
    size: indexed.length,
    search(query, limit = 20) {
      const words = foldWords(query)
      if (words.length === 0) return []
      const key = codeKey(query)
      const byCodeMatch = indexed.filter((e) => e.codeKey.startsWith(key))
      const byLabel = indexed.filter(
        (e) => !byCodeMatch.includes(e) && words.every((w) => e.words.some((word) => word.startsWith(w))),
      )
      return [...byCodeMatch, ...byLabel].slice(0, limit).map(({ code, label }) => ({ code, label }))
    },
    byCode(code) {
      const e = byCode.get(code)
      return e ? { code: e.code, label: e.label } : null
    },
  }
}

let shared: Cim10Index | null = null

/** The bundled list, read once. */
export function cim10(): Cim10Index {
  shared ??= createCim10Index(parseCim10(readFileSync(defaultCim10File(), 'utf8')))
  return shared
}
