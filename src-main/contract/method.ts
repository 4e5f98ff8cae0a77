import { z } from 'zod'

/**
 * Who may call a method:
 * - `public`: anyone, even signed out (system information, sign-in);
 * - `session`: an active (unlocked) session; the dispatcher answers UNAUTHENTICATED or LOCKED otherwise.
 */
export type Access = 'public' | 'session'

export interface MethodSpec<P extends z.ZodType, R extends z.ZodType> {
  params: P
  result: R
  access: Access
}

/**
 * One RPC method. A feature declares its methods in its own contract file (`export const xMethods = { … }`) and
 * methods.ts spreads them into the one contract, so each feature owns its file.
 */
export function method<P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  return spec
}

export const NoParams = z.object({}).strict()
