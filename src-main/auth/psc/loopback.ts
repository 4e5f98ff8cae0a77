import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { EcpsError } from './errors'

/**
 * The loopback redirect of a native app (RFC 8252 §7.3): an HTTP listener on 127.0.0.1, on a port the system
 * picks, that takes exactly one request to /callback (the browser coming back from Pro Santé Connect with the
 * code), answers it with a small page and closes. It also closes on timeout or cancel. Anything else it is asked
 * is a 404 and does not end the wait.
 */

export const CALLBACK_PATH = '/callback'
export const DEFAULT_TIMEOUT_MS = 5 * 60_000

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}'
// Nothing but this inline style may run or load: the page sits next to an authorization code in the address bar.
const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

function page(title: string, text: string): string {
  return [
    '<!doctype html>',
    '<html lang="fr"><head><meta charset="utf-8">',
    `<title>${title}</title><style>${STYLE}</style></head>`,
    `<body><h1>${title}</h1><p>${text}</p><p>Vous pouvez fermer cet onglet et revenir à Chevet.</p></body></html>`,
  ].join('')
}

const PAGES = {
  received: page('Connexion Pro Santé Connect', 'La réponse de Pro Santé Connect a été transmise à Chevet.'),
  refused: page('Connexion Pro Santé Connect', 'Cette réponse ne correspond à aucune connexion en cours et a été ignorée.'),
}

export type CallbackVerdict = keyof typeof PAGES

export interface LoopbackListenerOptions {
  /** 0 (the default): a free port, as RFC 8252 recommends. */
  port?: number
  timeoutMs?: number
  /** Says which page the browser gets (the URL is checked by the caller: state, error). */
  judge: (callback: URL) => CallbackVerdict
}

export interface LoopbackListener {
  /** `http://127.0.0.1:PORT/callback` */
  readonly redirectUri: string
  /** The URL the browser came back to, with its query; rejects with EcpsError TIMEOUT or CANCELLED. */
  readonly callback: Promise<URL>
  cancel(): void
}

function send(res: http.ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    'Content-Security-Policy': CSP,
    // The URL holds the code: never cached, never sent as a referrer.
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  })
  res.end(body)
}

export async function startLoopbackListener(options: LoopbackListenerOptions): Promise<LoopbackListener> {
  let settle: { resolve: (url: URL) => void; reject: (error: EcpsError) => void } | null = null
  const callback = new Promise<URL>((resolve, reject) => (settle = { resolve, reject }))
  // The caller may cancel before it awaits: that rejection is theirs to read, not an unhandled one.
  callback.catch(() => undefined)

  let origin = ''
  const server = http.createServer((req, res) => {
    const host = req.headers.host ?? ''
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    // A name that resolves to 127.0.0.1 (DNS rebinding) is not this listener's origin.
    if (`http://${host}` !== origin || req.method !== 'GET' || url.pathname !== CALLBACK_PATH || !settle) {
      send(res, 404, 'Not found', 'text/plain; charset=utf-8')
      return
    }
    const callbackUrl = new URL(req.url ?? '/', origin)
    const verdict = options.judge(callbackUrl)
    send(res, verdict === 'received' ? 200 : 400, PAGES[verdict], 'text/html; charset=utf-8')
    finish(() => settle?.resolve(callbackUrl))
  })

  function finish(action: () => void): void {
    if (!settle) return
    action()
    settle = null
    clearTimeout(timer)
    server.close()
    // Keep-alive sockets of the browser would hold the port open; the one answering now closes after its reply.
    server.closeIdleConnections()
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const timer = setTimeout(() => finish(() => settle?.reject(new EcpsError('TIMEOUT'))), options.timeoutMs ?? DEFAULT_TIMEOUT_MS)

  return {
    redirectUri: origin + CALLBACK_PATH,
    callback,
    cancel: () => finish(() => settle?.reject(new EcpsError('CANCELLED'))),
  }
}
