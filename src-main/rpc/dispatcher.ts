import {
  MAX_REQUEST_BYTES,
  type ErrorCode,
  RpcRequest,
  isMethodName,
  methods,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type Role,
  type RpcResponse,
  type SessionState,
} from '../contract'
import { authorize, redact } from '../access/methods'
import { RpcFailure } from './failure'
import { CentralError } from '../central/types'
import type { Logger } from '../log'

/** Who is calling: filled in by the shell (IPC sender) or the browser host (WebSocket connection). */
export interface CallContext {
  /** Identifier of the transport-level caller, for logs (never a user identity). */
  readonly origin: string
}

export type Handler<M extends MethodName> = (
  params: ParamsOf<M> extends infer P ? P : never,
  ctx: CallContext,
) => Promise<ResultOf<M>> | ResultOf<M>

export type Handlers = { [M in MethodName]: Handler<M> }

export interface DispatcherDeps {
  handlers: Handlers
  /** Current session state; `session` methods need `active`. */
  sessionState: () => SessionState
  /** The signed-in user's role, for the habilitation matrix (src-main/access); absent: no role check (tests). */
  sessionRole?: () => Role | null
  /**
   * The access journal (src-main/audit): told of every call whose params are valid, refused or answered, with the
   * value as served. It throws when the answer must not be served (a read it could not trace): INTERNAL then.
   */
  journal?: (record: JournalRecord) => void
  log: Logger
}

export interface JournalRecord {
  method: MethodName
  params: unknown
  /** The value as the caller receives it (masked), on success. */
  result?: unknown
  outcome: 'success' | ErrorCode
}

export type Dispatch = (raw: unknown, ctx: CallContext) => Promise<RpcResponse>

function fail(code: RpcFailure['code'], message: string): RpcResponse {
  return { ok: false, error: { code, message } }
}

function approximateSize(raw: unknown): number {
  if (typeof raw === 'string') return raw.length
  try {
    return JSON.stringify(raw)?.length ?? 0
  } catch {
    // Cycles or BigInt: not something a renderer can send as JSON.
    return Number.POSITIVE_INFINITY
  }
}

/**
 * The one place where every call is checked, in order: size → shape → method → params → session → habilitation
 * → handler → masking → result.
 * It never throws: a malformed call is an INVALID answer; an unexpected error an INTERNAL one.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatch {
  const { handlers, sessionState, sessionRole, journal, log } = deps

  return async function dispatch(raw, ctx) {
    if (approximateSize(raw) > MAX_REQUEST_BYTES) return fail('INVALID', 'request too large')

    let request: unknown = raw
    if (typeof raw === 'string') {
      try {
        request = JSON.parse(raw)
      } catch {
        return fail('INVALID', 'request is not JSON')
      }
    }
    const shape = RpcRequest.safeParse(request)
    if (!shape.success) return fail('INVALID', 'request must be { method, params }')
    const { method } = shape.data
    if (!isMethodName(method)) return fail('INVALID', `unknown method ${JSON.stringify(method.slice(0, 100))}`)

    const spec = methods[method]
    const params = spec.params.safeParse(shape.data.params ?? {})
    if (!params.success) {
      const where = params.error.issues[0]?.path.join('.') || '(root)'
      return fail('INVALID', `invalid params for ${method} at ${where}`)
    }

    /** Journals the call; false when the journal refuses to let the answer go out. */
    const note = (outcome: JournalRecord['outcome'], result?: unknown): boolean => {
      try {
        journal?.({ method, params: params.data, result, outcome })
        return true
      } catch {
        return false
      }
    }
    const refuse = (code: RpcFailure['code'], message: string): RpcResponse => {
      note(code)
      return fail(code, message)
    }

    if (spec.access === 'session') {
      const state = sessionState()
      if (state === 'signed-out') return refuse('UNAUTHENTICATED', 'no session')
      if (state === 'locked') return refuse('LOCKED', 'session locked')
    }

    // Habilitations (docs/habilitations.md): the role may call this method at all, and sees only the parts of
    // the answer its rights cover.
    const role = sessionRole ? sessionRole() : null
    if (sessionRole) {
      const decision = authorize(role, method)
      if (!decision.ok) return refuse('FORBIDDEN', decision.reason)
    }

    try {
      const handler = handlers[method] as (p: unknown, c: CallContext) => unknown
      const answer = await handler(params.data, ctx)
      const value = role ? redact(role, method, answer as never) : answer
      const checked = spec.result.safeParse(value)
      if (!checked.success) {
        log.error('rpc.result.invalid', { method, issue: checked.error.issues[0]?.path.join('.') ?? '' })
        return refuse('INTERNAL', 'the service returned an invalid result')
      }
      if (!note('success', checked.data)) return fail('INTERNAL', 'access journal unavailable')
      return { ok: true, value: checked.data }
    } catch (error) {
      if (error instanceof RpcFailure) return refuse(error.code, error.message)
      // The central's own failures already carry their RPC code; their messages name no patient data.
      if (error instanceof CentralError) return refuse(error.code, error.message)
      log.error('rpc.handler.error', { method, error: error instanceof Error ? error.name : typeof error })
      return refuse('INTERNAL', 'internal error')
    }
  }
}

export type { MethodName }
