import { CardError } from '../auth/card'
import type { CentralClient } from '../central/types'
import type { Letter, LetterRecipientKind, RecipientDelivery } from '../contract'
import { RpcFailure } from '../rpc/failure'
import type { FeatureContext } from '../rpc/feature'
import type { Database } from '../store/migration'
import { prefillSourcesFromCache } from './cache-source'
import type { PrefillSources } from './prefill'
import { resolveRecipients, type ResolvedRecipient } from './plug-directory'
import { TransportMappingError, transportLetterOf, transportPatientOf } from './plug-transport'
import { recordDelivery } from './repository'
import type { LetterPlugs, LetterSigning, LetterTransport } from './seams'
import { cardPdfSigner, signPdf } from './signature'
import { DmpDepositError, depositLetterInDmp, resolveMssanteTransport, sendLetterByMssante, type DeliveryResult, type SignedLetterForTransport } from './transport'

/*
 * The letters' signature and transport, wired to this workstation: the signed-in card's signature key, the
 * central's professional directory, the MSSanté server (or the training relay) and the DMP through the central.
 * Each step is logged without patient data; the RPC journal (letters.sign / letters.send) records the letter.
 */

export interface LetterPlugOptions {
  /** The establishment named on the letter and its CDA (configuration, or the training one). */
  establishment: () => { name: string; finess: string } | null
}

/** Error messages the page words in French (letters.errors.<message>). */
export const SIGNATURE_CARD_REQUIRED = 'SIGNATURE_CARD_REQUIRED'
export const SIGNATURE_CARD_REFUSED = 'SIGNATURE_CARD_REFUSED'

function signing(ctx: FeatureContext, options: LetterPlugOptions): LetterSigning {
  return {
    async sign(pdf, { letter }) {
      // An e-CPS session has no card, and a removed card has closed its session: nothing can sign.
      const card = ctx.session.signingCard
      if (!card) throw new RpcFailure('FORBIDDEN', SIGNATURE_CARD_REQUIRED)
      try {
        const signed = await signPdf(pdf, cardPdfSigner(card), {
          reason: 'Lettre de liaison de sortie',
          location: options.establishment()?.name ?? '',
          signingTime: new Date(),
        })
        ctx.log.info('letters.signed', { version: letter.version, bytes: signed.byteLength })
        return signed
      } catch (error) {
        if (error instanceof CardError) {
          ctx.log.warn('letters.sign-refused', { code: error.code })
          throw new RpcFailure('FORBIDDEN', SIGNATURE_CARD_REFUSED)
        }
        throw error
      }
    },
  }
}

function delivered(result: DeliveryResult, kind: LetterRecipientKind): RecipientDelivery {
  if (result.status === 'sent') return { kind, address: result.address, status: 'envoyee', detail: null }
  return { kind, address: result.address, status: 'erreur', detail: result.reason ?? result.status.toUpperCase() }
}

/** The DocumentReference of the newest earlier version of the same letter already in the DMP: the one this replaces. */
function previousDeposit(db: Database, letter: Letter): string | undefined {
  const id = db
    .prepare(
      `SELECT d.address FROM letter_delivery AS d JOIN letter AS l ON l.id = d.letter_id
       WHERE l.set_id = ? AND l.version < ? AND d.recipient = 'dmp' AND d.status = 'envoyee' ORDER BY l.version DESC LIMIT 1`,
    )
    .pluck()
    .get(letter.setId, letter.version) as string | null | undefined
  return id ?? undefined
}

/**
 * recordDelivery's parameter type intersects RecipientDelivery with `kind: … | 'dmp'`, which narrows 'dmp' away;
 * the table (migration 0004) does take a 'dmp' row, hence the cast.
 */
function dmpRow(row: Omit<RecipientDelivery, 'kind'>): RecipientDelivery {
  return { ...row, kind: 'dmp' } as unknown as RecipientDelivery
}

