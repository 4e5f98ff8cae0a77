import { z } from 'zod'
import { IdentityStatus, ResourceId } from './clinical'
import { method } from './method'

/*
 * The discharge lettre de liaison (CSP R1112-1-2, DOMAIN.md §3): its content, its versions and statuses, and the RPC
 * the letter editor, the preview and the secretary's queue use. Signing (PAdES, src-main/letters/signature/) and
 * sending (MSSanté/DMP, src-main/letters/transport/) plug in behind `letters.sign` and `letters.send`.
 */

export const LETTER_LIMITS = { line: 500, text: 20_000, treatments: 200 } as const

const Line = z.string().trim().max(LETTER_LIMITS.line)
const Text = z.string().trim().max(LETTER_LIMITS.text)

/** brouillon → à valider → signée → à envoyer → envoyée (or erreur, when a recipient could not be reached). */
export const LetterStatus = z.enum(['brouillon', 'a-valider', 'signee', 'a-envoyer', 'envoyee', 'erreur'])
export type LetterStatus = z.infer<typeof LetterStatus>

export const LetterPerson = z
  .object({
    name: Line,
    /** RPPS (11 digits) when known. */
    rpps: Line.nullable(),
    mssante: Line.nullable(),
    /** Qualification or address line shown under the name. */
    detail: Line.nullable(),
  })
  .strict()
export type LetterPerson = z.infer<typeof LetterPerson>

export const LetterPatient = z
  .object({
    id: ResourceId,
    familyName: Line,
    givenName: Line,
    birthName: Line.nullable(),
    sex: z.enum(['male', 'female', 'other', 'unknown']),
    birthDate: Line.nullable(),
    /** Matricule INS: printed only when the identity is QUAL (RNIV). */
    ins: Line.nullable(),
    identityStatus: IdentityStatus.nullable(),
    ipp: Line.nullable(),
  })
  .strict()
export type LetterPatient = z.infer<typeof LetterPatient>

export const LetterStay = z
  .object({
    encounterId: ResourceId.nullable(),
    unit: Line.nullable(),
    admissionDate: Line.nullable(),
    admissionMode: Line.nullable(),
    dischargeDate: Line.nullable(),
    dischargeMode: Line.nullable(),
  })
  .strict()
export type LetterStay = z.infer<typeof LetterStay>

/** `poursuivi`: unchanged; the other three are the changes R1112-1-2 asks to justify. */
export const TreatmentChange = z.enum(['nouveau', 'modifie', 'arrete', 'poursuivi'])
export type TreatmentChange = z.infer<typeof TreatmentChange>

export const TreatmentLine = z
  .object({
    medication: Line,
    change: TreatmentChange,
    /** Posology before the stay (null for a new treatment). */
    admission: Line.nullable(),
    /** Posology at discharge (null for a stopped treatment). */
    discharge: Line.nullable(),
    duration: Line.nullable(),
    reason: Line,
  })
  .strict()
export type TreatmentLine = z.infer<typeof TreatmentLine>

export const MedicalSummary = z
  .object({
    synthesis: Text,
    adverseEvents: Text,
    multiResistantOrganisms: Text,
    bloodProducts: Text,
    implantedDevices: Text,
  })
  .strict()
export type MedicalSummary = z.infer<typeof MedicalSummary>

/** What the letter says: prefilled from the chart, then edited by the doctor. */
export const LetterContent = z
  .object({
    patient: LetterPatient,
    medecinTraitant: LetterPerson.nullable(),
    /** The referring doctor (adresseur), when there is one. */
    adresseur: LetterPerson.nullable(),
    hospitalDoctor: LetterPerson.nullable(),
    stay: LetterStay,
    reason: Text,
    summary: MedicalSummary,
    treatments: z.array(TreatmentLine).max(LETTER_LIMITS.treatments),
    pendingResults: Text,
    followUp: Text,
  })
  .strict()
export type LetterContent = z.infer<typeof LetterContent>

/** A required item still missing: `path` points into LetterContent, `message` is shown to the doctor (French). */
export const MissingItem = z.object({ path: z.string(), message: z.string() })
export type MissingItem = z.infer<typeof MissingItem>

export const LetterId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/)

export const LetterSummary = z.object({
  id: LetterId,
  setId: LetterId,
  version: z.number().int().min(1),
  patientId: ResourceId,
  patientName: z.string(),
  unit: z.string().nullable(),
  dischargeDate: z.string().nullable(),
  status: LetterStatus,
  authorName: z.string(),
  updatedAt: z.string(),
  signedAt: z.string().nullable(),
  signedBy: z.string().nullable(),
})
export type LetterSummary = z.infer<typeof LetterSummary>

