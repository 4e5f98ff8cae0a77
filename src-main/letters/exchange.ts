import { createHash } from 'node:crypto'
import type { BundleEntry, DocumentReference } from '@medplum/fhirtypes'
import { z } from 'zod'
import type { CentralClient } from '../central/types'
import { LetterContent, LetterId, type Letter } from '../contract/letters'
import type { Logger } from '../log'
import type { Database } from '../store/migration'
import { WRITE_IDENTIFIER_SYSTEM } from '../store/cache/fhir'
import { provenanceCondition, writeProvenance, type ProvenanceAuthor } from '../store/cache/provenance'
import type { WriteReceipt } from '../contract'
import { queueCreates } from '../store/cache/writes'
import { importSignedLetter } from './repository'

/**
 * Signed letters travel between workstations through the central: the doctor signs on the ward's workstation, the
 * secretary sends from hers. At signature a DocumentReference tagged `lettre-de-liaison-circuit` is queued in the
 * outbox (conditional create on the letter's id: a replay creates nothing twice) with the signed PDF/A and the
 * letter's content; a queue that lists letters first asks the central for those of its patients and keeps, in its
 * own encrypted store, the versions it did not have. Drafts stay on the workstation where they are written.
 * Not the DMP deposit: that one is the CDA, made when the letter is sent (transport/dmp.ts).
 */
export const LETTER_CIRCUIT_TAG = { system: 'urn:chevet:tag', code: 'lettre-de-liaison-circuit' } as const
export const LETTER_IDENTIFIER_SYSTEM = 'urn:chevet:letter'
const LETTER_JSON = 'application/vnd.chevet.letter+json'
const LOINC_LDL = { system: 'http://loinc.org', code: '11490-0', display: 'Lettre de liaison à la sortie' }

/** What travels besides the PDF: enough to rebuild the queue entry on another workstation. */
const Published = z
  .object({
    id: LetterId,
    setId: LetterId,
    version: z.number().int().min(1).max(1000),
    patientId: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/),
    unitId: z.string().max(64).nullable(),
    encounterId: z.string().max(64).nullable(),
    authorId: z.string().max(64),
    authorName: z.string().max(200),
    createdAt: z.string().max(40),
    signedAt: z.string().max(40),
    signedBy: z.string().max(200),
    content: LetterContent,
  })
  .strict()
export type Published = z.infer<typeof Published>

function base64(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64')
}

/** The DocumentReference that carries a signed version between workstations (see the module's comment). */
export function circuitDocument(published: Published, pdf: Uint8Array, signerId: string, encounterId: string | null): DocumentReference {
  const encounter = published.encounterId ?? encounterId
  return {
    resourceType: 'DocumentReference',
    meta: { tag: [{ ...LETTER_CIRCUIT_TAG }] },
    identifier: [
      { system: WRITE_IDENTIFIER_SYSTEM, value: `${published.id}-letter` },
      { system: LETTER_IDENTIFIER_SYSTEM, value: published.id },
    ],
    status: 'current',
    docStatus: 'final',
    type: { coding: [{ ...LOINC_LDL }], text: 'Lettre de liaison' },
    subject: { reference: `Patient/${published.patientId}` },
    date: published.signedAt,
    author: [{ reference: `Practitioner/${signerId}`, display: published.signedBy }],
    authenticator: { reference: `Practitioner/${signerId}` },
    description: `Lettre de liaison signée, version ${published.version}`,
    ...(encounter ? { context: { encounter: [{ reference: `Encounter/${encounter}` }] } } : {}),
    content: [
      { attachment: { contentType: 'application/pdf', data: base64(pdf), title: `Lettre de liaison signée — version ${published.version}`, creation: published.signedAt } },
      { attachment: { contentType: LETTER_JSON, data: base64(JSON.stringify(published)) } },
    ],
  }
}

