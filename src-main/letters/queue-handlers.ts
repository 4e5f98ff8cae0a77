import type { DmpDeposit, LetterRecipient } from '../contract'
import { RpcFailure } from '../rpc/failure'
import type { FeatureContext, FeatureHandlers } from '../rpc/feature'
import { letterSources, recipientsOf } from './plugs'
import { LetterStoreError, getLetter, signedPdf } from './repository'

interface DeliveryRow {
  recipient: string
  address: string | null
  status: 'a-envoyer' | 'envoyee' | 'erreur'
  detail: string | null
  attempts: number
  updated_at: string
}

/** The secretary's queue: recipients with their directory address and delivery outcome, and the signed PDF to print. */
export function letterQueueHandlers(ctx: FeatureContext): FeatureHandlers<'letters.recipients' | 'letters.signedPdf'> {
  const letterFor = (letterId: string) => {
    let letter
    try {
      letter = getLetter(ctx.store.db, letterId)
    } catch (error) {
      if (error instanceof LetterStoreError) throw new RpcFailure(error.code, error.message)
      throw error
    }
    return { letter, workspace: ctx.forPatient(letter.patientId) }
  }
  return {
    'letters.recipients': async (params) => {
      const { letter, workspace } = letterFor(params.letterId)
      const rows = ctx.store.db
        .prepare('SELECT recipient, address, status, detail, attempts, updated_at FROM letter_delivery WHERE letter_id = ?')
        .all(letter.id) as DeliveryRow[]
      const resolved = await recipientsOf(workspace.central, letter, letterSources(ctx.store.db, letter))
      const recipients: LetterRecipient[] = resolved.map((r) => {
        const row = rows.find((d) => d.recipient === r.kind)
        return {
          ...r,
          delivery: row
            ? { kind: r.kind, address: row.address, status: row.status, detail: row.detail, attempts: row.attempts, updatedAt: row.updated_at }
            : null,
        }
      })
      const dmpRow = rows.find((d) => d.recipient === 'dmp')
      const dmp: DmpDeposit | null = dmpRow ? { status: dmpRow.status, detail: dmpRow.detail, updatedAt: dmpRow.updated_at } : null
      return { letterId: letter.id, patientId: letter.patientId, recipients, dmp }
    },
    'letters.signedPdf': (params) => {
      const { letter } = letterFor(params.letterId)
      const pdf = signedPdf(ctx.store.db, letter.id)
      if (!pdf) throw new RpcFailure('NOT_FOUND', 'letter not signed')
      return { letterId: letter.id, patientId: letter.patientId, pdf: Buffer.from(pdf).toString('base64') }
    },
  }
}
