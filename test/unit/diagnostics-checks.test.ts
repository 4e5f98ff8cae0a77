import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  checkCentral,
  checkChromium,
  checkElectron,
  checkPkcs11,
  chromiumCandidates,
} from '../../src-main/system/checks'

let dir: string

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-checks-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content = ''): string {
  const full = path.join(dir, name)
  mkdirSync(path.dirname(full), { recursive: true })
  writeFileSync(full, content)
  return full
}

describe('electron check', () => {
  it('is present inside the Electron runtime', () => {
    const result = checkElectron({ versions: { ...process.versions, electron: '41.7.1' } })
    expect(result).toMatchObject({ id: 'electron', status: 'ok', code: 'electron.present', detail: 'Electron 41.7.1' })
  })

  it('is present when the package has its path.txt and the binary it names', () => {
    const pkg = path.join(dir, 'electron-ok')
    file('electron-ok/package.json', JSON.stringify({ name: 'electron', version: '41.7.1' }))
    file('electron-ok/path.txt', 'electron')
    const binary = file('electron-ok/dist/electron')
    const result = checkElectron({ versions: process.versions, electronDir: () => pkg, env: {} })
    expect(result).toMatchObject({ status: 'ok', code: 'electron.present', required: false })
    expect(result.detail).toBe(`Electron 41.7.1 (${binary})`)
  })

  it('is missing, as a non-required warning naming the install command, when path.txt is absent', () => {
    const pkg = path.join(dir, 'electron-nopath')
    file('electron-nopath/package.json', JSON.stringify({ name: 'electron', version: '41.7.1' }))
    const result = checkElectron({ versions: process.versions, electronDir: () => pkg, env: {} })
    expect(result).toMatchObject({ status: 'warn', required: false, code: 'electron.missing' })
    expect(result.detail).toContain(path.join(pkg, 'path.txt'))
    expect(result.detail).toContain(`node ${path.join(pkg, 'install.js')}`)
  })

  it('is missing when path.txt names a binary that is not there', () => {
    const pkg = path.join(dir, 'electron-nobin')
    file('electron-nobin/package.json', JSON.stringify({ name: 'electron', version: '41.7.1' }))
    file('electron-nobin/path.txt', 'electron')
    const result = checkElectron({ versions: process.versions, electronDir: () => pkg, env: {} })
    expect(result).toMatchObject({ status: 'warn', code: 'electron.missing' })
    expect(result.detail).toContain(path.join(pkg, 'dist', 'electron'))
  })

  it('follows ELECTRON_OVERRIDE_DIST_PATH as electron itself does', () => {
    const pkg = path.join(dir, 'electron-override')
    file('electron-override/package.json', JSON.stringify({ name: 'electron', version: '41.7.1' }))
    file('electron-override/path.txt', 'electron')
    const binary = file('elsewhere/electron')
    const env = { ELECTRON_OVERRIDE_DIST_PATH: path.dirname(binary) }
    const result = checkElectron({ versions: process.versions, electronDir: () => pkg, env })
    expect(result).toMatchObject({ status: 'ok', code: 'electron.present' })
    expect(result.detail).toContain(binary)
  })

  it('is missing when the electron package is not installed at all', () => {
    const result = checkElectron({ versions: process.versions, electronDir: () => null })
    expect(result).toMatchObject({ status: 'warn', code: 'electron.missing' })
  })
})

describe('pkcs11 check', () => {
  it('finds a configured module that exists, giving its path', () => {
    const module = file('cps/libcps3_pkcs11_lux.so', 'not really a library')
    const result = checkPkcs11(['/nonexistent/libcps3_pkcs11_lux.so', module])
    expect(result).toEqual({ id: 'pkcs11', status: 'ok', required: false, code: 'pkcs11.found', detail: module })
  })

  it('warns, not required, listing the paths it searched, when none exists', () => {
    const paths = ['/nonexistent/a.so', path.join(dir, 'missing.so')]
    const result = checkPkcs11(paths)
    expect(result).toMatchObject({ status: 'warn', required: false, code: 'pkcs11.missing' })
    for (const searched of paths) expect(result.detail).toContain(searched)
  })

  it('does not take a directory for a module', () => {
    const folder = path.join(dir, 'a-dir.so')
    mkdirSync(folder, { recursive: true })
    expect(checkPkcs11([folder]).code).toBe('pkcs11.missing')
  })

  it('says no path is configured when the list is empty', () => {
    expect(checkPkcs11([])).toMatchObject({
      status: 'warn',
      code: 'pkcs11.missing',
      detail: 'cherché : aucun chemin configuré',
    })
  })
})

