import type { LetterContent, LetterPerson } from '../../../src-main/contract'

/** The three people the letter names; the form edits them as objects, the letter stores an unnamed one as null. */
export type PersonKey = 'medecinTraitant' | 'adresseur' | 'hospitalDoctor'
export type EditableContent = LetterContent & Record<PersonKey, LetterPerson>

const KEYS: readonly PersonKey[] = ['medecinTraitant', 'adresseur', 'hospitalDoctor']

export function editable(content: LetterContent): EditableContent {
  const copy = JSON.parse(JSON.stringify(content)) as LetterContent
  for (const key of KEYS) copy[key] ??= { name: '', rpps: null, mssante: null, detail: null }
  return copy as EditableContent
}

/** Back to the letter's shape: a person without a name is no person; an empty address is none. */
export function stored(content: EditableContent): LetterContent {
  const copy = JSON.parse(JSON.stringify(content)) as LetterContent
  for (const key of KEYS) {
    const person = copy[key]
    if (!person || person.name.trim() === '') copy[key] = null
    else if (person.mssante !== null && person.mssante.trim() === '') person.mssante = null
  }
  return copy
}
