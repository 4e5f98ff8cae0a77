import { z } from 'zod'
import { DiagnosticsReport, SystemInfo } from './system'
import { SessionStatus } from './session'

/**
 * Who may call a method:
 * - `public`: anyone, even signed out (system information, sign-in);
 * - `session`: an active (unlocked) session; the dispatcher answers UNAUTHENTICATED or LOCKED otherwise.
 */
export type Access = 'public' | 'session'

interface MethodSpec<P extends z.ZodType, R extends z.ZodType> {
  params: P
  result: R
  access: Access
}

function method<P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  return spec
}

const NoParams = z.object({}).strict()

/** The whole RPC contract: one entry per method, params and result validated both ways by the dispatcher. */
export const methods = {
  'system.info': method({ params: NoParams, result: SystemInfo, access: 'public' }),
  'system.diagnostics': method({
    params: z.object({ refresh: z.boolean().optional() }).strict(),
    result: DiagnosticsReport,
    access: 'public',
  }),
  'session.status': method({ params: NoParams, result: SessionStatus, access: 'public' }),
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name)
}
