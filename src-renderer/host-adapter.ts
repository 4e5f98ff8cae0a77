import { HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX, type ChevetBridge, type RpcResponse } from '../src-main/contract'

/**
 * Gives the page `window.chevet` when it runs in plain Chromium against the browser host (no preload there).
 * The host prints `http://127.0.0.1:PORT/#token=…`: the fragment never travels over HTTP, and the token it
 * carries must accompany the RPC WebSocket, whose handshake the host refuses otherwise.
 */

export type LinkState =
  /** First connection under way; calls wait for it. */
  | 'connecting'
  | 'open'
  /** The socket dropped and the host does not answer: retrying with backoff; calls fail OFFLINE meanwhile. */
  | 'reconnecting'
  /** The page was opened without the address's token. */
  | 'no-token'
  /** The host answers HTTP but refuses the socket: wrong or stale token (the host draws a new one per launch). */
  | 'refused'

export interface HostLink {
  readonly state: LinkState
  subscribe(listener: (state: LinkState) => void): () => void
}

const TOKEN_KEY = 'chevet.hostToken'
const TOKEN_FORMAT = /^[0-9a-f]{64}$/
const CALL_TIMEOUT_MS = 60_000
const RETRY_FIRST_MS = 500
const RETRY_MAX_MS = 10_000

interface Pending {
  resolve: (response: RpcResponse) => void
  timer: ReturnType<typeof setTimeout>
}

function offline(message: string): RpcResponse {
  return { ok: false, error: { code: 'OFFLINE', message } }
}

/**
 * Takes the token from the address once and removes it from the address bar and history. sessionStorage keeps it
 * for a reload of this tab only; a new address with a token replaces it.
 */
function takeToken(): string | null {
  const match = /^#token=([^&]*)$/.exec(location.hash)
  if (match) {
    history.replaceState(history.state, '', location.pathname + location.search)
    const token = match[1] ?? ''
    try {
      if (TOKEN_FORMAT.test(token)) sessionStorage.setItem(TOKEN_KEY, token)
      else sessionStorage.removeItem(TOKEN_KEY)
    } catch {
      // Storage disabled: the token lives in memory only and a reload asks for the address again.
    }
    return token
  }
  try {
    const saved = sessionStorage.getItem(TOKEN_KEY)
    return saved !== null && TOKEN_FORMAT.test(saved) ? saved : null
  } catch {
    return null
  }
}

/** Whether the host itself answers HTTP: then a socket that never opened was refused, not unreachable. */
async function hostAnswers(): Promise<boolean> {
  try {
    await fetch(location.pathname || '/', { method: 'HEAD', cache: 'no-store' })
    return true
  } catch {
    return false
  }
}

class HostConnection implements HostLink {
  state: LinkState = 'connecting'
  readonly #token: string
  readonly #url: string
  #socket: WebSocket | null = null
  #nextId = 1
  #attempts = 0
  readonly #pending = new Map<number, Pending>()
  /** Frames written while the first connection is being made. */
  #queue: string[] = []
  readonly #eventListeners = new Map<string, Set<(payload: unknown) => void>>()
  readonly #stateListeners = new Set<(state: LinkState) => void>()

  constructor(token: string) {
    this.#token = token
    this.#url = `${location.origin.replace(/^http/, 'ws')}/rpc`
  }

  subscribe(listener: (state: LinkState) => void): () => void {
    this.#stateListeners.add(listener)
    return () => this.#stateListeners.delete(listener)
  }

  #setState(state: LinkState): void {
    if (this.state === state) return
    this.state = state
    for (const listener of [...this.#stateListeners]) listener(state)
  }

  connect(): void {
    let opened = false
    const socket = new WebSocket(this.#url, [HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX + this.#token])
    this.#socket = socket
    socket.onopen = () => {
      opened = true
      this.#attempts = 0
      this.#setState('open')
      const queued = this.#queue
      this.#queue = []
      for (const frame of queued) socket.send(frame)
    }
    socket.onmessage = (message) => {
      if (typeof message.data === 'string') this.#receive(message.data)
    }
    socket.onclose = () => {
      if (this.#socket === socket) this.#socket = null
      this.#failPending('connection lost')
      void this.#afterClose(opened)
    }
  }

  async #afterClose(opened: boolean): Promise<void> {
    if (!opened && (await hostAnswers())) {
      this.#setState('refused')
      return
    }
    this.#setState('reconnecting')
    const delay = Math.min(RETRY_FIRST_MS * 2 ** this.#attempts, RETRY_MAX_MS)
    this.#attempts += 1
    setTimeout(() => this.connect(), delay)
  }

  #failPending(message: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer)
      this.#pending.delete(id)
      pending.resolve(offline(message))
    }
    this.#queue = []
  }

  #receive(text: string): void {
    let frame: unknown
    try {
      frame = JSON.parse(text)
    } catch {
      return
    }
    if (typeof frame !== 'object' || frame === null) return
    const { id, response, event, payload } = frame as Record<string, unknown>
    if (typeof id === 'number') {
      const pending = this.#pending.get(id)
      if (!pending || typeof response !== 'object' || response === null) return
      this.#pending.delete(id)
      clearTimeout(pending.timer)
      pending.resolve(response as RpcResponse)
    } else if (typeof event === 'string') {
      for (const listener of [...(this.#eventListeners.get(event) ?? [])]) {
        try {
          listener(payload)
        } catch (error) {
          // One faulty listener must not starve the others; the error still surfaces.
          reportError(error)
        }
      }
    }
  }

  rpc(method: string, params?: unknown): Promise<RpcResponse> {
    const open = this.state === 'open' && this.#socket?.readyState === WebSocket.OPEN
    if (!open && this.state !== 'connecting') return Promise.resolve(offline(`not connected (${this.state})`))
    const id = this.#nextId++
    const frame = JSON.stringify({ id, method, params })
    return new Promise<RpcResponse>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        resolve(offline('no answer'))
      }, CALL_TIMEOUT_MS)
      this.#pending.set(id, { resolve, timer })
      if (open) this.#socket?.send(frame)
      else this.#queue.push(frame)
    })
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    let listeners = this.#eventListeners.get(event)
    if (!listeners) {
      listeners = new Set()
      this.#eventListeners.set(event, listeners)
    }
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
}

/** A link with no token: nothing to connect to until the user opens the full address. */
const noTokenLink: HostLink = { state: 'no-token', subscribe: () => () => undefined }

function expose(bridge: ChevetBridge): void {
  // Same shape as the preload's contextBridge object: frozen and not replaceable by page code.
  Object.defineProperty(window, 'chevet', { value: Object.freeze(bridge), writable: false, configurable: false })
}

/**
 * Installs `window.chevet` over the host's WebSocket unless a preload already did (Electron).
 * Returns the link whose state the page shows, or null under Electron. Call before the router reads the hash.
 */
export function installHostAdapter(): HostLink | null {
  if (window.chevet) return null
  const token = takeToken()
  if (token === null) {
    expose({
      rpc: () => Promise.resolve(offline('no token')),
      on: () => () => undefined,
    })
    return noTokenLink
  }
  const connection = new HostConnection(token)
  expose({ rpc: (method, params) => connection.rpc(method, params), on: (event, listener) => connection.on(event, listener) })
  if (TOKEN_FORMAT.test(token)) connection.connect()
  else connection.state = 'refused'
  return connection
}
