/** French typography for printed letters: spaces that never break before « double » punctuation, curly apostrophes. */

const NBSP = '\u00A0'
/** Espace fine insécable, before ; ! ? (Lexique des règles typographiques de l’Imprimerie nationale). */
const NNBSP = '\u202F'

export function frenchTypography(text: string): string {
  return (
    text
      .replace(/"([^"\n]*)"/g, `«${NBSP}$1${NBSP}»`)
      .replace(/«[ \u00A0\u202F]*/g, `«${NBSP}`)
      .replace(/[ \u00A0\u202F]*»/g, `${NBSP}»`)
      // A colon followed by a space or the end: not a time (10:30) nor a URL (https://).
      .replace(/(\S)[ \u00A0\u202F]?:(?=\s|$)/gu, `$1${NBSP}:`)
      .replace(/(\S)[ \u00A0\u202F]?([;!?])(?=\s|$|»)/gu, `$1${NNBSP}$2`)
      .replace(/(\p{L})'(?=\p{L})/gu, '$1’')
      .replace(/\.\.\./g, '…')
  )
}

/** yyyy-mm-dd → dd/mm/yyyy; anything else as given. */
export function frenchDate(value: string | null): string {
  if (!value) return ''
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  return iso ? `${iso[3]}/${iso[2]}/${iso[1]}` : value
}
