import { createHash, randomUUID } from 'node:crypto'
import type { Letter, LetterContent, LetterRecipientKind, LetterStatus, LetterSummary, RecipientDelivery } from '../contract/letters'
import type { Database } from '../store/migration'
import { isLocked, missingItems } from './model'

/** The letters' versions in the encrypted store (migration 0004). No patient data in errors. */

interface Row {
  id: string
  set_id: string
  version: number
  patient_id: string
  encounter_id: string | null
  unit_id: string | null
  status: LetterStatus
  content: string
  author_id: string
  author_name: string
  created_at: string
  updated_at: string
  signed_at: string | null
  signed_by: string | null
}

const COLUMNS = 'id, set_id, version, patient_id, encounter_id, unit_id, status, content, author_id, author_name, created_at, updated_at, signed_at, signed_by'

export interface Author {
  practitionerId: string
  displayName: string
}

export class LetterStoreError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message)
    this.name = 'LetterStoreError'
  }
}

function row(db: Database, id: string): Row {
  const found = db.prepare(`SELECT ${COLUMNS} FROM letter WHERE id = ?`).get(id) as Row | undefined
  if (!found) throw new LetterStoreError('NOT_FOUND', 'no such letter')
  return found
}

function summary(r: Row, content: LetterContent): LetterSummary {
  return {
    id: r.id,
    setId: r.set_id,
    version: r.version,
    patientId: r.patient_id,
    patientName: `${content.patient.familyName.toUpperCase()} ${content.patient.givenName}`.trim(),
    unit: content.stay.unit,
    dischargeDate: content.stay.dischargeDate,
    status: r.status,
    authorName: r.author_name,
    updatedAt: r.updated_at,
    signedAt: r.signed_at,
    signedBy: r.signed_by,
  }
}

export function getLetter(db: Database, id: string): Letter {
  const r = row(db, id)
  const content = JSON.parse(r.content) as LetterContent
  const versions = db
    .prepare('SELECT id, version, status, updated_at AS updatedAt FROM letter WHERE set_id = ? ORDER BY version')
    .all(r.set_id) as Letter['versions']
  return { ...summary(r, content), content, locked: isLocked(r.status), missing: missingItems(content), versions }
}

/**
 * Saves the doctor's edit: a new letter, the same draft updated, or — when the given version is locked — a new
 * version of its set. Editing an older version of a set that has a newer one is a CONFLICT (someone moved on).
 */
export function saveLetter(
  db: Database,
  input: { patientId: string; letterId?: string; content: LetterContent; unitId: string | null; author: Author; now?: string },
): Letter {
  const now = input.now ?? new Date().toISOString()
  const json = JSON.stringify(input.content)
  return db.transaction(() => {
    if (input.letterId === undefined) {
      const id = randomUUID()
      db.prepare(
        `INSERT INTO letter (id, set_id, version, patient_id, encounter_id, unit_id, status, content, author_id, author_name, created_at, updated_at)
         VALUES (?, ?, 1, ?, ?, ?, 'brouillon', ?, ?, ?, ?, ?)`,
      ).run(id, id, input.patientId, input.content.stay.encounterId, input.unitId, json, input.author.practitionerId, input.author.displayName, now, now)
      return getLetter(db, id)
    }
    const current = row(db, input.letterId)
    if (current.patient_id !== input.patientId) throw new LetterStoreError('CONFLICT', 'letter of another patient')
    const latest = db.prepare('SELECT max(version) FROM letter WHERE set_id = ?').pluck().get(current.set_id) as number
    if (current.version !== latest) throw new LetterStoreError('CONFLICT', 'a newer version of this letter exists')
    if (!isLocked(current.status)) {
      db.prepare(`UPDATE letter SET content = ?, status = 'brouillon', author_id = ?, author_name = ?, updated_at = ? WHERE id = ?`).run(
        json,
        input.author.practitionerId,
        input.author.displayName,
        now,
        current.id,
      )
      return getLetter(db, current.id)
    }
    const id = randomUUID()
    db.prepare(
      `INSERT INTO letter (id, set_id, version, patient_id, encounter_id, unit_id, status, content, author_id, author_name, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'brouillon', ?, ?, ?, ?, ?)`,
    ).run(id, current.set_id, current.version + 1, current.patient_id, input.content.stay.encounterId, current.unit_id, json, input.author.practitionerId, input.author.displayName, now, now)
    return getLetter(db, id)
  })()
}

const NEXT: Partial<Record<LetterStatus, readonly LetterStatus[]>> = {
  brouillon: ['a-valider'],
  'a-valider': ['brouillon'],
  signee: ['a-envoyer'],
  'a-envoyer': ['envoyee', 'erreur'],
  erreur: ['a-envoyer', 'envoyee'],
}

