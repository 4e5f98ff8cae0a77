import type { DocumentReference } from '@medplum/fhirtypes'
import type { CentralClient } from '../central/types'
import { withinWait } from '../central/wait'
import type { DocumentItem } from '../contract'
import type { Database } from '../store'
import { conceptLabel } from '../store/cache/fhir'
import { upsertResources } from '../store/cache/resources'
import { sql } from '../store/cache/statements'

const LIMIT = 100

function plainText(d: DocumentReference): string | null {
  for (const content of d.content ?? []) {
    const attachment = content.attachment
    if (!attachment.data || !(attachment.contentType ?? '').startsWith('text/plain')) continue
    return Buffer.from(attachment.data, 'base64').toString('utf8')
  }
  return null
}

export function toDocumentItem(d: DocumentReference): DocumentItem {
  const attachment = d.content?.[0]?.attachment
  return {
    id: d.id as string,
    title: attachment?.title ?? d.description ?? conceptLabel(d.type) ?? '',
    typeLabel: conceptLabel(d.type),
    date: d.date ?? attachment?.creation ?? null,
    author: d.author?.find((a) => a.display)?.display ?? null,
    text: plainText(d),
  }
}

const usable = (d: DocumentReference): boolean => d.status === 'current'

export function cachedDocuments(db: Database, patientId: string): DocumentItem[] {
  const rows = sql(
    db,
    `SELECT json FROM health_resource WHERE patient_id = ? AND resource_type = 'DocumentReference'
     ORDER BY effective_at DESC LIMIT ?`,
  )
    .pluck()
    .all(patientId, LIMIT) as string[]
  return rows.map((json) => JSON.parse(json) as DocumentReference).filter(usable).map(toDocumentItem)
}

/**
 * The patient's documents: asked of the central (they are not part of the chart prefetch, which a role without
 * health data rights — the medical secretary — cannot run) and kept in the cache, so that they stay readable
 * offline; the cached copy when the central does not answer in time.
 */
export async function listDocuments(
  db: Database,
  central: CentralClient,
  patientId: string,
): Promise<{ documents: DocumentItem[]; fromCache: boolean }> {
  try {
    const page = await withinWait(
      central.search<DocumentReference>('DocumentReference', { subject: `Patient/${patientId}`, _count: String(LIMIT), _sort: '-date' }),
    )
    if (!page) return { documents: cachedDocuments(db, patientId), fromCache: true }
    upsertResources(db, page.resources)
    return { documents: cachedDocuments(db, patientId), fromCache: false }
  } catch {
    return { documents: cachedDocuments(db, patientId), fromCache: true }
  }
}
