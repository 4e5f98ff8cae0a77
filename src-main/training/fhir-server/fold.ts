import type { HumanName, Resource } from '@medplum/fhirtypes'
// One folding rule for the training central and the workstation's cache: a name found there is found here.
import { fold, foldWords } from '../../store/cache/fold'

export { fold, foldWords }

/** Folded words of a person's names, kept per search parameter (name, family, given). */
export interface FoldedNames {
  name: string[]
  family: string[]
  given: string[]
  /** Each name part folded whole, for `:contains`. */
  parts: string[]
}

export const FOLDED_NAME_TYPES: ReadonlySet<string> = new Set(['Patient', 'Practitioner', 'RelatedPerson'])
export const FOLDED_NAME_PARAMS: ReadonlySet<string> = new Set(['name', 'family', 'given'])

export function foldNames(resource: Resource): FoldedNames | undefined {
  if (!FOLDED_NAME_TYPES.has(resource.resourceType)) return undefined
  const names = ((resource as { name?: HumanName[] }).name ?? []) as HumanName[]
  const out: FoldedNames = { name: [], family: [], given: [], parts: [] }
  for (const name of names) {
    const family = name.family ? [name.family] : []
    const given = name.given ?? []
    const others = [...(name.prefix ?? []), ...(name.suffix ?? []), ...(name.text ? [name.text] : [])]
    for (const part of family) out.family.push(...foldWords(part))
    for (const part of given) out.given.push(...foldWords(part))
    for (const part of [...family, ...given, ...others]) {
      out.name.push(...foldWords(part))
      out.parts.push(fold(part))
    }
  }
  return out
}

/**
 * FHIR string search (starts-with, case-insensitive) with accents folded, word by word: every word of the query
 * must start a word of the name, so `helene dur` finds `Hélène DURAND` and `lefevre` finds `LEFÈVRE`.
 * Comma-separated values are alternatives, as in FHIR.
 */
export function matchesFoldedName(names: FoldedNames, param: string, value: string, contains: boolean): boolean {
  return value.split(',').some((alternative) => {
    if (contains) {
      const needle = fold(alternative)
      const haystack =
        param === 'family' ? [names.family.join(' ')] : param === 'given' ? [names.given.join(' ')] : names.parts
      return haystack.some((part) => part.includes(needle))
    }
    const words = param === 'family' ? names.family : param === 'given' ? names.given : names.name
    const query = foldWords(alternative)
    return query.length > 0 && query.every((q) => words.some((w) => w.startsWith(q)))
  })
}
