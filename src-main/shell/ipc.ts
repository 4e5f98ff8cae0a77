import type { IpcMainInvokeEvent, WebContents } from 'electron'
import type { RpcResponse } from '../contract'
import type { Logger } from '../log'
import type { Dispatch } from '../rpc/dispatcher'
import { APP_ORIGIN, isAppUrl } from './app-protocol'

/** The single request channel (renderer → main) and the single event channel (main → renderer). */
export const RPC_CHANNEL = 'rpc'
export const EVENT_CHANNEL = 'event'

type SenderEvent = Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>

/**
 * Only the main frame of our own window, showing our own origin, may call main.
 * A subframe, another web contents, or a page that navigated elsewhere is refused.
 */
export function isTrustedSender(event: SenderEvent, trusted: WebContents | null): boolean {
  if (trusted === null || trusted.isDestroyed()) return false
  if (event.sender.id !== trusted.id) return false
  const frame = event.senderFrame
  if (frame === null) return false
  const main = trusted.mainFrame
  if (frame.processId !== main.processId || frame.routingId !== main.routingId) return false
  return isAppUrl(frame.url) && frame.url.startsWith(`${APP_ORIGIN}/`)
}

export interface RpcHandlerDeps {
  dispatch: Dispatch
  /** The web contents of the main window, or null while there is none. */
  trustedContents: () => WebContents | null
  log: Logger
}

export function createRpcHandler(deps: RpcHandlerDeps): (event: SenderEvent, request: unknown) => Promise<RpcResponse> {
  const { dispatch, trustedContents, log } = deps
  return async (event, request) => {
    if (!isTrustedSender(event, trustedContents())) {
      log.warn('shell.ipc.forbidden')
      return { ok: false, error: { code: 'FORBIDDEN', message: 'untrusted IPC sender' } }
    }
    return dispatch(request, { origin: 'ipc' })
  }
}

/** Sends a main → renderer event to the main window, if it still exists. Only the name and payload cross. */
export function createEventForwarder(
  trustedContents: () => WebContents | null,
): (event: string, payload: unknown) => void {
  return (event, payload) => {
    const contents = trustedContents()
    if (contents === null || contents.isDestroyed()) return
    contents.send(EVENT_CHANNEL, { event, payload })
  }
}
