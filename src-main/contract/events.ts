import { z } from 'zod'
import { CardSummary, SessionStatus } from './session'

/** Events pushed from main to the renderer. */
export const events = {
  'session.changed': SessionStatus,
  'connectivity.changed': z.object({
    state: z.enum(['online', 'degraded']),
    /** ISO time of the newest data in the cache, shown in the degraded banner. */
    dataAsOf: z.string().nullable(),
  }),
  /** The cache changed (sync, a write, a conflict): views showing these patients refresh. */
  'data.changed': z.object({ patientIds: z.array(z.string()), census: z.boolean() }),
  'tasks.changed': z.object({ conflicts: z.number().int().min(0) }),
  /** A card was inserted or removed, or its PIN state changed (readers are polled every second). */
  'cards.changed': z.object({ cards: z.array(CardSummary) }),
  /** An e-CPS sign-in begun with auth.ecps.begin failed (success is a session.changed); the code is worded by i18n. */
  'auth.ecps.failed': z.object({ code: z.string().max(60) }),
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name)
}
