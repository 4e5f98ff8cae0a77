import { z } from 'zod'

/** Stable error codes at the RPC boundary (DESIGN.md §3). Never rename one: the renderer and tests key on them. */
export const ErrorCode = z.enum([
  'UNAUTHENTICATED',
  'LOCKED',
  'FORBIDDEN',
  'BREAK_GLASS_REQUIRED',
  'NOT_FOUND',
  'CONFLICT',
  'OFFLINE',
  'INVALID',
  'INTERNAL',
])
export type ErrorCode = z.infer<typeof ErrorCode>

export const RpcErrorBody = z.object({
  code: ErrorCode,
  /** A short developer-facing explanation; never patient data. The renderer shows `errors.<code>` from i18n. */
  message: z.string().max(2000),
})
export type RpcErrorBody = z.infer<typeof RpcErrorBody>
