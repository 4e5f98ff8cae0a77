import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, realpathSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX, MAX_REQUEST_BYTES } from '../contract'
import type { Services } from '../compose'
import { RENDERER_HEADERS, isInside, mimeTypeOf, resolveStaticPath } from '../http/static-files'

export interface BrowserHostOptions {
  services: Pick<Services, 'dispatch' | 'events' | 'log'>
  /** Built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port: number
  /** Extra page origins allowed to open the RPC socket (the Vite dev server in `npm run dev`). */
  extraOrigins?: string[]
}

export interface BrowserHost {
  readonly port: number
  readonly origin: string
  /** The address to open, carrying the per-launch token in the fragment (never sent over HTTP). */
  readonly url: string
  readonly token: string
  close(): Promise<void>
}

const HOST = '127.0.0.1'
const MAX_CONNECTIONS = 16

function sameSecret(given: string, expected: Buffer): boolean {
  const candidate = Buffer.from(given, 'utf8')
  return candidate.length === expected.length && timingSafeEqual(candidate, expected)
}

function refuseUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404 | 503, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/**
 * The workstation without Electron: the built renderer over HTTP and the RPC over a WebSocket, on the loopback
 * interface only. A connection must present the launch token and come from the page's own origin, so another
 * local program or a web page the user visits cannot drive the services.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const { services, rendererDir } = options
  const token = randomBytes(32).toString('hex')
  const tokenBytes = Buffer.from(token, 'utf8')
  const sockets = new Set<WebSocket>()
  let allowedHosts = new Set<string>()
  let allowedOrigins = new Set<string>()

  let realRoot: string | null = null
  try {
    realRoot = realpathSync(rendererDir)
  } catch {
    realRoot = null
  }

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_REQUEST_BYTES + 1024,
    // Answer with the protocol name only: the token is never echoed back.
    handleProtocols: () => HOST_RPC_PROTOCOL,
  })

  function serveFile(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    const { pathname } = new URL(req.url ?? '/', 'http://placeholder')
    const resolved = resolveStaticPath(rendererDir, pathname)
    let file: string | null = null
    let size = -1
    if (resolved && realRoot) {
      try {
        // Symbolic links are followed, and must still land inside the renderer.
        const real = realpathSync(resolved)
        const stat = statSync(real)
        if (isInside(realRoot, real) && stat.isFile()) {
          file = real
          size = stat.size
        }
      } catch {
        size = -1
      }
    }
    if (!file || size < 0) {
      res.writeHead(404, { ...RENDERER_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found')
      return
    }
    res.writeHead(200, { ...RENDERER_HEADERS, 'Content-Type': mimeTypeOf(file), 'Content-Length': String(size) })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(file).pipe(res)
  }

  const server: Server = createServer((req, res) => {
    // DNS rebinding: a foreign name resolving to 127.0.0.1 must not reach the workstation.
    if (!allowedHosts.has(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Misdirected request')
      return
    }
    serveFile(req, res)
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    if (url.pathname !== '/rpc') return refuseUpgrade(socket, 404, 'Not Found')
    if (!allowedHosts.has(req.headers.host ?? '')) return refuseUpgrade(socket, 403, 'Forbidden')
    if (!allowedOrigins.has(req.headers.origin ?? '')) {
      services.log.warn('host.ws.refused', { reason: 'origin' })
      return refuseUpgrade(socket, 403, 'Forbidden')
    }
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
    const presented = offered.find((p) => p.startsWith(HOST_TOKEN_PROTOCOL_PREFIX))?.slice(HOST_TOKEN_PROTOCOL_PREFIX.length)
    if (!offered.includes(HOST_RPC_PROTOCOL) || !sameSecret(presented ?? '', tokenBytes)) {
      services.log.warn('host.ws.refused', { reason: 'token' })
      return refuseUpgrade(socket, 401, 'Unauthorized')
    }
    if (sockets.size >= MAX_CONNECTIONS) return refuseUpgrade(socket, 503, 'Service Unavailable')
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws))
  })

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws)
    ws.on('close', () => sockets.delete(ws))
    ws.on('error', () => ws.terminate())
    ws.on('message', (data, isBinary) => {
      void answer(ws, isBinary ? null : data.toString())
    })
  })

  async function answer(ws: WebSocket, text: string | null): Promise<void> {
    let frame: unknown
    try {
      frame = text === null ? null : JSON.parse(text)
    } catch {
      frame = null
    }
    const id =
      frame && typeof frame === 'object' && 'id' in frame && Number.isSafeInteger((frame as { id: unknown }).id)
        ? (frame as { id: number }).id
        : null
    if (id === null) {
      ws.send(JSON.stringify({ id: null, response: { ok: false, error: { code: 'INVALID', message: 'frame must be { id, method, params }' } } }))
      return
    }
    const { id: _id, ...request } = frame as Record<string, unknown>
    const response = await services.dispatch(request, { origin: 'browser-host' })
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, response }))
  }

  const unsubscribe = services.events.onAny((event, payload) => {
    const message = JSON.stringify({ event, payload })
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const origin = `http://${HOST}:${port}`
  allowedHosts = new Set([`${HOST}:${port}`, `localhost:${port}`])
  allowedOrigins = new Set([origin, `http://localhost:${port}`, ...(options.extraOrigins ?? [])])
  for (const extra of options.extraOrigins ?? []) allowedHosts.add(new URL(extra).host)

  return {
    port,
    origin,
    url: `${origin}/#token=${token}`,
    token,
    async close() {
      unsubscribe()
      for (const ws of sockets) ws.terminate()
      wss.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
