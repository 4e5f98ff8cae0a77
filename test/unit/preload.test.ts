import { EventEmitter } from 'node:events'
import { build, type Rollup } from 'vite'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { ChevetBridge } from '../../src-main/contract'

// Electron's renderer-side modules, faked at their boundary: what the preload hands to the page is what we observe.
const electron = vi.hoisted(() => {
  const exposed: Record<string, unknown> = {}
  return {
    exposed,
    invoked: [] as unknown[][],
    ipc: null as unknown as import('node:events').EventEmitter & { invoke: (...args: unknown[]) => Promise<unknown> },
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        exposed[key] = api
      },
    },
  }
})

vi.mock('electron', () => {
  const ipc = Object.assign(new EventEmitter(), {
    invoke: async (...args: unknown[]) => {
      electron.invoked.push(args)
      return { ok: true, value: 'answer' }
    },
  })
  electron.ipc = ipc
  return { contextBridge: electron.contextBridge, ipcRenderer: ipc }
})

let bridge: ChevetBridge

beforeAll(async () => {
  await import('../../src-main/preload')
  bridge = electron.exposed.chevet as ChevetBridge
})

/** What main sends on the event channel: an IPC event object (never to reach the page) and the message. */
function sendFromMain(message: unknown): void {
  const ipcEvent = { sender: electron.ipc, senderId: 0, ports: [] }
  electron.ipc.emit('event', ipcEvent, message)
}

describe('preload', () => {
  it('exposes exactly window.chevet = { rpc, on }', () => {
    expect(Object.keys(electron.exposed)).toEqual(['chevet'])
    expect(Object.keys(bridge).sort()).toEqual(['on', 'rpc'])
    expect(typeof bridge.rpc).toBe('function')
    expect(typeof bridge.on).toBe('function')
  })

  it('sends a call as { method, params } on the rpc channel and returns main’s answer', async () => {
    await expect(bridge.rpc('system.info', {})).resolves.toEqual({ ok: true, value: 'answer' })
    await bridge.rpc('session.status')
    expect(electron.invoked).toEqual([
      ['rpc', { method: 'system.info', params: {} }],
      ['rpc', { method: 'session.status', params: undefined }],
    ])
  })

  it('delivers only the payload of the subscribed event, and stops after unsubscribe', () => {
    const received: unknown[][] = []
    const off = bridge.on('session.changed', (...args: unknown[]) => received.push(args))

    sendFromMain({ event: 'session.changed', payload: { state: 'locked', user: null } })
    sendFromMain({ event: 'connectivity.changed', payload: { state: 'degraded', dataAsOf: null } })
    sendFromMain('garbage')
    sendFromMain(null)
    expect(received).toEqual([[{ state: 'locked', user: null }]])

    off()
    sendFromMain({ event: 'session.changed', payload: { state: 'active', user: null } })
    expect(received).toHaveLength(1)
    expect(electron.ipc.listenerCount('event')).toBe(0)
  })

  it('refuses a subscription without a listener function', () => {
    expect(() => bridge.on('session.changed', 'nope' as unknown as () => void)).toThrow(TypeError)
    expect(electron.ipc.listenerCount('event')).toBe(0)
  })
})

describe('preload bundle', () => {
  it('is a tiny CommonJS file whose only runtime import is electron (no zod, no contract code)', async () => {
    // The same output options as electron.vite.config.ts gives the preload; a sandboxed renderer needs CommonJS.
    const result = (await build({
      configFile: false,
      logLevel: 'silent',
      build: {
        write: false,
        ssr: true,
        minify: false,
        rollupOptions: {
          input: 'src-main/preload/index.ts',
          external: ['electron'],
          output: { format: 'cjs', entryFileNames: '[name].cjs' },
        },
      },
    })) as Rollup.RollupOutput | Rollup.RollupOutput[]
    const chunks = (Array.isArray(result) ? result : [result]).flatMap((o) => o.output)
    expect(chunks.map((c) => c.fileName)).toEqual(['index.cjs'])
    const code = chunks[0]?.type === 'chunk' ? chunks[0].code : ''
    expect([...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron'])
    expect(code).not.toMatch(/\bimport\s|zod/)
    expect(code.length).toBeLessThan(4096)
  })
})
