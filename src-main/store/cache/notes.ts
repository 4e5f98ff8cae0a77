import { randomUUID } from 'node:crypto'
import type { Composition, CompositionSection, Provenance, ProvenanceAgent } from '@medplum/fhirtypes'
import { CreateNoteParams, Role, type Note, type NoteKind, type NotesList, type NotesListParams, type WriteReceipt } from '../../contract'
import type { Database } from '../migration'
import { firstCode, LOINC, WRITE_IDENTIFIER_SYSTEM } from './fhir'
import { fold } from './fold'
import { sql } from './statements'
import { putLocalCreate, queueCreates } from './writes'

/*
 * FHIR mapping of a note: a `Composition` (status final), because the training central (medplum) validates it,
 * searches it by `subject` and `date`, and its sections carry the three parts of a transmission ciblée without
 * inventing a structure. Medical observation: type LOINC 11506-3 (Progress note), one section with the text.
 * Transmission ciblée: type LOINC 34746-8 (Nurse note), the cible as `title`, sections D / A / R (local codes).
 * The author is the signed-in practitioner (`author`, with the name as `display`), the role an extension, and
 * every note travels with its `Provenance` (who, when, on whose behalf) in ONE transaction Bundle.
 */
export const NOTE_LOINC: Readonly<Record<NoteKind, { code: string; display: string }>> = {
  observation: { code: '11506-3', display: 'Observation médicale' },
  transmission: { code: '34746-8', display: 'Transmission ciblée infirmière' },
}
export const NOTE_KIND_SYSTEM = 'urn:chevet:note-kind'
export const DAR_SECTION_SYSTEM = 'urn:chevet:dar'
export const AUTHOR_ROLE_EXTENSION = 'urn:chevet:author-role'
const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type'
const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation'
const XHTML = 'http://www.w3.org/1999/xhtml'
const DAR_PARTS = [
  { key: 'donnees', code: 'D', title: 'Données' },
  { key: 'actions', code: 'A', title: 'Actions' },
  { key: 'resultats', code: 'R', title: 'Résultats' },
] as const
/** Newest notes read for one chart; older ones stay at the central. */
const LIST_LIMIT = 500

export interface NoteAuthor {
  practitionerId: string
  displayName: string
  role: Role
  /**
   * The senior an interne writes for (Provenance `agent.onBehalfOf`). TODO: the session does not know the
   * supervising senior yet (no PractitionerRole supervision link at the central); set it once it does.
   */
  onBehalfOf?: string
}

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function narrative(text: string): { status: 'generated'; div: string } {
  const body = text.split('\n').map(escapeXml).join('<br/>')
  return { status: 'generated', div: `<div xmlns="${XHTML}">${body}</div>` }
}

/** The plain text back from a narrative we wrote (or a reasonable reading of someone else's). */
export function narrativeText(div: string | undefined): string {
  if (!div) return ''
  return div
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
}

function sections(params: CreateNoteParams): CompositionSection[] {
  if (params.kind === 'observation') {
    return [{ title: NOTE_LOINC.observation.display, text: narrative(params.text) }]
  }
  const out: CompositionSection[] = []
  for (const part of DAR_PARTS) {
    const value = params[part.key]
    if (!value) continue
    out.push({
      title: part.title,
      code: { coding: [{ system: DAR_SECTION_SYSTEM, code: part.code, display: part.title }] },
      text: narrative(value),
    })
  }
  return out
}

/** The Composition and its Provenance for one note (without ids; the Provenance targets `compositionUrl`). */
export function noteResources(
  params: CreateNoteParams,
  key: string,
  context: { encounterId: string | null; writtenAt: string; author: NoteAuthor; compositionUrl: string },
): { composition: Composition; provenance: Provenance } {
  const { author, writtenAt } = context
  const type = NOTE_LOINC[params.kind]
  const composition: Composition = {
    resourceType: 'Composition',
    identifier: { system: WRITE_IDENTIFIER_SYSTEM, value: `${key}-note` },
    extension: [{ url: AUTHOR_ROLE_EXTENSION, valueCode: author.role }],
    status: 'final',
    type: { coding: [{ system: LOINC, code: type.code, display: type.display }], text: type.display },
    category: [{ coding: [{ system: NOTE_KIND_SYSTEM, code: params.kind }] }],
    subject: { reference: `Patient/${params.patientId}` },
    ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
    date: writtenAt,
    author: [{ reference: `Practitioner/${author.practitionerId}`, display: author.displayName }],
    title: params.kind === 'transmission' ? params.cible : type.display,
    section: sections(params),
  }
  const agent: ProvenanceAgent = {
    type: { coding: [{ system: PROVENANCE_PARTICIPANT, code: 'author', display: 'Author' }] },
    who: { reference: `Practitioner/${author.practitionerId}`, display: author.displayName },
    ...(author.role === 'interne' && author.onBehalfOf ? { onBehalfOf: { reference: `Practitioner/${author.onBehalfOf}` } } : {}),
  }
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: context.compositionUrl }],
    recorded: writtenAt,
    activity: { coding: [{ system: DATA_OPERATION, code: 'CREATE', display: 'create' }] },
    agent: [agent],
  }
  return { composition, provenance }
}

