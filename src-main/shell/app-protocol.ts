import { readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

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

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
}

export function mimeTypeOf(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

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

/**
 * Maps an `app://chevet/...` URL to a file under `root`, or null when the URL must not be served.
 * The raw path is inspected before any normalisation: a request that *tries* to climb out is refused,
 * not silently rewritten into a legitimate one.
 */
export function resolveAppPath(root: string, url: string): string | null {
  const match = /^app:\/\/chevet(\/[^?#]*)?(?:[?#].*)?$/i.exec(url)
  if (!match) return null
  const rawPath = match[1] ?? '/'

  // Encoded separators and NUL have no business in a renderer asset path.
  if (/%(2f|5c|00)/i.test(rawPath) || rawPath.includes('\\')) return null
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null

  const segments = decoded.split('/').slice(1)
  if (segments.at(-1) === '') segments.pop()
  for (const segment of segments) {
    // Empty segments (`//etc`), dot segments and drive letters or streams (`C:`, `file:stream`) are refused.
    if (segment === '' || segment === '.' || segment === '..' || segment.includes(':')) return null
  }
  const relative = segments.length === 0 ? 'index.html' : segments.join('/')
  if (path.isAbsolute(relative)) return null

  const base = path.resolve(root)
  const full = path.resolve(base, relative)
  return isInside(base, full) ? full : null
}

function isInside(base: string, candidate: string): boolean {
  const relative = path.relative(base, candidate)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
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
  const rootPromise = realpath(path.resolve(options.root))

  return async function handleAppRequest(request) {
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, null, 'text/plain; charset=utf-8')
    const root = await rootPromise.catch(() => null)
    if (root === null) return notFound()
    const file = resolveAppPath(root, request.url)
    if (file === null) return notFound()
    try {
      const real = await realpath(file)
      if (!isInside(root, real) || !(await stat(real)).isFile()) return notFound()
      const body = request.method === 'HEAD' ? null : await readFile(real)
      return answer(200, body, mimeTypeOf(real))
    } catch {
      return notFound()
    }
  }
}
