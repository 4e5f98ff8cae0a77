import { z } from 'zod'

export const SessionState = z.enum(['signed-out', 'locked', 'active'])
export type SessionState = z.infer<typeof SessionState>

export const Role = z.enum([
  'medecin',
  'interne',
  'sage-femme',
  'infirmier',
  'aide-soignant',
  'secretaire',
  'pharmacien',
  'cadre',
  'dim',
  'dpo',
])
export type Role = z.infer<typeof Role>

export const Unit = z.object({ id: z.string(), name: z.string() })
export type Unit = z.infer<typeof Unit>

export const SessionUser = z.object({
  idNat: z.string(),
  /** FHIR Practitioner id at the central. */
  practitionerId: z.string(),
  displayName: z.string(),
  role: Role,
  units: z.array(Unit),
})
export type SessionUser = z.infer<typeof SessionUser>

/** Why a session is locked: the card left the reader, nobody used the workstation, or the user locked it. */
export const LockReason = z.enum(['card-removed', 'inactivity', 'manual'])
export type LockReason = z.infer<typeof LockReason>

export const SessionStatus = z.object({
  state: SessionState,
  user: SessionUser.nullable(),
  /** The card the session was opened with (its reader slot), when it was opened with a card. */
  slotId: z.string().nullable().optional(),
  lockReason: LockReason.nullable().optional(),
})
export type SessionStatus = z.infer<typeof SessionStatus>

export const PinState = z.enum(['ok', 'countLow', 'finalTry', 'locked'])
export type PinState = z.infer<typeof PinState>

export const CardSummary = z.object({
  slotId: z.string(),
  kind: z.enum(['virtual', 'pkcs11']),
  label: z.string(),
  /** Readable without the PIN, as CPS_NAME_PS is on a real card. */
  holder: z.string().nullable(),
  pinState: PinState,
})
export type CardSummary = z.infer<typeof CardSummary>

export const SignInParams = z
  .object({
    slotId: z.string().min(1).max(200),
    /** Typed in the renderer, passed once, never stored nor logged. */
    pin: z.string().regex(/^\d{4,12}$/),
  })
  .strict()
