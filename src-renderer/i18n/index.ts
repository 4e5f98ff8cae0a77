import { createI18n } from 'vue-i18n'
import fr from './fr.json'
import en from './en.json'

export type Locale = 'fr' | 'en'
export type MessageSchema = typeof fr

const LOCALE_KEY = 'chevet.locale'

function savedLocale(): Locale {
  try {
    return localStorage.getItem(LOCALE_KEY) === 'en' ? 'en' : 'fr'
  } catch {
    return 'fr'
  }
}

// Composition mode; messages are compiled just in time into an AST and interpreted, never through eval (CSP).
export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: 'fr',
  messages: { fr, en },
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(LOCALE_KEY, locale)
  } catch {
    // Without storage the choice lasts for this page only.
  }
}
