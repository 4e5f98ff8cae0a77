import {
  ErrorCode,
  events,
  type ChevetBridge,
  type EventName,
  type EventPayload,
  type MethodName,
  type ParamsOf,
  type ResultOf,
  type RpcResponse,
} from '../src-main/contract'

/** A failed call, with the stable code the page translates (`errors.<code>`); the message is for developers. */
export class RpcError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'RpcError'
    this.code = code
  }
}

function bridge(): ChevetBridge {
  if (!window.chevet) throw new RpcError('OFFLINE', 'window.chevet is missing')
  return window.chevet
}

/** Calls a method of the contract; resolves with its result or throws an RpcError. */
export async function call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  let response: RpcResponse
  try {
    response = await bridge().rpc(method, params)
  } catch (error) {
    if (error instanceof RpcError) throw error
    throw new RpcError('OFFLINE', 'the bridge failed')
  }
  if (response.ok) return response.value as ResultOf<M>
  const code = ErrorCode.safeParse(response.error?.code)
  throw new RpcError(code.success ? code.data : 'INTERNAL', String(response.error?.message ?? ''))
}

/** Subscribes to an event of the contract; payloads that do not match its schema are dropped. */
export function subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  const schema = events[event]
  return bridge().on(event, (payload) => {
    const parsed = schema.safeParse(payload)
    if (parsed.success) listener(parsed.data as EventPayload<E>)
  })
}

/** The i18n key that explains a failure to the user; anything unexpected is an internal error. */
export function errorKey(error: unknown): `errors.${ErrorCode}` {
  return `errors.${error instanceof RpcError ? error.code : 'INTERNAL'}`
}
