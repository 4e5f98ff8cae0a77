import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RENDERER_CSP, resolveStaticPath } from '../../src-main/http/static-files'

const root = path.resolve('/srv/renderer')

describe('static file resolution', () => {
  it('maps the root to index.html and assets under the root', () => {
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'))
    expect(resolveStaticPath(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets', 'index-abc.js'))
    expect(resolveStaticPath(root, '/fonts/Marianne%20Regular.woff2')).toBe(path.join(root, 'fonts', 'Marianne Regular.woff2'))
  })

  it.each([
    '/../etc/passwd',
    '/assets/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/assets%2f..%2f..%2fetc%2fpasswd',
    '/..%5cwindows',
    '/assets\\..\\secret',
    '/index.html%00.js',
    '/C:/Windows/win.ini',
    '/%E0%A4%A',
    '/./index.html',
    '//etc/passwd',
    '/assets/C:stream',
  ])('refuses %s', (pathname) => {
    expect(resolveStaticPath(root, pathname)).toBeNull()
  })

  it('serves a CSP that allows no inline script, no eval and no foreign origin', () => {
    expect(RENDERER_CSP).toContain("default-src 'none'")
    expect(RENDERER_CSP).toContain("script-src 'self'")
    expect(RENDERER_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
  })
})

describe('one policy for both hosts', () => {
  it('gives the app:// scheme the same CSP as the browser host', async () => {
    const { securityHeaders } = await import('../../src-main/shell/app-protocol')
    expect(securityHeaders('text/html')['Content-Security-Policy']).toBe(RENDERER_CSP)
  })
})
