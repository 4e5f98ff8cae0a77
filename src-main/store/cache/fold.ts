const LIGATURES: Record<string, string> = { œ: 'oe', æ: 'ae', ß: 'ss', ø: 'o', ł: 'l', đ: 'd' }

/**
 * Folds case and accents the way a French user types a name (same rule as the training central's search, so
 * a name found there is found here): `Hélène` → `helene`, `LEFÈVRE` → `lefevre`, `Œdipe` → `oedipe`; anything
 * that is not a letter or a digit (apostrophes, hyphens, dots) becomes a space.
 */
export function fold(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[œæßøłđ]/g, (c) => LIGATURES[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

export function foldWords(text: string): string[] {
  const folded = fold(text)
  return folded ? folded.split(' ') : []
}

/**
 * Search tokens of one name part: each folded word, plus the words run together when the part has several,
 * so that `N'DIAYE` answers both `n'diaye` (words `n` + `diaye`) and `ndiaye`, and `MÜLLER-BÉRAUD` answers
 * `mullerberaud` as well as `muller` and `beraud`.
 */
export function nameTokens(part: string): string[] {
  const words = foldWords(part)
  if (words.length <= 1) return words
  return [...words, words.join('')]
}

/** Upper bound of a prefix range: every string that starts with `prefix` sorts below it (BINARY collation). */
export function prefixEnd(prefix: string): string {
  return prefix + '\u{10FFFF}'
}
