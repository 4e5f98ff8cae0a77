import { RpcError } from '../../rpc'

const LETTER_MESSAGES = new Set([
  'SIGNATURE_CARD_REQUIRED',
  'SIGNATURE_CARD_REFUSED',
  'ESTABLISSEMENT_NON_CONFIGURE',
  'SEJOUR_INCONNU',
  'IDENTITE_INCOMPLETE',
  'SIGNATAIRE_INCONNU',
])

type Translate = (key: string, values?: Record<string, unknown>) => string

/** The French sentence for a failed letters.* call: the letter-specific reason when main names one, else the code's. */
export function letterErrorText(t: Translate, failure: unknown): string {
  if (failure instanceof RpcError && LETTER_MESSAGES.has(failure.message)) return t(`letters.errors.${failure.message}`)
  return t(`errors.${failure instanceof RpcError ? failure.code : 'INTERNAL'}`)
}
