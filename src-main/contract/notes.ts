import { z } from 'zod'
import { ResourceId } from './clinical'
import { Role } from './session'

/** `observation`: a medical observation (free text); `transmission`: a nursing transmission ciblée (DAR). */
export const NoteKind = z.enum(['observation', 'transmission'])
export type NoteKind = z.infer<typeof NoteKind>

export const NOTE_LIMITS = { text: 20_000, cible: 120, part: 10_000 } as const

const Text = (max: number) => z.string().trim().min(1).max(max)
const OptionalPart = z.string().trim().max(NOTE_LIMITS.part).optional()

export const CreateNoteParams = z.discriminatedUnion('kind', [
  z.object({ patientId: ResourceId, kind: z.literal('observation'), text: Text(NOTE_LIMITS.text) }).strict(),
  z
    .object({
      patientId: ResourceId,
      kind: z.literal('transmission'),
      cible: Text(NOTE_LIMITS.cible),
      /** Données are required: a transmission states what was observed; Actions and Résultats may follow later. */
      donnees: Text(NOTE_LIMITS.part),
      actions: OptionalPart,
      resultats: OptionalPart,
    })
    .strict(),
])
export type CreateNoteParams = z.infer<typeof CreateNoteParams>

export const NotesListParams = z
  .object({
    patientId: ResourceId,
    filters: z
      .object({
        authorRole: Role.optional(),
        /** Accent- and case-insensitive part of the cible. */
        cible: z.string().trim().min(1).max(NOTE_LIMITS.cible).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
export type NotesListParams = z.infer<typeof NotesListParams>

export const Note = z.object({
  id: z.string(),
  kind: NoteKind,
  authorName: z.string().nullable(),
  authorRole: Role.nullable(),
  writtenAt: z.string(),
  /** Transmission: its cible; observation: null. */
  cible: z.string().nullable(),
  /** Observation: its text; transmission: null. */
  text: z.string().nullable(),
  donnees: z.string().nullable(),
  actions: z.string().nullable(),
  resultats: z.string().nullable(),
  /** Still in the outbox: the central does not have it yet. */
  pending: z.boolean(),
})
export type Note = z.infer<typeof Note>

export const NotesList = z.object({
  /** Newest first. */
  notes: z.array(Note),
  /** Every cible of the patient's transmissions (for the filter), sorted. */
  cibles: z.array(z.string()),
})
export type NotesList = z.infer<typeof NotesList>
