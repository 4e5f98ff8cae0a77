import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OUTCOME_CODES } from '../../src-main/system/checks'

type Messages = { [key: string]: string | Messages }

function keys(messages: Messages, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : keys(value, `${prefix}${key}.`),
  )
}

const load = (lang: string): Messages => JSON.parse(readFileSync(new URL(`../../src-renderer/i18n/${lang}.json`, import.meta.url), 'utf8'))

describe('locale files', () => {
  const fr = load('fr')
  const en = load('en')

  it('give English every key French has, and nothing more', () => {
    expect(keys(en).sort()).toEqual(keys(fr).sort())
  })

  it('translate every error code and every diagnostic outcome', () => {
    const frKeys = new Set(keys(fr))
    for (const code of ['UNAUTHENTICATED', 'LOCKED', 'FORBIDDEN', 'BREAK_GLASS_REQUIRED', 'NOT_FOUND', 'CONFLICT', 'OFFLINE', 'INVALID', 'INTERNAL']) {
      expect([...frKeys].some((key) => key.endsWith(`errors.${code}`)), code).toBe(true)
    }
    for (const code of OUTCOME_CODES) expect(frKeys.has(`diagnostics.outcome.${code}`), code).toBe(true)
  })

  it('have no empty message', () => {
    const empty = (messages: Messages): string[] =>
      Object.entries(messages).flatMap(([key, value]) => (typeof value === 'string' ? (value.trim() ? [] : [key]) : empty(value)))
    expect(empty(fr)).toEqual([])
    expect(empty(en)).toEqual([])
  })
})
