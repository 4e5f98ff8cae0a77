import type { WebContents, WebFrameMain } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import type { SystemInfo } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { createDispatcher, type Handlers } from '../../src-main/rpc/dispatcher'
import { EVENT_CHANNEL, createEventForwarder, createRpcHandler, isTrustedSender } from '../../src-main/shell/ipc'

const info: SystemInfo = {
  product: 'Chevet',
  version: '0.1.0',
  shell: 'electron',
  environment: 'training',
  establishment: null,
  centralUrl: null, ecpsAvailable: false
}

function frame(url: string, processId = 4, routingId = 1, parent: object | null = null) {
  return { url, processId, routingId, parent } as unknown as WebFrameMain
}

function contents(id: number, main = frame('app://chevet/index.html')) {
  return {
    id,
    mainFrame: main,
    destroyed: false,
    sent: [] as unknown[][],
    isDestroyed() {
      return this.destroyed
    },
    send(...args: unknown[]) {
      this.sent.push(args)
    },
  }
}

type FakeContents = ReturnType<typeof contents>
const asContents = (c: FakeContents) => c as unknown as WebContents

function setup() {
  const win = contents(7)
  const log = createMemoryLogger()
  const dispatch = createDispatcher({
    log,
    sessionState: () => 'signed-out',
    // Only the method this test calls; the dispatcher is the real one.
    handlers: { 'system.info': () => info } as unknown as Handlers,
  })
  const spy = vi.fn(dispatch)
  const handle = createRpcHandler({ dispatch: spy, trustedContents: () => asContents(win), log })
  return { win, handle, spy, log }
}

const request = { method: 'system.info', params: {} }

describe('IPC rpc handler', () => {
  it('dispatches a call from the main frame of our window at app://chevet', async () => {
    const { win, handle, spy } = setup()
    const answer = await handle({ sender: asContents(win), senderFrame: frame('app://chevet/index.html#/') }, request)
    expect(answer).toEqual({ ok: true, value: info })
    expect(spy).toHaveBeenCalledWith(request, { origin: 'ipc' })
  })

  it.each([
    ['a foreign page in the main frame', 'https://evil.example/', 4, 1, 7],
    ['a file:// page', 'file:///tmp/x.html', 4, 1, 7],
    ['a lookalike app host', 'app://chevet.evil/index.html', 4, 1, 7],
    ['a subframe of our window', 'app://chevet/index.html', 4, 2, 7],
    ['a frame of another renderer process', 'app://chevet/index.html', 5, 1, 7],
    ['another web contents', 'app://chevet/index.html', 4, 1, 8],
  ])('answers FORBIDDEN to %s without dispatching', async (_label, url, processId, routingId, senderId) => {
    const { win, handle, spy, log } = setup()
    const sender = senderId === win.id ? win : contents(senderId)
    const answer = await handle({ sender: asContents(sender), senderFrame: frame(url, processId, routingId) }, request)
    expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(spy).not.toHaveBeenCalled()
    expect(log.lines.map((l) => l.event)).toContain('shell.ipc.forbidden')
  })

  it('refuses a call without a frame, or once the window is gone', async () => {
    const { win, handle } = setup()
    expect(await handle({ sender: asContents(win), senderFrame: null }, request)).toMatchObject({ ok: false })
    win.destroyed = true
    const answer = await handle({ sender: asContents(win), senderFrame: frame('app://chevet/index.html') }, request)
    expect(answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(isTrustedSender({ sender: asContents(win), senderFrame: frame('app://chevet/') }, null)).toBe(false)
  })

  it('lets the dispatcher answer garbage from a trusted frame', async () => {
    const { win, handle } = setup()
    const trusted = { sender: asContents(win), senderFrame: frame('app://chevet/index.html') }
    for (const garbage of [{ method: 'nope' }, 'not json', null, { method: 'system.info', params: { x: 1 } }]) {
      expect(await handle(trusted, garbage)).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    }
  })
})

describe('event forwarder', () => {
  it('sends only { event, payload } on the event channel of the live window', () => {
    const win = contents(7)
    let current: FakeContents | null = win
    const forward = createEventForwarder(() => (current ? asContents(current) : null))
    forward('session.changed', { state: 'locked', user: null })
    expect(win.sent).toEqual([[EVENT_CHANNEL, { event: 'session.changed', payload: { state: 'locked', user: null } }]])
    win.destroyed = true
    forward('session.changed', { state: 'active', user: null })
    current = null
    forward('session.changed', { state: 'active', user: null })
    expect(win.sent).toHaveLength(1)
  })
})
