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

export const SessionUser = z.object({
  idNat: z.string(),
  displayName: z.string(),
  role: Role,
  units: z.array(z.string()),
})
export type SessionUser = z.infer<typeof SessionUser>

export const SessionStatus = z.object({
  state: SessionState,
  user: SessionUser.nullable(),
})
export type SessionStatus = z.infer<typeof SessionStatus>
