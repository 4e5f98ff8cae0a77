import type { DischargeWithoutLetter, DmpDeposit, LetterRecipient } from '../contract'
import { cachedSensitivity } from '../access/care'
import { staysEndedIn } from '../store/cache/placement'
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
export function letterQueueHandlers(ctx: FeatureContext): FeatureHandlers<'letters.recipients' | 'letters.signedPdf' | 'letters.discharges'> {
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
    'letters.discharges': (params) => {
      const units = ctx.active().user.units.map((u) => u.id)
      if (params.unitId && !units.includes(params.unitId)) throw new RpcFailure('FORBIDDEN', 'not one of your units')
      const db = ctx.store.db
      const since = new Date(Date.now() - ctx.config.cacheRetentionHours * 3_600_000).toISOString()
      // A letter of that stay, or one written for the patient since the stay began, counts: its sending is judged by the queue.
      const hasLetter = db.prepare(
        `SELECT 1 FROM letter WHERE patient_id = ? AND (encounter_id = ? OR created_at >= ?) LIMIT 1`,
      )
      const name = db.prepare('SELECT family_name, given_name FROM identity WHERE patient_id = ?')
      const discharges: DischargeWithoutLetter[] = []
      const seen = new Set<string>()
      for (const stay of staysEndedIn(db, params.unitId ? [params.unitId] : units, since)) {
        if (seen.has(stay.encounterId)) continue
        seen.add(stay.encounterId)
        if (hasLetter.get(stay.patientId, stay.encounterId, stay.startedAt ?? stay.endedAt)) continue
        const identity = name.get(stay.patientId) as { family_name: string; given_name: string } | undefined
        const masked = cachedSensitivity(db, stay.patientId).length > 0
        discharges.push({
          patientId: stay.patientId,
          encounterId: stay.encounterId,
          familyName: masked ? null : (identity?.family_name ?? null),
          givenName: masked ? null : (identity?.given_name ?? null),
          unitId: stay.unitId,
          dischargedAt: stay.endedAt,
        })
      }
      return { discharges }
    },
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
