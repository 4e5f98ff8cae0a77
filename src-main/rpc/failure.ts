import type { ErrorCode } from '../contract'

/** A failure a service throws on purpose; the dispatcher turns it into `{ ok: false, error }` with its code. */
export class RpcFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'RpcFailure'
  }
}
