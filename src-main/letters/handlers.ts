import { withinWait } from '../central/wait'
import type { LetterMethodName } from '../contract'
import { RpcFailure } from '../rpc/failure'
import type { FeatureContext, FeatureHandlers } from '../rpc/feature'
import { letterheadFromCache, prefillSourcesFromCache } from './cache-source'
import { importPublishedLetters, publishSignedLetter } from './exchange'
import { missingItems } from './model'
import { prefillLetter } from './prefill'
import { LetterStoreError, getLetter, letterOrigin, listLetters, markSigned, moveLetter, recordDelivery, saveLetter, signedPdf } from './repository'
import type { LetterPlugs } from './seams'
import { staysEndedIn } from '../store/cache/placement'

type LetterMethods = LetterMethodName

function storeCall<T>(call: () => T): T {
  try {
    return call()
  } catch (error) {
    if (error instanceof LetterStoreError) throw new RpcFailure(error.code, error.message)
    throw error
  }
}

/** Lettres de liaison (issue 9): prefill from the cache, drafts and versions, queue, preview data, sign and send seams. */
export function letterHandlers(ctx: FeatureContext, plugs: LetterPlugs = {}): FeatureHandlers<LetterMethods> {
  const db = (): FeatureContext['store']['db'] => ctx.store.db
  /** A letter, once the user may open its patient's chart (care relationship or break-the-glass). */
  const letterFor = (letterId: string) => {
    const letter = storeCall(() => getLetter(db(), letterId))
    return { letter, workspace: ctx.forPatient(letter.patientId) }
  }
  return {
    'letters.prefill': (params) => {
      ctx.forPatient(params.patientId)
      const sources = prefillSourcesFromCache(db(), params.patientId, params.encounterId)
      if (!sources) throw new RpcFailure('NOT_FOUND', 'patient not in the cache')
      const content = prefillLetter(sources)
      return { content, missing: missingItems(content) }
    },
    'letters.get': (params) => letterFor(params.letterId).letter,
    'letters.save': (params) => {
      const { user } = ctx.forPatient(params.patientId)
      if (params.content.patient.id !== params.patientId) throw new RpcFailure('INVALID', 'content is about another patient')
      const unitId = (db().prepare('SELECT unit_id FROM administrative WHERE patient_id = ?').pluck().get(params.patientId) as string | null | undefined) ?? null
      return storeCall(() =>
        saveLetter(db(), {
          patientId: params.patientId,
          ...(params.letterId ? { letterId: params.letterId } : {}),
          content: params.content,
          unitId,
          author: { practitionerId: user.practitionerId, displayName: user.displayName },
        }),
      )
    },
    'letters.list': async (params) => {
      const workspace = ctx.active()
      const units = workspace.user.units.map((u) => u.id)
      if (params.unitId && !units.includes(params.unitId)) throw new RpcFailure('FORBIDDEN', 'not one of your units')
      if (params.patientId) ctx.forPatient(params.patientId)
      // Signed letters published from other workstations, for the patients of the units asked (discharged ones
      // included: their letter is what the queue is for).
      const wanted = params.unitId ? [params.unitId] : units
      const since = new Date(Date.now() - ctx.config.cacheRetentionHours * 3_600_000).toISOString()
      const patientIds = params.patientId
        ? [params.patientId]
        : wanted.length === 0
          ? []
          : [
              ...new Set([
                ...(db()
                  .prepare(`SELECT patient_id FROM administrative WHERE unit_id IN (${wanted.map(() => '?').join(', ')})`)
                  .pluck()
                  .all(...wanted) as string[]),
                ...staysEndedIn(db(), wanted, since).map((stay) => stay.patientId),
              ]),
            ]
      // Offline or refused: the queue lists what this workstation holds.
      if (patientIds.length > 0) await withinWait(importPublishedLetters(db(), workspace.central, patientIds, ctx.log)).catch(() => undefined)
      return {
        letters: listLetters(db(), {
          ...(params.status ? { status: params.status } : {}),
          ...(params.patientId ? { patientId: params.patientId } : { unitIds: params.unitId ? [params.unitId] : units }),
        }),
      }
    },
    'letters.preview': (params) => {
      const { letter } = letterFor(params.letterId)
      return { letterhead: letterheadFromCache(db(), plugs.establishment ? plugs.establishment() : ctx.config.establishment, letter.content.stay.unit, plugs.logo ?? null), letter }
    },
    'letters.submit': (params) => {
      letterFor(params.letterId)
      return storeCall(() => moveLetter(db(), params.letterId, 'a-valider'))
    },
    'letters.sign': async (params) => {
      const { letter, workspace } = letterFor(params.letterId)
      if (letter.locked) throw new RpcFailure('CONFLICT', 'letter already signed')
      if (letter.missing.length > 0) throw new RpcFailure('INVALID', `${letter.missing.length} required item(s) missing`)
      const pdf = new Uint8Array(Buffer.from(params.pdf, 'base64'))
      if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-') throw new RpcFailure('INVALID', 'not a PDF')
      if (!plugs.signing) throw new RpcFailure('INTERNAL', 'letter signature is not wired')
      const signed = await plugs.signing.sign(pdf, { user: workspace.user, letter })
      const { user } = workspace
      // Signed and queued for the central in one transaction: the secretary's workstation gets it from there.
      const { done, receipt } = storeCall(() =>
        db().transaction(() => {
          const done = markSigned(db(), letter.id, { pdf: signed, signedBy: user.displayName })
          const receipt = publishSignedLetter(db(), {
            letter: done,
            ...letterOrigin(db(), letter.id),
            pdf: signed,
            signer: { practitionerId: user.practitionerId, displayName: user.displayName, role: user.role },
            now: done.signedAt ?? new Date().toISOString(),
          })
          return { done, receipt }
        })(),
      )
      // Sent now when the central answers; otherwise the outbox keeps it for the next round.
      await workspace.engine.sendQueued(receipt, [letter.patientId])
      return done
    },
    'letters.send': async (params) => {
      const { letter, workspace } = letterFor(params.letterId)
      if (!['signee', 'a-envoyer', 'erreur'].includes(letter.status)) throw new RpcFailure('CONFLICT', `a ${letter.status} letter cannot be sent`)
      if (!plugs.transport) throw new RpcFailure('INTERNAL', 'letter transport is not wired')
      const pdf = signedPdf(db(), letter.id)
      if (!pdf) throw new RpcFailure('CONFLICT', 'signed PDF missing')
      const queued = letter.status === 'a-envoyer' ? letter : storeCall(() => moveLetter(db(), letter.id, 'a-envoyer'))
      let deliveries
      try {
        deliveries = await plugs.transport.send({ letter: queued, pdf, recipients: params.recipients, user: workspace.user, central: workspace.central })
      } catch (error) {
        storeCall(() => moveLetter(db(), letter.id, 'erreur'))
        throw error
      }
      for (const delivery of deliveries) recordDelivery(db(), letter.id, delivery)
      const outcome = deliveries.every((d) => d.status === 'envoyee') ? 'envoyee' : 'erreur'
      return { letter: storeCall(() => moveLetter(db(), letter.id, outcome)), deliveries }
    },
  }
}
