import { EventEmitter } from 'node:events'
import type { App, BrowserWindow, BrowserWindowConstructorOptions } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import { createMemoryLogger } from '../../src-main/log'
import { focusWindow, installQuitHandler } from '../../src-main/shell/lifecycle'
import { createLockReloader, createMainWindow, reloadRenderer } from '../../src-main/shell/window'

class FakeWebContents extends EventEmitter {
  loaded: string[] = []
  closeDevTools = vi.fn()
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url)
  }
}

class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = []
  readonly webContents = new FakeWebContents()
  contentProtection: boolean | null = null
  destroyed = false
  shown = false

  constructor(readonly options: BrowserWindowConstructorOptions) {
    super()
    FakeBrowserWindow.created.push(this)
  }

  setContentProtection(enabled: boolean): void {
    this.contentProtection = enabled
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url)
  }
  show(): void {
    this.shown = true
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}

function create(isPackaged: boolean): FakeBrowserWindow {
  createMainWindow({
    BrowserWindow: FakeBrowserWindow as unknown as typeof BrowserWindow,
    preloadPath: '/opt/chevet/resources/app.asar/out/preload/index.cjs',
    isPackaged,
    log: createMemoryLogger(),
  })
  const win = FakeBrowserWindow.created.at(-1)
  if (!win) throw new Error('no window created')
  return win
}

describe('main window', () => {
  it('is created with exactly the hardened web preferences', () => {
    const win = create(true)
    expect(win.options.webPreferences).toStrictEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick',
      devTools: false,
      preload: '/opt/chevet/resources/app.asar/out/preload/index.cjs',
    })
  })

  it('allows devtools only in an unpackaged build', () => {
    expect(create(false).options.webPreferences?.devTools).toBe(true)
  })

  it('protects its content from capture and loads the app origin, never file://', () => {
    const win = create(true)
    expect(win.contentProtection).toBe(true)
    expect(win.webContents.loaded).toEqual(['app://chevet/index.html'])
    expect(win.shown).toBe(false)
    win.emit('ready-to-show')
    expect(win.shown).toBe(true)
  })

  it('closes devtools as soon as they open when packaged', () => {
    const win = create(true)
    win.webContents.emit('devtools-opened')
    expect(win.webContents.closeDevTools).toHaveBeenCalledOnce()

    const dev = create(false)
    dev.webContents.emit('devtools-opened')
    expect(dev.webContents.closeDevTools).not.toHaveBeenCalled()
  })
})

describe('reload on lock', () => {
  it('reloads the start page, and does nothing on a destroyed window', async () => {
    const win = create(true)
    await reloadRenderer(win as unknown as BrowserWindow)
    expect(win.webContents.loaded).toEqual(['app://chevet/index.html', 'app://chevet/index.html'])
    win.destroyed = true
    await reloadRenderer(win as unknown as BrowserWindow)
    expect(win.webContents.loaded).toHaveLength(2)
  })

  it('fires when an active session becomes locked or signed out', () => {
    const reload = vi.fn()
    const onEvent = createLockReloader(reload)
    const status = (state: string) => ({ state, user: null })

    onEvent('session.changed', status('active'))
    expect(reload).not.toHaveBeenCalled()
    onEvent('session.changed', status('locked'))
    expect(reload).toHaveBeenCalledTimes(1)
    onEvent('session.changed', status('signed-out'))
    onEvent('session.changed', status('locked'))
    expect(reload).toHaveBeenCalledTimes(1)
    onEvent('session.changed', status('active'))
    onEvent('session.changed', status('signed-out'))
    expect(reload).toHaveBeenCalledTimes(2)
  })

  it('ignores other events and malformed payloads', () => {
    const reload = vi.fn()
    const onEvent = createLockReloader(reload, 'active')
    onEvent('connectivity.changed', { state: 'locked' })
    onEvent('session.changed', null)
    onEvent('session.changed', { state: 'nonsense' })
    expect(reload).not.toHaveBeenCalled()
  })
})

describe('lifecycle', () => {
  it('brings the existing window to the front on a second launch', () => {
    const win = { isDestroyed: () => false, isMinimized: () => true, restore: vi.fn(), focus: vi.fn() }
    focusWindow(win)
    expect(win.restore).toHaveBeenCalledOnce()
    expect(win.focus).toHaveBeenCalledOnce()
    expect(() => focusWindow(null)).not.toThrow()
  })

  it('holds the quit until the services are closed, then quits once', async () => {
    const app = Object.assign(new EventEmitter(), { quit: vi.fn() })
    let release: () => void = () => undefined
    const close = vi.fn(() => new Promise<void>((resolve) => (release = resolve)))
    installQuitHandler(app as unknown as App, close, createMemoryLogger())

    const first = { preventDefault: vi.fn() }
    app.emit('will-quit', first)
    app.emit('will-quit', { preventDefault: vi.fn() })
    expect(first.preventDefault).toHaveBeenCalled()
    expect(close).toHaveBeenCalledOnce()
    expect(app.quit).not.toHaveBeenCalled()

    release()
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(app.quit).toHaveBeenCalledOnce()
    const last = { preventDefault: vi.fn() }
    app.emit('will-quit', last)
    expect(last.preventDefault).not.toHaveBeenCalled()
  })

  it('still quits when closing the services fails', async () => {
    const app = Object.assign(new EventEmitter(), { quit: vi.fn() })
    const log = createMemoryLogger()
    installQuitHandler(app as unknown as App, () => Promise.reject(new Error('disk')), log)
    app.emit('will-quit', { preventDefault: vi.fn() })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(app.quit).toHaveBeenCalledOnce()
    expect(log.lines.map((l) => l.event)).toContain('shell.close.failed')
  })
})
