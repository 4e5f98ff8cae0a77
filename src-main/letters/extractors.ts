import type { Extractor, Touch } from '../audit/extractors'
import type { Letter, LetterMethodName, LetterSummary } from '../contract'

/*
 * What the access journal keeps of each letter call (src-main/audit/extractors.ts spreads these in): the letter
 * (its set and version), the status it reached and the names of the parts touched — never the letter's text.
 */

type LetterMethod = LetterMethodName

function letterTouch(letter: LetterSummary | Letter, elements: string[], extra: Record<string, string> = {}): Touch {
  return {
    patientId: letter.patientId,
    entity: `DocumentReference/${letter.id}`,
    elements,
    extra: { setId: letter.setId, version: String(letter.version), status: letter.status, ...extra },
  }
}

const CONTENT = ['patient', 'medecinTraitant', 'adresseur', 'hospitalDoctor', 'stay', 'reason', 'summary', 'treatments', 'pendingResults', 'followUp']

const readLetter = {
  action: 'read',
  patientOf: () => null,
  touched: (_params: unknown, result: Letter) => [letterTouch(result, CONTENT)],
} as const

const changeLetter = (elements: string[]) =>
  ({
    action: 'update',
    patientOf: () => null,
    touched: (_params: unknown, result: Letter) => [letterTouch(result, elements)],
  }) as const

export const LETTER_EXTRACTORS: { readonly [M in LetterMethod]: Extractor<M> } = {
  'letters.prefill': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) => [
      {
        patientId: params.patientId,
        entity: `Patient/${params.patientId}`,
        elements: ['letter-prefill'],
        count: result.content.treatments.length,
        extra: { missing: String(result.missing.length) },
      },
    ],
  },
  'letters.get': readLetter,
  'letters.save': {
    action: 'update',
    patientOf: (params) => params.patientId,
    touched: (params, result) => [letterTouch(result, CONTENT, params.letterId && params.letterId !== result.id ? { previous: params.letterId } : {})],
  },
  'letters.list': {
    action: 'read',
    patientOf: (params) => params.patientId ?? null,
    touched: (_params, result) => result.letters.map((letter) => letterTouch(letter, ['status'])),
  },
  'letters.preview': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) => [letterTouch(result.letter, CONTENT, { preview: 'pdf' })],
  },
  'letters.submit': changeLetter(['status']),
  'letters.sign': changeLetter(['status', 'signature']),
  'letters.send': {
    action: 'update',
    patientOf: () => null,
    touched: (_params, result) => [
      letterTouch(result.letter, ['status', 'delivery'], {
        deliveries: result.deliveries.map((d) => `${d.kind}:${d.status}`).join(','),
      }),
    ],
  },
}
