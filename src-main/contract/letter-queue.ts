import { z } from 'zod'
import { ResourceId } from './clinical'
import { LetterId, LetterRecipientKind, RecipientDelivery } from './letters'
import { method } from './method'

/*
 * The secretary's side of the lettres de liaison (issue 9): who a letter goes to, with the MSSanté address the
 * central's professional directory gives, the outcome of each sending and of the DMP deposit, and the signed PDF
 * itself (to print it).
 */

/** Why a recipient cannot be served (the page words each in French). */
export const RecipientBlock = z.enum(['ADRESSE_INCONNUE', 'IDENTITE_NON_QUALIFIEE', 'INVISIBLE_PATIENT', 'AUCUN'])
export type RecipientBlock = z.infer<typeof RecipientBlock>

export const LetterRecipient = z.object({
  kind: LetterRecipientKind,
  /** The professional's name as the letter has it (null for the patient). */
  name: z.string().nullable(),
  address: z.string().nullable(),
  /** Where the address came from: the central's directory, or the letter (the chart's copy). */
  source: z.enum(['annuaire', 'lettre', 'ins']).nullable(),
  /** Null when the letter may go to this recipient. */
  blocked: RecipientBlock.nullable(),
  /** The last sending to this recipient; null before any. */
  delivery: RecipientDelivery.extend({ attempts: z.number().int(), updatedAt: z.string() }).nullable(),
})
export type LetterRecipient = z.infer<typeof LetterRecipient>

export const DmpDeposit = z.object({
  status: z.enum(['a-envoyer', 'envoyee', 'erreur']),
  /** DocumentReference id at the central once deposited; else the reason (IDENTITE_NON_QUALIFIEE, …). */
  detail: z.string().nullable(),
  updatedAt: z.string(),
})
export type DmpDeposit = z.infer<typeof DmpDeposit>

const LetterRef = z.object({ letterId: LetterId }).strict()

/** A discharge from one of the user's units for which no lettre de liaison exists yet on this workstation. */
export const DischargeWithoutLetter = z.object({
  patientId: ResourceId,
  encounterId: ResourceId,
  /** Null for a sensitive patient: the page says « Patient confidentiel », as the census does. */
  familyName: z.string().nullable(),
  givenName: z.string().nullable(),
  unitId: z.string().nullable(),
  dischargedAt: z.string(),
})
export type DischargeWithoutLetter = z.infer<typeof DischargeWithoutLetter>

export const letterQueueMethods = {
  'letters.recipients': method({
    params: LetterRef,
    result: z.object({ letterId: LetterId, patientId: ResourceId, recipients: z.array(LetterRecipient), dmp: DmpDeposit.nullable() }),
    access: 'session',
  }),
  /**
   * The daily list's other half: stays of the user's units that ended lately (as long as the workstation keeps them)
   * and have no letter here at all — the letters that exist and were not sent that day come from `letters.list`.
   */
  'letters.discharges': method({
    params: z.object({ unitId: ResourceId.optional() }).strict(),
    result: z.object({ discharges: z.array(DischargeWithoutLetter) }),
    access: 'session',
  }),
  /** The signed PDF/A (PAdES) as stored at signature, base64: what was sent is what is printed. */
  'letters.signedPdf': method({
    params: LetterRef,
    result: z.object({ letterId: LetterId, patientId: ResourceId, pdf: z.string() }),
    access: 'session',
  }),
} as const