/** Queues the signed version for the central, in the caller's transaction (see handlers: with markSigned). */
export function publishSignedLetter(
  db: Database,
  input: { letter: Letter; unitId: string | null; authorId: string; pdf: Uint8Array; signer: ProvenanceAuthor; now: string },
): WriteReceipt {
  const { letter } = input
  const published: Published = {
    id: letter.id,
    setId: letter.setId,
    version: letter.version,
    patientId: letter.patientId,
    unitId: input.unitId,
    encounterId: letter.content.stay.encounterId,
    authorId: input.authorId,
    authorName: letter.authorName,
    createdAt: letter.updatedAt,
    signedAt: letter.signedAt ?? input.now,
    signedBy: letter.signedBy ?? '',
    content: letter.content,
  }
  const writeId = `${letter.id}-letter`
  return queueCreates(db, { key: `${letter.id}-publish`, kind: 'letters.publish', patientId: letter.patientId, now: input.now }, (encounterId) => {
    const document = circuitDocument(published, input.pdf, input.signer.practitionerId, encounterId)
    const url = `urn:uuid:${letter.id}`
    return [
      { fullUrl: url, resource: document, request: { method: 'POST', url: 'DocumentReference', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}` } },
      {
        resource: writeProvenance({ targets: [url], recorded: input.now, author: input.signer, activity: 'CREATE', writeId }),
        request: { method: 'POST', url: 'Provenance', ifNoneExist: provenanceCondition(writeId) },
      },
    ] satisfies BundleEntry[]
  })
}

/** The letter a circuit DocumentReference carries, checked like any input from outside; null when it is not one. */
export function letterFromDocument(document: DocumentReference): { published: Published; pdf: Uint8Array } | null {
  if (!document.meta?.tag?.some((t) => t.system === LETTER_CIRCUIT_TAG.system && t.code === LETTER_CIRCUIT_TAG.code)) return null
  const json = document.content?.find((c) => c.attachment.contentType === LETTER_JSON)?.attachment.data
  const pdfData = document.content?.find((c) => c.attachment.contentType === 'application/pdf')?.attachment.data
  if (!json || !pdfData) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(json, 'base64').toString('utf8'))
  } catch {
    return null
  }
  const result = Published.safeParse(parsed)
  if (!result.success) return null
  if (document.subject?.reference !== `Patient/${result.data.patientId}`) return null
  const pdf = new Uint8Array(Buffer.from(pdfData, 'base64'))
  if (Buffer.from(pdf.subarray(0, 5)).toString('latin1') !== '%PDF-') return null
  return { published: result.data, pdf }
}

/**
 * Brings the signed letters of these patients that this workstation has not seen. Best effort: the central's
 * silence leaves the local queue as it is (offline, the queue still lists what this workstation holds).
 */
export async function importPublishedLetters(
  db: Database,
  central: CentralClient,
  patientIds: readonly string[],
  log: Logger,
  options: { chunkSize?: number; maxPerRound?: number } = {},
): Promise<{ imported: number; refused: number }> {
  const chunkSize = options.chunkSize ?? 20
  const max = options.maxPerRound ?? 500
  let imported = 0
  let refused = 0
  let seen = 0
  for (let i = 0; i < patientIds.length && seen < max; i += chunkSize) {
    const chunk = patientIds.slice(i, i + chunkSize)
    const params = {
      subject: chunk.map((id) => `Patient/${id}`).join(','),
      _tag: `${LETTER_CIRCUIT_TAG.system}|${LETTER_CIRCUIT_TAG.code}`,
      _count: '100',
    }
    for await (const resource of central.searchAll<DocumentReference>('DocumentReference', params)) {
      if (++seen > max) break
      const letter = letterFromDocument(resource as DocumentReference)
      if (!letter || !chunk.includes(letter.published.patientId)) {
        refused++
        continue
      }
      const sha256 = createHash('sha256').update(letter.pdf).digest('hex')
      if (importSignedLetter(db, { ...letter.published, pdf: letter.pdf, pdfSha256: sha256 })) imported++
    }
  }
  if (imported > 0 || refused > 0) log.info('letters.imported', { imported, refused })
  return { imported, refused }
}