export const Letter = LetterSummary.extend({
  content: LetterContent,
  /** Signed, sent or in error: a change makes a new version (same setId, version + 1). */
  locked: z.boolean(),
  missing: z.array(MissingItem),
  /** Every version of the same letter (setId), oldest first. */
  versions: z.array(z.object({ id: LetterId, version: z.number().int(), status: LetterStatus, updatedAt: z.string() })),
})
export type Letter = z.infer<typeof Letter>

/** The establishment's letterhead, from the configuration. */
export const Letterhead = z.object({
  name: z.string(),
  finess: z.string().nullable(),
  address: z.array(z.string()),
  unit: z.string().nullable(),
  /** An image as a data: URL (PNG or JPEG), when configured. */
  logo: z.string().nullable(),
})
export type Letterhead = z.infer<typeof Letterhead>

/** Everything the renderer needs to lay the letter out as PDF/A (src-renderer/letters/letter-document.ts). */
export const LetterPreview = z.object({
  letterhead: Letterhead,
  letter: Letter,
})
export type LetterPreview = z.infer<typeof LetterPreview>

export const LetterRecipientKind = z.enum(['medecin-traitant', 'adresseur', 'patient'])
export type LetterRecipientKind = z.infer<typeof LetterRecipientKind>

export const RecipientDelivery = z.object({
  kind: LetterRecipientKind,
  address: z.string().nullable(),
  status: z.enum(['a-envoyer', 'envoyee', 'erreur']),
  detail: z.string().nullable(),
})
export type RecipientDelivery = z.infer<typeof RecipientDelivery>

const LetterRef = z.object({ letterId: LetterId }).strict()
/** PDF bytes as base64 (a signed letter is well under the 1 MB request limit). */
const PdfBase64 = z.string().min(100).max(900_000).regex(/^[A-Za-z0-9+/]+={0,2}$/)

export const letterMethods = {
  /** A letter prefilled from the cached chart (not stored until `letters.save`), with what is still missing. */
  'letters.prefill': method({
    params: z.object({ patientId: ResourceId, encounterId: ResourceId.optional() }).strict(),
    result: z.object({ content: LetterContent, missing: z.array(MissingItem) }),
    access: 'session',
  }),
  'letters.get': method({ params: LetterRef, result: Letter, access: 'session' }),
  /**
   * Saves a draft. Without letterId: a new letter (version 1). With the id of a draft: that draft is updated. With
   * the id of a locked version: a new version of the same setId is made (the signed one stays as it was).
   */
  'letters.save': method({
    params: z.object({ patientId: ResourceId, letterId: LetterId.optional(), content: LetterContent }).strict(),
    result: Letter,
    access: 'session',
  }),
  /** The queue: newest first; by status and unit (Location id or name). */
  'letters.list': method({
    params: z
      .object({ status: z.array(LetterStatus).max(6).optional(), unitId: ResourceId.optional(), patientId: ResourceId.optional() })
      .strict(),
    result: z.object({ letters: z.array(LetterSummary) }),
    access: 'session',
  }),
  'letters.preview': method({ params: LetterRef, result: LetterPreview, access: 'session' }),
  /** brouillon → à valider (a junior doctor hands the letter to the senior who signs it). */
  'letters.submit': method({ params: LetterRef, result: Letter, access: 'session' }),
  /**
   * Signs the PDF/A the renderer laid out from `letters.preview` with the user's CPS signature key (PAdES B-B).
   * Refused (INVALID) while a required item is missing. The letter becomes `signee` and locked.
   */
  'letters.sign': method({
    params: LetterRef.extend({ pdf: PdfBase64 }).strict(),
    result: Letter,
    access: 'session',
  }),
  /** Sends a signed letter by MSSanté to the chosen recipients and deposits it in the DMP. */
  'letters.send': method({
    params: LetterRef.extend({ recipients: z.array(LetterRecipientKind).min(1).max(3) }).strict(),
    result: z.object({ letter: Letter, deliveries: z.array(RecipientDelivery) }),
    access: 'session',
  }),
} as const

/** The letter methods' names, for the handlers and the journal's extractors (one list: the contract's). */
export type LetterMethodName = keyof typeof letterMethods
