import type { LetterSummary } from '../../../src-main/contract'

/** The day of a French date as the letter writes it ("23/11/2026", "23/11/2026 à 14:00"), as YYYY-MM-DD. */
export function dayOf(french: string | null): string | null {
  const match = french ? /^(\d{2})\/(\d{2})\/(\d{4})/.exec(french) : null
  return match ? `${match[3]}-${match[2]}-${match[1]}` : null
}

function localDay(iso: string): string {
  const date = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

/**
 * Discharges whose letter was not sent on the day of discharge (CSP R1112-1-2): a discharge day that has come,
 * and a letter still unsent, or sent on a later day.
 */
export function lateLetters(letters: readonly LetterSummary[], today: string): LetterSummary[] {
  return letters.filter((letter) => {
    const discharge = dayOf(letter.dischargeDate)
    if (!discharge || discharge > today) return false
    if (letter.status !== 'envoyee') return true
    return localDay(letter.updatedAt) > discharge
  })
}

export function today(): string {
  return localDay(new Date().toISOString())
}
