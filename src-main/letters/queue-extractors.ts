import type { Extractor } from '../audit/extractors'

/* What the journal keeps of the queue's reads: the letter, the recipients' kinds and statuses, never an address. */

export const LETTER_QUEUE_EXTRACTORS: { readonly [M in 'letters.recipients' | 'letters.signedPdf' | 'letters.discharges']: Extractor<M> } = {
  'letters.discharges': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) =>
      result.discharges.map((d) => ({ patientId: d.patientId, entity: `Encounter/${d.encounterId}`, elements: ['identity', 'discharge'] })),
  },
  'letters.recipients': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) => [
      {
        patientId: result.patientId,
        entity: `DocumentReference/${result.letterId}`,
        elements: ['recipients', ...(result.dmp ? ['dmp'] : [])],
        count: result.recipients.length,
        extra: { recipients: result.recipients.map((r) => `${r.kind}:${r.delivery?.status ?? r.blocked ?? 'pret'}`).join(',') },
      },
    ],
  },
  'letters.signedPdf': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) => [{ patientId: result.patientId, entity: `DocumentReference/${result.letterId}`, elements: ['signed-pdf'] }],
  },
}
