import { z } from 'zod'

export const Environment = z.enum(['training', 'production'])
export type Environment = z.infer<typeof Environment>

export const Establishment = z.object({
  name: z.string().min(1).max(200),
  finess: z.string().regex(/^\d{9}$/),
})
export type Establishment = z.infer<typeof Establishment>

export const SystemInfo = z.object({
  product: z.literal('Chevet'),
  version: z.string(),
  shell: z.enum(['electron', 'browser-host']),
  environment: Environment,
  establishment: Establishment.nullable(),
  centralUrl: z.string().nullable(),
  /** Pro Santé Connect is configured: the sign-in page offers e-CPS. */
  ecpsAvailable: z.boolean().default(false),
})
export type SystemInfo = z.infer<typeof SystemInfo>

export const CheckStatus = z.enum(['ok', 'warn', 'fail'])
export type CheckStatus = z.infer<typeof CheckStatus>

/** Identifiers of the checks of `chevet doctor` and of the diagnostic screen. */
export const CheckId = z.enum(['electron', 'keyVault', 'database', 'pkcs11', 'central', 'chromium'])
export type CheckId = z.infer<typeof CheckId>

export const Check = z.object({
  id: CheckId,
  status: CheckStatus,
  /** Whether a FAIL of this check makes `chevet doctor` exit non-zero. */
  required: z.boolean(),
  /** Stable code of the outcome, e.g. `electron.missing`; the renderer translates `diagnostics.outcome.<code>`. */
  code: z.string().regex(/^[a-zA-Z0-9]+\.[a-zA-Z0-9]+$/),
  /** Facts that need no translation: paths, versions, URLs. */
  detail: z.string().max(1000),
})
export type Check = z.infer<typeof Check>

export const DiagnosticsReport = z.object({
  generatedAt: z.string(),
  checks: z.array(Check),
})
export type DiagnosticsReport = z.infer<typeof DiagnosticsReport>
