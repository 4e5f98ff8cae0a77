import { describe, expect, it } from 'vitest'
import { MAX_REQUEST_BYTES, type SessionState } from '../../src-main/contract'
import { createDispatcher, type Handlers } from '../../src-main/rpc/dispatcher'
import { RpcFailure } from '../../src-main/rpc/failure'
import { createMemoryLogger } from '../../src-main/log'
import { unusedHandlers } from '../fixtures/handlers'

const info = {
  product: 'Chevet' as const,
  version: '1.0.0',
  shell: 'browser-host' as const,
  environment: 'training' as const,
  establishment: null,
  centralUrl: null, ecpsAvailable: false
}

function setup(overrides: Partial<Handlers> = {}, state: SessionState = 'signed-out') {
  const calls: string[] = []
  const log = createMemoryLogger()
  const handlers: Handlers = {
    ...unusedHandlers(),
    'system.info': () => {
      calls.push('system.info')
      return info
    },
    'system.diagnostics': (params) => {
      calls.push(`system.diagnostics:${String(params.refresh)}`)
      return { generatedAt: '2026-11-23T10:00:00Z', checks: [] }
    },
    'session.status': () => {
      calls.push('session.status')
      return { state, user: null }
    },
    ...overrides,
  }
  const dispatch = createDispatcher({ handlers, log, sessionState: () => state })
  return { dispatch, calls, log }
}

const ctx = { origin: 'test' }

describe('RPC dispatcher', () => {
  it('answers a valid call with its validated value', async () => {
    const { dispatch } = setup()
    expect(await dispatch({ method: 'system.info', params: {} }, ctx)).toEqual({ ok: true, value: info })
    expect(await dispatch({ method: 'system.info' }, ctx)).toEqual({ ok: true, value: info })
  })

  it('accepts a JSON string frame as well as an object', async () => {
    const { dispatch, calls } = setup()
    const answer = await dispatch(JSON.stringify({ method: 'system.diagnostics', params: { refresh: true } }), ctx)
    expect(answer.ok).toBe(true)
    expect(calls).toEqual(['system.diagnostics:true'])
  })

  it.each([
    ['not an object', 42],
    ['null', null],
    ['an array', [1, 2]],
    ['missing method', { params: {} }],
    ['method of the wrong type', { method: 7 }],
    ['unknown method', { method: 'system.format' }],
    ['inherited property as method', { method: 'constructor' }],
    ['prototype key as method', { method: '__proto__' }],
    ['extra top-level key', { method: 'system.info', params: {}, admin: true }],
    ['params of the wrong type', { method: 'system.diagnostics', params: { refresh: 'yes' } }],
    ['unknown param', { method: 'system.diagnostics', params: { refresh: true, drop: 1 } }],
    ['params not an object', { method: 'system.info', params: 'x' }],
    ['invalid JSON text', '{"method": '],
  ])('refuses %s with INVALID and calls nothing', async (_label, raw) => {
    const { dispatch, calls } = setup()
    const answer = await dispatch(raw, ctx)
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    expect(calls).toEqual([])
  })

  it('refuses prototype-pollution keys and leaves Object.prototype untouched', async () => {
    const { dispatch, calls } = setup()
    const text = '{"method":"system.diagnostics","params":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}'
    const answer = await dispatch(text, ctx)
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(calls).toEqual([])
  })

  it('refuses a huge payload before parsing it', async () => {
    const { dispatch, calls } = setup()
    const huge = JSON.stringify({ method: 'system.info', params: { x: 'a'.repeat(MAX_REQUEST_BYTES) } })
    expect(await dispatch(huge, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID', message: 'request too large' } })
    expect(await dispatch(JSON.parse(huge), ctx)).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    expect(calls).toEqual([])
  })

  it('refuses values JSON cannot carry (cycles, BigInt) without throwing', async () => {
    const { dispatch } = setup()
    const cyclic: Record<string, unknown> = { method: 'system.info' }
    cyclic.params = cyclic
    expect(await dispatch(cyclic, ctx)).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    expect(await dispatch({ method: 'system.info', params: { n: 10n } }, ctx)).toMatchObject({ ok: false })
  })

  it('turns a deliberate failure into its code and an unexpected error into INTERNAL without leaking it', async () => {
    const { dispatch, log } = setup({
      'system.info': () => {
        throw new RpcFailure('NOT_FOUND', 'nothing here')
      },
      'session.status': () => {
        throw new Error('secret detail: Hélène DURAND')
      },
    })
    expect(await dispatch({ method: 'system.info' }, ctx)).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'nothing here' } })
    const internal = await dispatch({ method: 'session.status' }, ctx)
    expect(internal).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } })
    expect(JSON.stringify(log.lines)).not.toContain('DURAND')
  })

  it('refuses a result that does not match the contract', async () => {
    const { dispatch } = setup({ 'system.info': () => ({ ...info, product: 'Other' }) as unknown as typeof info })
    expect(await dispatch({ method: 'system.info' }, ctx)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })
})