async function depositInDmp(ctx: FeatureContext, central: CentralClient, letter: Letter, transportLetter: SignedLetterForTransport): Promise<void> {
  const db = ctx.store.db
  try {
    const replaces = previousDeposit(db, letter)
    const result = await depositLetterInDmp(central, transportLetter, replaces ? { replaces } : {})
    recordDelivery(db, letter.id, dmpRow({ address: result.documentReferenceId, status: 'envoyee', detail: `DocumentReference/${result.documentReferenceId}` }))
    ctx.log.info('letters.dmp-deposit', { created: result.created, status: result.status })
  } catch (error) {
    const detail = error instanceof DmpDepositError ? error.code : 'DEPOT_REFUSE'
    recordDelivery(db, letter.id, dmpRow({ address: null, status: 'erreur', detail }))
    ctx.log.warn('letters.dmp-deposit-failed', { code: detail })
  }
}

/** The chart the letter was written from, as the cache has it: the transport reads identity and stay there. */
export function letterSources(db: Database, letter: Letter): PrefillSources {
  const sources = prefillSourcesFromCache(db, letter.patientId, letter.content.stay.encounterId ?? undefined)
  if (!sources) throw new RpcFailure('NOT_FOUND', 'patient not in the cache')
  return sources
}

export async function recipientsOf(central: CentralClient, letter: Letter, sources: PrefillSources): Promise<ResolvedRecipient[]> {
  let transportPatient = null
  try {
    transportPatient = transportPatientOf(sources, letter)
  } catch {
    transportPatient = null
  }
  return resolveRecipients({ central, letter, patient: sources.patient, transportPatient, invisiblePatient: false })
}

function transport(ctx: FeatureContext, options: LetterPlugOptions): LetterTransport {
  return {
    async send({ letter, pdf, recipients: kinds, central }) {
      const db = ctx.store.db
      const establishment = options.establishment()
      if (!establishment) throw new RpcFailure('CONFLICT', 'ESTABLISSEMENT_NON_CONFIGURE')
      const sources = letterSources(db, letter)
      let transportLetter: SignedLetterForTransport
      try {
        transportLetter = await transportLetterOf({ db, central, letter, pdf, sources, establishment })
      } catch (error) {
        if (error instanceof TransportMappingError) throw new RpcFailure('CONFLICT', error.code)
        throw error
      }
      const known = await recipientsOf(central, letter, sources)
      const deliveries: RecipientDelivery[] = []
      const toSend: ResolvedRecipient[] = []
      for (const kind of kinds) {
        const recipient = known.find((r) => r.kind === kind)
        if (!recipient) deliveries.push({ kind, address: null, status: 'erreur', detail: 'AUCUN' })
        else if (recipient.blocked || !recipient.address) deliveries.push({ kind, address: recipient.address, status: 'erreur', detail: recipient.blocked ?? 'ADRESSE_INCONNUE' })
        else toSend.push(recipient)
      }
      if (toSend.length > 0) {
        const settings = resolveMssanteTransport(ctx.config, ctx.central.training)
        if (!settings) {
          deliveries.push(...toSend.map((r): RecipientDelivery => ({ kind: r.kind, address: r.address, status: 'erreur', detail: 'MSSANTE_NON_CONFIGURE' })))
        } else {
          const results = await sendLetterByMssante(
            transportLetter,
            toSend.map((r) => ({ address: r.address!, kind: r.kind })),
            settings,
          )
          results.forEach((result, index) => deliveries.push(delivered(result, toSend[index]!.kind)))
        }
      }
      for (const d of deliveries) ctx.log.info('letters.delivery', { kind: d.kind, status: d.status, ...(d.detail ? { detail: d.detail } : {}) })
      await depositInDmp(ctx, central, letter, transportLetter)
      return kinds.map((kind) => deliveries.find((d) => d.kind === kind)!)
    },
  }
}

/** What compose.ts hands to letterHandlers(). */
export function letterPlugs(ctx: FeatureContext, options: LetterPlugOptions): LetterPlugs {
  return { signing: signing(ctx, options), transport: transport(ctx, options), establishment: options.establishment }
}