describe('chromium check', () => {
  it('finds a configured Chromium', () => {
    const chromium = file('bin/chromium')
    expect(checkChromium(chromium, [])).toEqual({
      id: 'chromium',
      status: 'ok',
      required: false,
      code: 'chromium.found',
      detail: chromium,
    })
  })

  it('checks only the configured path, since that is the one that will be launched', () => {
    const other = file('bin/google-chrome')
    const result = checkChromium(path.join(dir, 'bin/not-there'), [other])
    expect(result).toMatchObject({ status: 'warn', required: false, code: 'chromium.missing' })
    expect(result.detail).toContain(path.join(dir, 'bin/not-there'))
    expect(result.detail).not.toContain(other)
  })

  it('takes the first usual location that exists', () => {
    const second = file('usual/chromium-browser')
    const result = checkChromium(null, [path.join(dir, 'usual/chromium'), second])
    expect(result).toMatchObject({ status: 'ok', detail: second })
  })

  it('knows the usual locations of each OS', () => {
    expect(chromiumCandidates('linux')).toContain('/usr/bin/chromium')
    expect(chromiumCandidates('linux')).toContain('/usr/bin/google-chrome')
    expect(chromiumCandidates('darwin')).toContain('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome')
    expect(chromiumCandidates('win32', { ProgramFiles: 'C:\\Program Files' })).toContain(
      'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    )
  })
})

describe('central check', () => {
  let server: Server
  let base: string
  const seen: { url: string; accept: string | undefined; authorization: string | undefined }[] = []

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', accept: req.headers.accept, authorization: req.headers.authorization })
      if (req.url === '/fhir/metadata') {
        res.writeHead(200, { 'content-type': 'application/fhir+json' })
        res.end(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', fhirVersion: '4.0.1' }))
      } else if (req.url === '/down/metadata') {
        res.writeHead(503).end()
      } else if (req.url === '/patient/metadata') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resourceType: 'Patient' }))
      } else if (req.url === '/html/metadata') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy login</html>')
      } else if (req.url === '/slow/metadata') {
        // never answers: the check must give up on its own
      } else {
        res.writeHead(404).end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  afterEach(() => {
    seen.length = 0
  })

  it('is the training environment when no central is configured', async () => {
    expect(await checkCentral(null)).toEqual({
      id: 'central',
      status: 'ok',
      required: true,
      code: 'central.training',
      detail: '',
    })
    expect(await checkCentral(null, { trainingDir: '/srv/formation' })).toMatchObject({ detail: '/srv/formation' })
  })

  it('is reachable when /metadata answers a CapabilityStatement, giving the URL and FHIR version', async () => {
    const result = await checkCentral(`${base}/fhir/`)
    expect(result).toEqual({
      id: 'central',
      status: 'ok',
      required: true,
      code: 'central.reachable',
      detail: `${base}/fhir/metadata — FHIR 4.0.1`,
    })
    expect(seen).toEqual([{ url: '/fhir/metadata', accept: 'application/fhir+json', authorization: undefined }])
  })

  it('is unreachable, a required failure, when nothing listens on the port', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const result = await checkCentral(`http://127.0.0.1:${port}/fhir`)
    expect(result).toMatchObject({ status: 'fail', required: true, code: 'central.unreachable' })
    expect(result.detail).toBe(`http://127.0.0.1:${port}/fhir/metadata : ECONNREFUSED`)
  })

  it.each([
    ['an HTTP error', '/down', 'HTTP 503'],
    ['a resource that is not a CapabilityStatement', '/patient', 'pas de CapabilityStatement FHIR'],
    ['a page that is not JSON', '/html', 'réponse non JSON'],
  ])('is unreachable on %s', async (_what, prefix, reason) => {
    const result = await checkCentral(`${base}${prefix}`)
    expect(result).toMatchObject({ status: 'fail', code: 'central.unreachable' })
    expect(result.detail).toBe(`${base}${prefix}/metadata : ${reason}`)
  })

  it('gives up after its timeout', async () => {
    const started = Date.now()
    const result = await checkCentral(`${base}/slow`, { timeoutMs: 300 })
    expect(Date.now() - started).toBeLessThan(2500)
    expect(result).toMatchObject({ status: 'fail', code: 'central.unreachable' })
    expect(result.detail).toBe(`${base}/slow/metadata : pas de réponse en 0.3 s`)
  })

  it('never shows or sends credentials written in the URL', async () => {
    const withSecret = base.replace('http://', 'http://admin:s3cr3t-pw@') + '/fhir?token=abc123'
    const result = await checkCentral(withSecret)
    expect(result.code).toBe('central.reachable')
    expect(result.detail).not.toMatch(/s3cr3t-pw|admin|abc123/)
    expect(seen[0]?.authorization).toBeUndefined()
  })
})