/** A status change that needs no signature (submitting, queueing, the outcome of a sending). */
export function moveLetter(db: Database, id: string, to: LetterStatus, now = new Date().toISOString()): Letter {
  const current = row(db, id)
  if (!(NEXT[current.status] ?? []).includes(to)) throw new LetterStoreError('CONFLICT', `a letter cannot go from ${current.status} to ${to}`)
  db.prepare('UPDATE letter SET status = ?, updated_at = ? WHERE id = ?').run(to, now, id)
  return getLetter(db, id)
}

/** Stores the signed PDF and locks the version. Only a draft or a letter awaiting validation can be signed. */
export function markSigned(db: Database, id: string, input: { pdf: Uint8Array; signedBy: string; now?: string }): Letter {
  const now = input.now ?? new Date().toISOString()
  const current = row(db, id)
  if (isLocked(current.status)) throw new LetterStoreError('CONFLICT', 'letter already signed')
  const sha256 = createHash('sha256').update(input.pdf).digest('hex')
  db.prepare(`UPDATE letter SET status = 'signee', signed_at = ?, signed_by = ?, signed_pdf = ?, pdf_sha256 = ?, updated_at = ? WHERE id = ?`).run(
    now,
    input.signedBy,
    Buffer.from(input.pdf),
    sha256,
    now,
    id,
  )
  return getLetter(db, id)
}

export function signedPdf(db: Database, id: string): Uint8Array | null {
  const data = db.prepare('SELECT signed_pdf FROM letter WHERE id = ?').pluck().get(id) as Buffer | null | undefined
  return data ? new Uint8Array(data) : null
}

export interface LetterFilter {
  status?: readonly LetterStatus[]
  unitIds?: readonly string[]
  patientId?: string
  limit?: number
}

/** The queue: the newest version of each letter, newest first. */
export function listLetters(db: Database, filter: LetterFilter = {}): LetterSummary[] {
  const where = ['version = (SELECT max(version) FROM letter AS newer WHERE newer.set_id = letter.set_id)']
  const args: unknown[] = []
  if (filter.status?.length) {
    where.push(`status IN (${filter.status.map(() => '?').join(', ')})`)
    args.push(...filter.status)
  }
  if (filter.unitIds) {
    where.push(`unit_id IN (${filter.unitIds.map(() => '?').join(', ') || 'NULL'})`)
    args.push(...filter.unitIds)
  }
  if (filter.patientId) {
    where.push('patient_id = ?')
    args.push(filter.patientId)
  }
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM letter WHERE ${where.join(' AND ')} ORDER BY updated_at DESC LIMIT ?`)
    .all(...args, filter.limit ?? 500) as Row[]
  return rows.map((r) => summary(r, JSON.parse(r.content) as LetterContent))
}

/** One recipient's outcome; `dmp` is the deposit in the patient's DMP, tracked like a recipient. */
export function recordDelivery(db: Database, id: string, delivery: Omit<RecipientDelivery, 'kind'> & { kind: LetterRecipientKind | 'dmp' }, now = new Date().toISOString()): void {
  db.prepare(
    `INSERT INTO letter_delivery (letter_id, recipient, address, status, detail, attempts, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)
     ON CONFLICT (letter_id, recipient) DO UPDATE SET address = excluded.address, status = excluded.status, detail = excluded.detail,
       attempts = attempts + 1, updated_at = excluded.updated_at`,
  ).run(id, delivery.kind, delivery.address, delivery.status, delivery.detail, now)
}

/**
 * A signed version another workstation published through the central (exchange.ts). Kept as it was signed; its
 * sendings are this workstation's own from then on. False when this workstation already has it.
 */
export function importSignedLetter(
  db: Database,
  input: {
    id: string
    setId: string
    version: number
    patientId: string
    encounterId: string | null
    unitId: string | null
    content: LetterContent
    authorId: string
    authorName: string
    createdAt: string
    signedAt: string
    signedBy: string
    pdf: Uint8Array
    pdfSha256: string
  },
): boolean {
  const result = db
    .prepare(
      `INSERT INTO letter (id, set_id, version, patient_id, encounter_id, unit_id, status, content, author_id, author_name, created_at, updated_at,
                           signed_at, signed_by, signed_pdf, pdf_sha256)
       VALUES (?, ?, ?, ?, ?, ?, 'signee', ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    )
    .run(
      input.id,
      input.setId,
      input.version,
      input.patientId,
      input.encounterId,
      input.unitId,
      JSON.stringify(input.content),
      input.authorId,
      input.authorName,
      input.createdAt,
      input.signedAt,
      input.signedAt,
      input.signedBy,
      Buffer.from(input.pdf),
      input.pdfSha256,
    )
  return result.changes === 1
}

/** Where a letter belongs and who wrote it (what publishing needs beyond the Letter itself). */
export function letterOrigin(db: Database, id: string): { unitId: string | null; authorId: string } {
  const r = row(db, id)
  return { unitId: r.unit_id, authorId: r.author_id }
}
