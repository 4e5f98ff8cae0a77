import { z } from 'zod'
import { DiagnosticsReport, SystemInfo } from './system'
import { CardSummary, SessionStatus, SignInParams, Unit } from './session'
import {
  CensusEntry,
  Chart,
  ConflictTask,
  PatientSummary,
  RecordVitalsParams,
  ResourceId,
  SearchParams,
  SyncStatus,
  WriteReceipt,
} from './clinical'
import { CreateNoteParams, NotesList, NotesListParams } from './notes'
import { btgMethods } from './btg'
import { reviewMethods } from './review'
import { letterMethods } from './letters'
import { letterQueueMethods } from './letter-queue'
import { resultsMethods } from './results'
import { carePlanMethods } from './care-plan'
import { recordsMethods } from './records'
import { prescribingMethods } from './prescribing'

import { NoParams, method } from './method'

/** The whole RPC contract: one entry per method, params and result validated both ways by the dispatcher. */
export const methods = {
  'system.info': method({ params: NoParams, result: SystemInfo, access: 'public' }),
  'system.diagnostics': method({
    params: z.object({ refresh: z.boolean().optional() }).strict(),
    result: DiagnosticsReport,
    access: 'public',
  }),
  'session.status': method({ params: NoParams, result: SessionStatus, access: 'public' }),

  'auth.cards': method({ params: NoParams, result: z.object({ cards: z.array(CardSummary) }), access: 'public' }),
  'auth.signIn': method({ params: SignInParams, result: SessionStatus, access: 'public' }),
  'auth.signOut': method({ params: NoParams, result: SessionStatus, access: 'public' }),
  /**
   * e-CPS (Pro Santé Connect): starts a sign-in in the browser. `opened`: main opened the system browser (Electron);
   * otherwise the page opens `authorizationUrl`. The outcome comes as session.changed or auth.ecps.failed.
   */
  'auth.ecps.begin': method({
    params: NoParams,
    result: z.object({ authorizationUrl: z.string().url().max(4000), opened: z.boolean() }),
    access: 'public',
  }),
  'auth.ecps.cancel': method({ params: NoParams, result: z.object({ cancelled: z.boolean() }), access: 'public' }),
  /** Locks the active session now (the user steps away); a no-op when nothing is active. */
  'session.lock': method({ params: NoParams, result: SessionStatus, access: 'public' }),
  /** The user is at the keyboard (input events, throttled by the renderer): postpones the inactivity lock. */
  'session.activity': method({ params: NoParams, result: z.object({ noted: z.boolean() }), access: 'public' }),
  /** Training environment only: pulls a virtual card out of its reader, or puts it back (FORBIDDEN elsewhere). */
  'training.card': method({
    params: z.object({ slotId: z.string().min(1).max(200), inserted: z.boolean() }).strict(),
    result: z.object({ cards: z.array(CardSummary) }),
    access: 'public',
  }),

  'census.list': method({
    params: z.object({ unitId: ResourceId.optional() }).strict(),
    result: z.object({ units: z.array(Unit), entries: z.array(CensusEntry), dataAsOf: z.string().nullable() }),
    access: 'session',
  }),
  'patients.search': method({
    params: SearchParams,
    result: z.object({ results: z.array(PatientSummary) }),
    access: 'session',
  }),
  'chart.open': method({ params: z.object({ patientId: ResourceId }).strict(), result: Chart, access: 'session' }),
  'vitals.record': method({ params: RecordVitalsParams, result: WriteReceipt, access: 'session' }),
  'notes.list': method({ params: NotesListParams, result: NotesList, access: 'session' }),
  'notes.create': method({ params: CreateNoteParams, result: WriteReceipt, access: 'session' }),
  'tasks.list': method({ params: NoParams, result: z.object({ tasks: z.array(ConflictTask) }), access: 'session' }),
  'tasks.resolve': method({
    params: z.object({ taskId: z.string().min(1).max(100), choice: z.enum(['keepMine', 'takeTheirs']) }).strict(),
    result: z.object({ resolved: z.literal(true) }),
    access: 'session',
  }),
  'sync.status': method({ params: NoParams, result: SyncStatus, access: 'session' }),
  ...btgMethods,
  ...resultsMethods,
  ...carePlanMethods,
  ...recordsMethods,
  ...prescribingMethods,
  ...reviewMethods,
  ...letterMethods,
  ...letterQueueMethods,
} as const

export type Methods = typeof methods
export type MethodName = keyof Methods
export type ParamsOf<M extends MethodName> = z.input<Methods[M]['params']>
export type ResultOf<M extends MethodName> = z.output<Methods[M]['result']>

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name)
}
