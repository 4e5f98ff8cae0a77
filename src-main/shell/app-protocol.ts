// fs.promises looked up at call time: it is the object Electron patches to read inside app.asar.
import fs from 'node:fs'
import path from 'node:path'
import { isInside, mimeTypeOf, resolveStaticPath } from '../http/static-files'

export { mimeTypeOf }

/** The renderer is served from `app://chevet/`: a privileged standard scheme, never `file://`. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'chevet'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_START_URL = `${APP_ORIGIN}/index.html`

/** Whether a URL belongs to the app's own origin (`app://chevet`). */
export function isAppUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  )
}

/** Privileges given to `app:` before `ready` (standard + secure so that the page gets an origin and a secure context). */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true } as const

/** Headers sent with every response of the scheme, errors included. */
export function securityHeaders(contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  }
  // One literal, assigned by key, on purpose: electronegativity's CSP check only reads and grades a policy written so.
  headers['Content-Security-Policy'] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
  return headers
}

/** Maps an `app://chevet/...` URL to a file under `root`, or null when the URL must not be served. */
export function resolveAppPath(root: string, url: string): string | null {
  const match = /^app:\/\/chevet(\/[^?#]*)?(?:[?#].*)?$/i.exec(url)
  if (!match) return null
  return resolveStaticPath(root, match[1] ?? '/')
}

type ResponseBody = ConstructorParameters<typeof Response>[0]

function answer(status: number, body: ResponseBody, contentType: string): Response {
  return new Response(body, { status, headers: securityHeaders(contentType) })
}

function notFound(): Response {
  return answer(404, 'Not found', 'text/plain; charset=utf-8')
}

/**
 * The handler given to `protocol.handle('app', …)`. It serves regular files of the built renderer only:
 * symlinks are resolved and must still land inside the root.
 */
export function createAppProtocolHandler(options: { root: string }): (request: Request) => Promise<Response> {
  // A missing build is a 404 on every request, not an unhandled rejection at start.
  const rootPromise = fs.promises.realpath(path.resolve(options.root)).catch(() => null)

  return async function handleAppRequest(request) {
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, null, 'text/plain; charset=utf-8')
    const root = await rootPromise
    if (root === null) return notFound()
    const file = resolveAppPath(root, request.url)
    if (file === null) return notFound()
    try {
      const real = await fs.promises.realpath(file)
      if (!isInside(root, real) || !(await fs.promises.stat(real)).isFile()) return notFound()
      const body = request.method === 'HEAD' ? null : await fs.promises.readFile(real)
      return answer(200, body, mimeTypeOf(real))
    } catch {
      return notFound()
    }
  }
}
