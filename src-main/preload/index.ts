import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
// Types only: the preload is a tiny CommonJS bundle with no zod; main validates every call anyway.
import type { ChevetBridge, RpcResponse } from '../contract'

const RPC_CHANNEL = 'rpc'
const EVENT_CHANNEL = 'event'

function isEventMessage(message: unknown): message is { event: string; payload: unknown } {
  return typeof message === 'object' && message !== null && typeof (message as { event?: unknown }).event === 'string'
}

/** Exactly `window.chevet`: one call, one subscription. Neither ipcRenderer nor an IPC event reaches the page. */
const bridge: ChevetBridge = {
  rpc(method, params) {
    return ipcRenderer.invoke(RPC_CHANNEL, { method, params }) as Promise<RpcResponse>
  },
  on(event, listener) {
    if (typeof event !== 'string' || typeof listener !== 'function') {
      throw new TypeError('chevet.on(event: string, listener: function)')
    }
    const relay = (_ipcEvent: IpcRendererEvent, message: unknown) => {
      if (isEventMessage(message) && message.event === event) listener(message.payload)
    }
    ipcRenderer.on(EVENT_CHANNEL, relay)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, relay)
    }
  },
}

contextBridge.exposeInMainWorld('chevet', bridge)
