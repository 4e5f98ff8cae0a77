import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAppProtocolHandler, isAppUrl, resolveAppPath } from '../../src-main/shell/app-protocol'

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-app-protocol-'))
const root = path.join(dir, 'renderer')
let handle: (request: Request) => Promise<Response>

beforeAll(() => {
  mkdirSync(path.join(root, 'assets'), { recursive: true })
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Chevet</title>')
  writeFileSync(path.join(root, 'assets', 'app-1234.js'), 'console.log("chevet")')
  writeFileSync(path.join(root, 'assets', 'app-1234.css'), 'body{}')
  writeFileSync(path.join(root, 'assets', 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]))
  // Neighbours of the renderer that a traversal would love to reach.
  writeFileSync(path.join(dir, 'secret.txt'), 'secret')
  writeFileSync(path.join(dir, 'renderer-evil.txt'), 'sibling with a common prefix')
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'))
  handle = createAppProtocolHandler({ root })
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function get(url: string): Promise<Response> {
  // Request() would normalise a URL the way Chromium may not; the handler must not rely on either.
  return handle({ url, method: 'GET' } as Request)
}

describe('app:// protocol handler', () => {
  it('serves the start page and assets with their MIME type and the strict CSP', async () => {
    const page = await get('app://chevet/index.html')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toBe(CSP)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await page.text()).toContain('<title>Chevet</title>')

    const script = await get('app://chevet/assets/app-1234.js?v=1#x')
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect((await get('app://chevet/assets/app-1234.css')).headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect((await get('app://chevet/assets/font.woff2')).headers.get('content-type')).toBe('font/woff2')
  })

  it('serves index.html for the bare origin', async () => {
    for (const url of ['app://chevet/', 'app://chevet', 'app://chevet/#/sign-in']) {
      const response = await get(url)
      expect(response.status, url).toBe(200)
      expect(await response.text()).toContain('Chevet')
    }
  })

  it.each([
    ['app://chevet/../secret.txt'],
    ['app://chevet/assets/../../secret.txt'],
    ['app://chevet/%2e%2e/secret.txt'],
    ['app://chevet/%2E%2E/secret.txt'],
    ['app://chevet/assets/%2e%2e%2f%2e%2e%2fsecret.txt'],
    ['app://chevet/..%2fsecret.txt'],
    ['app://chevet/..%5csecret.txt'],
    ['app://chevet/..\\secret.txt'],
    ['app://chevet/assets\\..\\..\\secret.txt'],
    ['app://chevet//etc/passwd'],
    [`app://chevet/${encodeURIComponent(path.join(dir, 'secret.txt'))}`],
    ['app://chevet/C:/Windows/win.ini'],
    ['app://chevet/index.html%00.png'],
    ['app://chevet/./index.html'],
    ['app://chevet/%E0%A4%A'],
    ['app://chevet/../renderer-evil.txt'],
    ['app://chevet/assets/link.txt'],
    ['app://chevet/assets/missing.js'],
    ['app://chevet/assets'],
    ['app://evil/index.html'],
    ['app://chevet.evil/index.html'],
    ['file:///etc/passwd'],
    ['https://chevet/index.html'],
  ])('answers 404 with the CSP for %s', async (url) => {
    const response = await get(url)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-security-policy')).toBe(CSP)
    expect(await response.text()).not.toContain('secret')
  })

  it('refuses methods other than GET and HEAD', async () => {
    const response = await handle({ url: 'app://chevet/index.html', method: 'POST' } as Request)
    expect(response.status).toBe(405)
    expect(response.headers.get('content-security-policy')).toBe(CSP)
  })

  it('resolves only inside the root', () => {
    expect(resolveAppPath(root, 'app://chevet/assets/app-1234.js')).toBe(path.join(root, 'assets', 'app-1234.js'))
    expect(resolveAppPath(root, 'app://chevet/assets/../index.html')).toBeNull()
    expect(resolveAppPath(root, 'app://chevet/caf%C3%A9.png')).toBe(path.join(root, 'café.png'))
  })
})

describe('isAppUrl', () => {
  it('accepts the app origin only', () => {
    expect(isAppUrl('app://chevet/index.html#/patients')).toBe(true)
    expect(isAppUrl('app://chevet.evil.com/')).toBe(false)
    expect(isAppUrl('app://evil@chevet/')).toBe(false)
    expect(isAppUrl('app://chevet@evil/')).toBe(false)
    expect(isAppUrl('https://chevet/')).toBe(false)
    expect(isAppUrl('file:///index.html')).toBe(false)
    expect(isAppUrl('not a url')).toBe(false)
  })
})
