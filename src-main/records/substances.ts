import { loadDemoFormulary } from '../formulary/demo'
import { searchFormulary } from '../formulary/search'
import type { Database } from '../store'
import { fold, foldWords } from '../store/cache/fold'

let demoNames: { name: string; words: string[] }[] | null = null

/** The demo formulary's substances and DCs (resources/formulary/demo-formulary.json), read once. */
function demoSubstances(): { name: string; words: string[] }[] {
  if (!demoNames) {
    const names = new Map<string, string>()
    for (const drug of loadDemoFormulary().drugs) {
      for (const name of [drug.dc, ...drug.substances]) {
        const key = fold(name)
        if (!names.has(key)) names.set(key, name.toLocaleLowerCase('fr'))
      }
    }
    demoNames = [...names.values()].sort((a, b) => a.localeCompare(b, 'fr')).map((name) => ({ name, words: foldWords(name) }))
  }
  return demoNames
}

/**
 * Substances whose name has a word starting with each word of the query (accents and case ignored): the demo
 * formulary's, then those of the BDPM import when the workstation has one. Names are lower case, as a DC is written.
 */
export function searchSubstances(db: Database, query: string, limit = 20): string[] {
  const words = foldWords(query)
  if (words.length === 0) return []
  const out = new Map<string, string>()
  for (const s of demoSubstances()) {
    if (words.every((w) => s.words.some((word) => word.startsWith(w)))) out.set(fold(s.name), s.name)
  }
  if (out.size < limit) {
    for (const match of searchFormulary(db, query, { kind: 'substance', limit: 50 })) {
      for (const substance of match.substances) {
        const name = substance.name.toLocaleLowerCase('fr')
        if (words.every((w) => foldWords(name).some((word) => word.startsWith(w)))) out.set(fold(name), name)
      }
    }
  }
  return [...out.values()].slice(0, limit)
}
