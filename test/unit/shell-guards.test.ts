import { EventEmitter } from 'node:events'
import type { App, Session, WebContents } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryLogger } from '../../src-main/log'
import {
  DEFAULT_EXTERNAL_HOSTS,
  externalUrlToOpen,
  hardenWebContents,
  installContentsHooks,
  installPermissionGuards,
  originForLog,
} from '../../src-main/shell/guards'

/** A web contents as Electron shows it to the guards: an event emitter plus the window-open hook. */
class FakeContents extends EventEmitter {
  openHandler: ((details: { url: string }) => { action: string }) | null = null
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler
  }

  /** Emits a navigation-like event the way Electron does; returns whether a listener cancelled it. */
  attempt(name: 'will-navigate' | 'will-redirect', url: string): boolean {
    let prevented = false
    const event = { url, preventDefault: () => (prevented = true) }
    this.emit(name, event, url, false, true)
    return prevented
  }

  open(url: string): string | undefined {
    return this.openHandler?.({ url }).action
  }
}

function harden() {
  const contents = new FakeContents()
  const opened: string[] = []
  const log = createMemoryLogger()
  hardenWebContents(contents as unknown as WebContents, {
    openExternal: async (url) => {
      opened.push(url)
    },
    allowedHosts: DEFAULT_EXTERNAL_HOSTS,
    log,
  })
  return { contents, opened, log }
}

describe('navigation guards', () => {
  it('let the app navigate within app://chevet', () => {
    const { contents } = harden()
    expect(contents.attempt('will-navigate', 'app://chevet/index.html#/patients')).toBe(false)
    expect(contents.attempt('will-redirect', 'app://chevet/index.html')).toBe(false)
  })

  it.each([
    'https://evil.example/phish',
    'https://esante.gouv.fr/',
    'http://127.0.0.1:8080/',
    'file:///etc/passwd',
    'app://chevet.evil.com/index.html',
    'app://other/index.html',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'chrome://settings',
  ])('cancel navigation and redirects to %s', (url) => {
    const { contents, log } = harden()
    expect(contents.attempt('will-navigate', url)).toBe(true)
    expect(contents.attempt('will-redirect', url)).toBe(true)
    expect(log.lines.filter((l) => l.event === 'shell.navigation.blocked')).toHaveLength(2)
  })

  it('refuse to attach a <webview>', () => {
    const { contents } = harden()
    let prevented = false
    contents.emit('will-attach-webview', { preventDefault: () => (prevented = true) }, {}, {})
    expect(prevented).toBe(true)
  })

  it('never log the path of a refused URL', () => {
    const { contents, log } = harden()
    contents.attempt('will-navigate', 'https://evil.example/patients/DUPONT-Jean?ins=1234567890123')
    expect(JSON.stringify(log.lines)).not.toContain('DUPONT')
    expect(originForLog('https://evil.example/patients/x')).toBe('https://evil.example')
  })
})

describe('window.open', () => {
  it('is always denied; allow-listed https links go to the system browser', async () => {
    const { contents, opened } = harden()
    for (const url of [
      'https://esante.gouv.fr/services/mssante',
      'https://www.ameli.fr/medecin',
      'https://has-sante.fr/',
      'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000031972338',
    ]) {
      expect(contents.open(url)).toBe('deny')
    }
    await Promise.resolve()
    expect(opened).toEqual([
      'https://esante.gouv.fr/services/mssante',
      'https://www.ameli.fr/medecin',
      'https://has-sante.fr/',
      'https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000031972338',
    ])
  })

  it.each([
    'http://esante.gouv.fr/',
    'javascript:alert(1)',
    'file:///C:/Windows/System32/calc.exe',
    'https://esante.gouv.fr.evil.com/',
    'https://evilesante.gouv.fr/',
    'https://ameli.fr@evil.com/',
    'https://user:pass@ameli.fr/',
    'https://ameli.fr:8443/',
    'https://evil.com/?next=https://ameli.fr',
    'smb://ameli.fr/share',
    'ms-msdt:/id PCWDiagnostic',
    'app://chevet/index.html',
    'not a url',
  ])('refuses to open %s anywhere', async (url) => {
    const { contents, opened, log } = harden()
    expect(contents.open(url)).toBe('deny')
    await Promise.resolve()
    expect(opened).toEqual([])
    expect(log.lines.map((l) => l.event)).toContain('shell.window-open.denied')
  })

  it('normalises what it opens', () => {
    expect(externalUrlToOpen('https://WWW.AMELI.FR/a b', DEFAULT_EXTERNAL_HOSTS)).toBe('https://www.ameli.fr/a%20b')
    expect(externalUrlToOpen('https://ameli.fr/', [])).toBeNull()
  })

  it('logs, and does not throw, when the system browser fails', async () => {
    const contents = new FakeContents()
    const log = createMemoryLogger()
    hardenWebContents(contents as unknown as WebContents, {
      openExternal: () => Promise.reject(new Error('no browser')),
      allowedHosts: DEFAULT_EXTERNAL_HOSTS,
      log,
    })
    expect(contents.open('https://ameli.fr/')).toBe('deny')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(log.lines.map((l) => l.event)).toContain('shell.open-external.failed')
  })
})

describe('app-wide hooks', () => {
  it('harden every web contents the app creates', () => {
    const app = new EventEmitter()
    installContentsHooks(app as unknown as App, {
      openExternal: async () => undefined,
      allowedHosts: DEFAULT_EXTERNAL_HOSTS,
      log: createMemoryLogger(),
    })
    const contents = new FakeContents()
    app.emit('web-contents-created', {}, contents)
    expect(contents.attempt('will-navigate', 'https://evil.example/')).toBe(true)
    expect(contents.open('https://evil.example/')).toBe('deny')
  })
})

describe('permission guards', () => {
  it('deny every permission request and check', () => {
    const handlers: Record<string, (...args: never[]) => unknown> = {}
    const session = {
      setPermissionRequestHandler: (h: never) => (handlers.request = h),
      setPermissionCheckHandler: (h: never) => (handlers.check = h),
      setDevicePermissionHandler: (h: never) => (handlers.device = h),
    }
    installPermissionGuards(session as unknown as Session)

    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid']) {
      const callback = vi.fn()
      const request = handlers.request as (c: unknown, p: string, cb: (granted: boolean) => void) => void
      request({}, permission, callback)
      expect(callback).toHaveBeenCalledExactlyOnceWith(false)
      const check = handlers.check as (c: unknown, p: string, origin: string) => boolean
      expect(check({}, permission, 'app://chevet')).toBe(false)
    }
    expect((handlers.device as (d: unknown) => boolean)({ deviceType: 'usb', origin: 'app://chevet' })).toBe(false)
  })
})
