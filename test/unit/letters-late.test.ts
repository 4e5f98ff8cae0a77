import { describe, expect, it } from 'vitest'
import type { LetterSummary } from '../../src-main/contract'
import { dayOf, lateLetters } from '../../src-renderer/components/letters/late'

function letter(id: string, dischargeDate: string | null, status: LetterSummary['status'], updatedAt: string): LetterSummary {
  return {
    id,
    setId: id,
    version: 1,
    patientId: `pat-${id}`,
    patientName: 'PATIENT Test',
    unit: 'Cardiologie',
    dischargeDate,
    status,
    authorName: 'Dr Test',
    updatedAt,
    signedAt: null,
    signedBy: null,
  }
}

describe('discharges whose letter was not sent the same day', () => {
  it('reads the day of the letter’s French dates', () => {
    expect(dayOf('23/11/2026')).toBe('2026-11-23')
    expect(dayOf('23/11/2026 à 14:05')).toBe('2026-11-23')
    expect(dayOf('demain')).toBeNull()
    expect(dayOf(null)).toBeNull()
  })

  it('lists unsent letters of past and current discharges, and letters sent after the discharge day', () => {
    const noon = (day: string) => new Date(`${day}T12:00:00`).toISOString()
    const letters = [
      letter('sent-same-day', '20/11/2026', 'envoyee', noon('2026-11-20')),
      letter('sent-late', '20/11/2026', 'envoyee', noon('2026-11-21')),
      letter('signed-not-sent', '22/11/2026 à 10:00', 'signee', noon('2026-11-22')),
      letter('draft-today', '23/11/2026', 'brouillon', noon('2026-11-23')),
      letter('future', '25/11/2026', 'brouillon', noon('2026-11-23')),
      letter('no-discharge', null, 'brouillon', noon('2026-11-23')),
    ]
    expect(lateLetters(letters, '2026-11-23').map((l) => l.id)).toEqual(['sent-late', 'signed-not-sent', 'draft-today'])
  })
})
