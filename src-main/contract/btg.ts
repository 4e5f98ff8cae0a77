import { z } from 'zod'
import { ResourceId } from './clinical'
import { method } from './method'

/** Why a professional breaks the glass (issue 6): a list, and a free text mandatory for `autre`. */
export const BtgReason = z.enum(['urgence-vitale', 'continuite-des-soins', 'demande-du-patient', 'autre'])
export type BtgReason = z.infer<typeof BtgReason>

export const BTG_JUSTIFICATION_MAX = 500

export const BtgBeginParams = z
  .object({
    patientId: ResourceId,
    reason: BtgReason,
    justification: z.string().trim().max(BTG_JUSTIFICATION_MAX).optional(),
  })
  .strict()
  .refine((v) => v.reason !== 'autre' || (v.justification ?? '').length > 0, {
    message: 'a justification is required for "autre"',
    path: ['justification'],
  })
export type BtgBeginParams = z.infer<typeof BtgBeginParams>

/** A break the glass in force: one patient, until `expiresAt`. */
export const BtgGrant = z.object({
  patientId: z.string(),
  reason: BtgReason,
  justification: z.string(),
  grantedAt: z.string(),
  expiresAt: z.string(),
})
export type BtgGrant = z.infer<typeof BtgGrant>

export const btgMethods = {
  /** Breaks the glass on one patient: a BTG token from the central, the chart fetched with it, admitted until expiry. */
  'btg.begin': method({ params: BtgBeginParams, result: BtgGrant, access: 'session' }),
  /** For the chart's banner: the break the glass in force on this patient for the user, and his sensitivity flags. */
  'btg.status': method({
    params: z.object({ patientId: ResourceId }).strict(),
    result: z.object({ grant: BtgGrant.nullable(), sensitivity: z.array(z.enum(['restricted', 'vip', 'penitentiary'])) }),
    access: 'session',
  }),
} as const