/**
 * Records a note: the Composition is stored in the cache marked pending, and ONE outbox entry (a transaction of
 * the Composition and its Provenance) is queued, in the same SQLite transaction. Both creates are conditional:
 * the note on its write identifier; the Provenance, which has no identifier in R4, on its author and its
 * `recorded` instant (fixed in the queued body), so a replay after a crash creates neither twice.
 */
export function recordNote(
  db: Database,
  input: CreateNoteParams,
  author: NoteAuthor,
  options: { now?: Date; idempotencyKey?: string } = {},
): WriteReceipt {
  const params = CreateNoteParams.parse(input)
  const writtenAt = (options.now ?? new Date()).toISOString()
  const key = options.idempotencyKey ?? randomUUID()
  return queueCreates(db, { key, kind: 'notes.create', patientId: params.patientId, now: writtenAt }, (encounterId) => {
    const compositionUrl = `urn:uuid:${randomUUID()}`
    const { composition, provenance } = noteResources(params, key, { encounterId, writtenAt, author, compositionUrl })
    const writeId = `${key}-note`
    putLocalCreate(db, composition, writeId, writtenAt)
    return [
      {
        fullUrl: compositionUrl,
        resource: composition,
        request: { method: 'POST', url: 'Composition', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}` },
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: provenance,
        request: {
          method: 'POST',
          url: 'Provenance',
          ifNoneExist: `agent=Practitioner/${author.practitionerId}&recorded=ge${writtenAt}&recorded=le${writtenAt}`,
        },
      },
    ]
  })
}

function toNote(composition: Composition, pending: boolean): Note | null {
  const code = firstCode(composition.type, LOINC)
  const kind = (Object.keys(NOTE_LOINC) as NoteKind[]).find((k) => NOTE_LOINC[k].code === code)
  if (!kind) return null
  const role = Role.safeParse(composition.extension?.find((e) => e.url === AUTHOR_ROLE_EXTENSION)?.valueCode)
  const part = (sectionCode: string): string | null => {
    const section = composition.section?.find((s) => firstCode(s.code, DAR_SECTION_SYSTEM) === sectionCode)
    return section ? narrativeText(section.text?.div) : null
  }
  return {
    id: composition.id as string,
    kind,
    authorName: composition.author?.[0]?.display ?? null,
    authorRole: role.success ? role.data : null,
    writtenAt: composition.date,
    cible: kind === 'transmission' ? composition.title : null,
    text: kind === 'observation' ? (composition.section ?? []).map((s) => narrativeText(s.text?.div)).join('\n\n') : null,
    donnees: kind === 'transmission' ? part('D') : null,
    actions: kind === 'transmission' ? part('A') : null,
    resultats: kind === 'transmission' ? part('R') : null,
    pending,
  }
}

/** The cached notes of a patient, newest first, filtered by author role and cible (folded substring). */
export function listNotes(db: Database, params: NotesListParams): NotesList {
  const rows = sql(
    db,
    `SELECT json, pending FROM health_resource
     WHERE patient_id = ? AND resource_type = 'Composition' AND code IN (?, ?)
       AND (status IS NULL OR status != 'entered-in-error')
     ORDER BY effective_at DESC, fetched_at DESC LIMIT ?`,
  ).all(params.patientId, NOTE_LOINC.observation.code, NOTE_LOINC.transmission.code, LIST_LIMIT) as { json: string; pending: number }[]
  const all = rows
    .map((row) => toNote(JSON.parse(row.json) as Composition, row.pending === 1))
    .filter((note): note is Note => note !== null)
  const cibles = [...new Set(all.map((n) => n.cible).filter((c): c is string => !!c))].sort((a, b) => a.localeCompare(b, 'fr'))
  const role = params.filters?.authorRole
  const cible = params.filters?.cible ? fold(params.filters.cible) : null
  const notes = all.filter((n) => (!role || n.authorRole === role) && (!cible || (n.cible !== null && fold(n.cible).includes(cible))))
  return { notes, cibles }
}
