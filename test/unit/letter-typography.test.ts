import { describe, expect, it } from 'vitest'
import { frenchDate, frenchTypography } from '../../src-renderer/letters/typography'

const NBSP = '\u00A0'
const NNBSP = '\u202F'

describe('French typography of printed letters', () => {
  it('puts no-break spaces inside « » and before : ; ! ?', () => {
    expect(frenchTypography('Il a dit "reviens"!')).toBe(`Il a dit «${NBSP}reviens${NBSP}»${NNBSP}!`)
    expect(frenchTypography('Motif: chute; fièvre ? oui!')).toBe(`Motif${NBSP}: chute${NNBSP}; fièvre${NNBSP}? oui${NNBSP}!`)
    expect(frenchTypography('« déjà »')).toBe(`«${NBSP}déjà${NBSP}»`)
  })

  it('leaves times, URLs and ratios alone, and curls apostrophes', () => {
    expect(frenchTypography('RDV à 10:30, https://exemple.fr/a?b=1')).toBe('RDV à 10:30, https://exemple.fr/a?b=1')
    expect(frenchTypography("l'œdème s'est résorbé...")).toBe('l’œdème s’est résorbé…')
  })

  it('writes ISO dates the French way', () => {
    expect(frenchDate('1946-03-14')).toBe('14/03/1946')
    expect(frenchDate(null)).toBe('')
  })
})
