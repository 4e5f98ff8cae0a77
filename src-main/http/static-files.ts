import path from 'node:path'

/** The Content-Security-Policy of every renderer page, served by the app:// scheme and by the browser host. */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers sent with every renderer file. */
export const RENDERER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
}

const MIME_TYPES: Readonly<Record<string, string>> = {
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

/** Whether `candidate` lies strictly inside `base` (both absolute). */
export function isInside(base: string, candidate: string): boolean {
  const relative = path.relative(base, candidate)
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

/**
 * Maps the raw (still encoded) path part of a URL to a file under `root`, or null when it must not be served.
 * The raw path is inspected before any normalisation: a request that *tries* to climb out is refused,
 * not silently rewritten into a legitimate one. Callers serving files should also check, after resolving
 * symbolic links, that the real path is still inside the real root.
 */
export function resolveStaticPath(root: string, rawPath: string): string | null {
  // Encoded separators and NUL have no business in a renderer asset path.
  if (/%(2f|5c|00)/i.test(rawPath) || rawPath.includes('\\')) return null
  let decoded: string
  try {
    decoded = decodeURIComponent(rawPath)
  } catch {
    return null
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null

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
