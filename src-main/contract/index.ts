import { z } from 'zod'
import { RpcErrorBody } from './errors'

export * from './errors'
export * from './system'
export * from './session'
export * from './clinical'
export * from './news2'
export * from './notes'
export * from './btg'
export * from './review'
export * from './results'
export * from './care-plan'
export * from './records'
export * from './prescribing'
export * from './letters'
export * from './letter-queue'
export * from './method'
export * from './methods'
export * from './events'

/** One call on the single RPC channel. */
export const RpcRequest = z
  .object({
    method: z.string().min(1).max(100),
    params: z.unknown().optional(),
  })
  .strict()
export type RpcRequest = z.infer<typeof RpcRequest>

export type RpcResponse<T = unknown> = { ok: true; value: T } | { ok: false; error: RpcErrorBody }

/** The only object the preload (or the browser-host adapter) puts on `window`. */
export interface ChevetBridge {
  rpc(method: string, params?: unknown): Promise<RpcResponse>
  /** Subscribes to a main → renderer event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void
}

/**
 * Browser host WebSocket subprotocols: the page offers both; the token travels in the handshake header, never in
 * the URL (which browsers print in their console and logs).
 */
export const HOST_RPC_PROTOCOL = 'chevet.rpc.v1'
export const HOST_TOKEN_PROTOCOL_PREFIX = 'chevet.token.'

/** Largest serialised RPC request accepted (bytes of JSON). Larger is INVALID before parsing. */
export const MAX_REQUEST_BYTES = 1024 * 1024
