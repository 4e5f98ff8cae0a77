import type { CentralClient } from '../central/types'
import type { Letter, LetterRecipientKind, RecipientDelivery, SessionUser } from '../contract'

/*
 * Where the signature (src-main/letters/signature/, PAdES with the CPS signature key) and the transport
 * (src-main/letters/transport/, CDA + XDM by MSSanté, DMP deposit through the central) plug into the letters'
 * RPC. compose.ts passes implementations to letterHandlers(); without one, letters.sign / letters.send answer
 * INTERNAL ("not wired") and the letter keeps its status.
 */

export interface LetterSigning {
  /** The PDF/A signed with the user's CPS signature key (PAdES B-B). Throws when the card refuses (PIN, removed). */
  sign(pdf: Uint8Array, context: { user: SessionUser; letter: Letter }): Promise<Uint8Array>
}

export interface LetterTransport {
  /**
   * Sends the signed PDF to each recipient (MSSanté; the patient's mailbox only when the INS is qualified and the
   * masking flags allow it) and deposits it in the DMP; one delivery per recipient, `erreur` with a detail when a
   * recipient could not be reached (the letter is then `erreur` and can be resent).
   */
  send(input: {
    letter: Letter
    pdf: Uint8Array
    recipients: readonly LetterRecipientKind[]
    user: SessionUser
    central: CentralClient
  }): Promise<RecipientDelivery[]>
}

export interface LetterPlugs {
  signing?: LetterSigning
  transport?: LetterTransport
  /** The establishment's logo as a data: URL, when configured. */
  logo?: string | null
  /** The establishment for the letterhead (the configured one, or the training environment's fictitious one). */
  establishment?: () => { name: string; finess: string } | null
}
