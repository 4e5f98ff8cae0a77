import type { FormularyDrug } from '../contract/prescribing'
import { loadDemoFormulary, type DemoDrug } from '../formulary/demo'
import { fold, foldWords } from '../store/cache/fold'

/*
 * The drugs a prescriber picks from: the demo formulary (it has the doses the checks need; the BDPM has none).
 * Loaded once per process and indexed by folded words of the DC, the substances and the therapeutic class.
 */

interface Indexed {
  drug: DemoDrug
  words: string[]
  dc: string
}

let index: Indexed[] | null = null

function drugs(): Indexed[] {
  index ??= loadDemoFormulary().drugs.map((drug) => ({
    drug,
    dc: fold(drug.dc),
    words: [...new Set([drug.dc, ...drug.substances, drug.therapeuticClass].flatMap((text) => foldWords(text)))],
  }))
  return index
}

export function findDrug(dc: string): DemoDrug | null {
  const wanted = fold(dc)
  return drugs().find((entry) => entry.dc === wanted)?.drug ?? null
}

/** Drugs having, for each word of the query, a word starting with it; DC prefix matches first. */
export function searchDrugs(query: string, limit = 20): DemoDrug[] {
  const words = foldWords(query)
  if (words.length === 0) return []
  const whole = fold(query)
  return drugs()
    .filter((entry) => words.every((word) => entry.words.some((w) => w.startsWith(word))))
    .sort((a, b) => Number(b.dc.startsWith(whole)) - Number(a.dc.startsWith(whole)) || a.dc.localeCompare(b.dc, 'fr'))
    .slice(0, limit)
    .map((entry) => entry.drug)
}

export function describeDrug(drug: DemoDrug): FormularyDrug {
  return {
    dc: drug.dc,
    therapeuticClass: drug.therapeuticClass,
    substances: drug.substances,
    forms: drug.forms.map((form) => ({ ...form })),
    routes: drug.routes,
    doseUnit: drug.dosing.adult.maxPerIntake.unit,
    usualPerIntake: drug.dosing.adult.usualPerIntake.value,
  }
}