/** Deterministic generator of malformed calls (mulberry32), so a failure can be replayed. */
function generator(seed: number) {
  let a = seed
  const next = () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)]!
  const value = (depth: number): unknown => {
    switch (Math.floor(next() * 9)) {
      case 0:
        return null
      case 1:
        return next() * 1e12 - 5e11
      case 2:
        return 'x'.repeat(Math.floor(next() * 300))
      case 3:
        return next() > 0.5
      case 4:
        return depth > 0 ? [value(depth - 1), value(depth - 1)] : []
      case 5:
        return depth > 0 ? { [pick(['__proto__', 'constructor', 'prototype', 'refresh', 'a'])]: value(depth - 1) } : {}
      case 6: {
        let nested: unknown = 1
        for (let i = 0; i < 200; i += 1) nested = { n: nested }
        return nested
      }
      case 7:
        return pick([Number.NaN, Number.POSITIVE_INFINITY, -0])
      default:
        return pick(['', '\u0000', '💉', '<script>alert(1)</script>'])
    }
  }
  return { next, pick, value }
}

describe('RPC dispatcher under generated malformed calls', () => {
  it('answers 10,000 malformed calls with INVALID, never throws, and never reaches a handler', async () => {
    const { dispatch, calls } = setup({}, 'active')
    const gen = generator(20261123)
    const methodsToTry = ['system.info', 'system.diagnostics', 'session.status', 'unknown.method', '', '__proto__', 'toString']
    let invalid = 0
    for (let i = 0; i < 10_000; i += 1) {
      const kind = Math.floor(gen.next() * 4)
      let raw: unknown
      if (kind === 0) raw = gen.value(3)
      else if (kind === 1) raw = { method: gen.pick(methodsToTry), params: { junk: gen.value(3) } }
      else if (kind === 2) raw = { method: gen.value(1), params: gen.value(2) }
      else {
        // Cut strictly short of the end: always broken JSON, whatever the value drawn.
        const full = JSON.stringify({ method: gen.pick(methodsToTry), params: { refresh: gen.value(2) } })
        raw = full.slice(0, Math.floor(gen.next() * (full.length - 1)))
      }
      const answer = await dispatch(raw, ctx)
      if (!answer.ok && answer.error.code === 'INVALID') invalid += 1
      else expect.fail(`call ${i} was not refused: ${JSON.stringify(raw)?.slice(0, 200)}`)
    }
    expect(invalid).toBe(10_000)
    expect(calls).toEqual([])
  })
})

describe('RPC dispatcher and the central', () => {
  it('answers a central failure with its own code', async () => {
    const { CentralError } = await import('../../src-main/central/types')
    const { dispatch } = setup({
      'system.info': () => {
        throw new CentralError('OFFLINE', 'GET Patient: network error', null, true)
      },
    })
    expect(await dispatch({ method: 'system.info' }, ctx)).toEqual({
      ok: false,
      error: { code: 'OFFLINE', message: 'GET Patient: network error' },
    })
  })
})
