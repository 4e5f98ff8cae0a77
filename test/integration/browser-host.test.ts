import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startBrowserHost, type BrowserHost } from '../../src-main/browser-host/server'
import { createDispatcher } from '../../src-main/rpc/dispatcher'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { unusedHandlers } from '../fixtures/handlers'
import { HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX } from '../../src-main/contract'

// The real host over real sockets; the services behind it are the real dispatcher with small handlers.
let host: BrowserHost
let dir: string
const events = new EventBus()

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-host-'))
  mkdirSync(path.join(dir, 'assets'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Chevet</title>')
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'export {}')
  writeFileSync(path.join(os.tmpdir(), 'chevet-host-secret.txt'), 'secret')
  const log = createMemoryLogger()
  const dispatch = createDispatcher({
    log,
    sessionState: () => 'signed-out',
    handlers: {
      ...unusedHandlers(),
      'system.info': () => ({
        product: 'Chevet',
        version: 'test',
        shell: 'browser-host',
        environment: 'training',
        establishment: null,
        centralUrl: null, ecpsAvailable: false
      }),
      'system.diagnostics': () => ({ generatedAt: new Date().toISOString(), checks: [] }),
      'session.status': () => ({ state: 'signed-out', user: null }),
    },
  })
  host = await startBrowserHost({ services: { dispatch, events, log }, rendererDir: dir, port: 0 })
})

afterAll(async () => {
  await host.close()
  rmSync(dir, { recursive: true, force: true })
  rmSync(path.join(os.tmpdir(), 'chevet-host-secret.txt'), { force: true })
})

function connect(options: { token?: string; origin?: string; host?: string } = {}): Promise<WebSocket> {
  const token = options.token ?? host.token
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, [HOST_RPC_PROTOCOL, `${HOST_TOKEN_PROTOCOL_PREFIX}${token}`], {
    origin: options.origin ?? host.origin,
    headers: options.host ? { Host: options.host } : {},
  })
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

function call(ws: WebSocket, frame: unknown): Promise<{ id: number | null; response: { ok: boolean; value?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString())
      if ('response' in message) {
        ws.off('message', onMessage)
        resolve(message)
      }
    }
    ws.on('message', onMessage)
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  })
}

describe('browser host', () => {
  it('listens on 127.0.0.1 only and prints a URL carrying a 256-bit token in the fragment', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/)
  })

  it('serves the renderer with the strict CSP, and nothing outside it', async () => {
    const page = await fetch(`${host.origin}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(page.headers.get('content-type')).toContain('text/html')
    expect((await fetch(`${host.origin}/assets/app.js`)).headers.get('content-type')).toContain('javascript')
    expect((await fetch(`${host.origin}/../chevet-host-secret.txt`)).status).toBe(404)
    expect((await fetch(`${host.origin}/%2e%2e/chevet-host-secret.txt`)).status).toBe(404)
    expect((await fetch(`${host.origin}/missing.js`)).status).toBe(404)
    expect((await fetch(`${host.origin}/`, { method: 'POST' })).status).toBe(405)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const answer = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get({ host: '127.0.0.1', port: host.port, path: '/', headers: { Host: 'evil.example:80' } }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        }).on('error', reject),
      )
    })
    expect(answer).toBe(421)
  })

  it('answers RPC calls over the socket with the launch token, without echoing the token', async () => {
    const ws = await connect()
    expect(ws.protocol).toBe(HOST_RPC_PROTOCOL)
    const answer = await call(ws, { id: 1, method: 'system.info', params: {} })
    expect(answer).toMatchObject({ id: 1, response: { ok: true, value: { product: 'Chevet' } } })
    const bad = await call(ws, { id: 2, method: 'nope' })
    expect(bad).toMatchObject({ id: 2, response: { ok: false, error: { code: 'INVALID' } } })
    const garbage = await call(ws, '{not json')
    expect(garbage).toMatchObject({ id: null, response: { ok: false, error: { code: 'INVALID' } } })
    ws.close()
  })

  it('pushes main events to connected pages', async () => {
    const ws = await connect()
    const received = new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))))
    events.emit('connectivity.changed', { state: 'degraded', dataAsOf: null })
    expect(await received).toEqual({ event: 'connectivity.changed', payload: { state: 'degraded', dataAsOf: null } })
    ws.close()
  })

  it('refuses a wrong token, a missing token, a foreign Origin and a foreign Host', async () => {
    await expect(connect({ token: '0'.repeat(64) })).rejects.toThrow('HTTP 401')
    await expect(connect({ token: '' })).rejects.toThrow('HTTP 401')
    await expect(connect({ origin: 'https://evil.example' })).rejects.toThrow('HTTP 403')
    await expect(connect({ origin: 'null' })).rejects.toThrow('HTTP 403')
    await expect(connect({ host: 'evil.example' })).rejects.toThrow('HTTP 403')
    // The token in the URL (where browsers log it) is not accepted.
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`, { origin: host.origin })
        ws.once('open', resolve)
        ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      }),
    ).rejects.toThrow('HTTP 401')
  })

  it('draws a fresh token at every launch', async () => {
    const other = await startBrowserHost({
      services: { dispatch: async () => ({ ok: true, value: null }), events, log: createMemoryLogger() },
      rendererDir: dir,
      port: 0,
    })
    expect(other.token).not.toBe(host.token)
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${other.port}/rpc`, [HOST_RPC_PROTOCOL, `${HOST_TOKEN_PROTOCOL_PREFIX}${host.token}`], {
          origin: other.origin,
        })
        ws.once('open', resolve)
        ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      }),
    ).rejects.toThrow('HTTP 401')
    await other.close()
  })
})
