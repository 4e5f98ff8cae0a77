import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RpcResponse } from '../../src-main/contract'
import type { Services } from '../../src-main/compose'

/**
 * runShell() wired to the real services (real config, store, dispatcher) with Electron's main-process API faked
 * at its boundary. The fakes record what the shell asked of Electron; the test plays Electron's part (ready,
 * IPC calls, second launch, quit).
 */
const fake = vi.hoisted(() => ({ current: null as unknown as FakeElectron, services: null as Services | null }))

// Getters: Vitest builds the mocked module once, while each test gets fresh fakes.
vi.mock('electron', () => {
  const names = ['app', 'BrowserWindow', 'protocol', 'session', 'ipcMain', 'shell', 'dialog', 'safeStorage']
  const module: Record<string, unknown> = {}
  for (const name of names) {
    Object.defineProperty(module, name, { enumerable: true, get: () => fake.current.module[name] })
  }
  return module
})
vi.mock('../../src-main/compose', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src-main/compose')>()
  return {
    ...real,
    // The real composition, with a handle kept so that the test can emit service events.
    composeServices: async (options: Parameters<typeof real.composeServices>[0]) => {
      fake.services = await real.composeServices(options)
      return fake.services
    },
  }
})

class FakeWebContents extends EventEmitter {
  static nextId = 1
  readonly id = FakeWebContents.nextId++
  readonly mainFrame = { processId: 3, routingId: 1, url: 'app://chevet/index.html', parent: null }
  loaded: string[] = []
  sent: unknown[][] = []
  openHandler: ((details: { url: string }) => { action: string }) | null = null
  isDestroyed = () => false
  send = (...args: unknown[]) => void this.sent.push(args)
  closeDevTools = () => undefined
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.openHandler = handler
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url)
  }
  attempt(name: string, url: string): boolean {
    let prevented = false
    this.emit(name, { url, preventDefault: () => (prevented = true) }, url)
    return prevented
  }
  open(url: string): string | undefined {
    return this.openHandler?.({ url }).action
  }
}

function makeElectron(appPath: string) {
  const calls: string[] = []
  let resolveReady: () => void = () => undefined
  const whenReady = new Promise<void>((resolve) => (resolveReady = resolve))
  const app = Object.assign(new EventEmitter(), {
    isPackaged: true,
    enableSandbox: () => void calls.push('enableSandbox'),
    requestSingleInstanceLock: () => {
      calls.push('requestSingleInstanceLock')
      return electron.lockGranted
    },
    whenReady: () => whenReady,
    getAppPath: () => appPath,
    quit: () => void calls.push('quit'),
    exit: (code: number) => {
      electron.exitCode = code
    },
  })

  class BrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents()
    contentProtection = false
    focused = 0
    constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
      super()
      // Electron announces every web contents it creates.
      app.emit('web-contents-created', {}, this.webContents)
      electron.windows.push(this)
    }
    setContentProtection(on: boolean): void {
      this.contentProtection = on
    }
    loadURL(url: string): Promise<void> {
      return this.webContents.loadURL(url)
    }
    isDestroyed = () => false
    isMinimized = () => false
    restore = () => undefined
    focus = () => void this.focused++
    show = () => undefined
    /** An IPC event as Electron builds it for a call from this window's main frame showing `url`. */
    ipcEventFrom(url: string) {
      return { sender: this.webContents, senderFrame: { ...this.webContents.mainFrame, url } }
    }
  }

  const electron = {
    app,
    calls,
    lockGranted: true,
    backend: 'gnome_libsecret',
    exitCode: null as number | null,
    schemes: [] as unknown[],
    windows: [] as BrowserWindow[],
    errorBoxes: [] as string[],
    openedExternally: [] as string[],
    protocolHandlers: new Map<string, (request: Request) => Promise<Response>>(),
    ipcHandlers: new Map<string, (event: unknown, request: unknown) => Promise<unknown>>(),
    permissionRequestHandler: null as ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | null,
    permissionCheckHandler: null as (() => boolean) | null,
    ready: () => resolveReady(),
    newContents() {
      const contents = new FakeWebContents()
      app.emit('web-contents-created', {}, contents)
      return contents
    },
    module: {} as Record<string, unknown>,
  }

  electron.module = {
    app,
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => {
        calls.push('registerSchemesAsPrivileged')
        electron.schemes.push(...schemes)
      },
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) =>
        void electron.protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof electron.permissionRequestHandler) => (electron.permissionRequestHandler = h),
        setPermissionCheckHandler: (h: typeof electron.permissionCheckHandler) => (electron.permissionCheckHandler = h),
        setDevicePermissionHandler: () => undefined,
      },
    },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, request: unknown) => Promise<unknown>) =>
        void electron.ipcHandlers.set(channel, handler),
    },
    shell: {
      openExternal: async (url: string) => void electron.openedExternally.push(url),
    },
    dialog: {
      showErrorBox: (_title: string, content: string) => void electron.errorBoxes.push(content),
    },
    // A stand-in for the OS keyring: reversible, so that the key round-trips through the file.
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => electron.backend,
      encryptString: (plain: string) => Buffer.from(plain, 'utf8').reverse(),
      decryptString: (blob: Buffer) => Buffer.from(blob).reverse().toString('utf8'),
    },
  }
  return electron
}

type FakeElectron = ReturnType<typeof makeElectron>

let dir: string
let appPath: string
let savedEnv: NodeJS.ProcessEnv

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-shell-run-'))
  appPath = path.join(dir, 'app')
  mkdirSync(path.join(appPath, 'out', 'renderer'), { recursive: true })
  mkdirSync(path.join(appPath, 'out', 'preload'), { recursive: true })
  writeFileSync(path.join(appPath, 'out', 'renderer', 'index.html'), '<!doctype html><title>Chevet</title>')
  writeFileSync(path.join(appPath, 'out', 'preload', 'index.cjs'), '')
  savedEnv = { ...process.env }
  for (const name of Object.keys(process.env)) if (name.startsWith('CHEVET_')) delete process.env[name]
  process.env.CHEVET_DATA_DIR = path.join(dir, 'data')
  // A configured central (never reached here): the shell is under test, not the in-process training central.
  process.env.CHEVET_CENTRAL_URL = 'http://127.0.0.1:9/fhir'
  fake.current = makeElectron(appPath)
  fake.services = null
  vi.resetModules()
})

afterEach(async () => {
  await fake.services?.close()
  process.env = savedEnv
  rmSync(dir, { recursive: true, force: true })
})

async function start() {
  const { runShell } = await import('../../src-main/shell')
  await runShell()
  return fake.current
}

describe('runShell', () => {
  it('does the pre-ready hardening, then resolves without waiting for ready', async () => {
    const electron = await start()
    // Resolved while `ready` is still pending: the ESM entry awaits runShell, and Electron holds `ready` until it returns.
    expect(electron.calls).toEqual(['enableSandbox', 'registerSchemesAsPrivileged', 'requestSingleInstanceLock'])
    expect(electron.schemes).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ])
    expect(electron.windows).toHaveLength(0)
    expect(electron.protocolHandlers.size).toBe(0)
  })

  it('on ready, serves app://, guards the session, opens the hardened window and answers IPC from it only', async () => {
    const electron = await start()
    electron.ready()
    const win = await vi.waitFor(() => {
      const created = electron.windows[0]
      if (!created) throw new Error('no window yet')
      return created
    })

    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      devTools: false,
      preload: path.join(appPath, 'out', 'preload', 'index.cjs'),
    })
    expect(win.webContents.loaded).toEqual(['app://chevet/index.html'])
    expect(win.contentProtection).toBe(true)

    const serve = electron.protocolHandlers.get('app')
    const page = await serve?.({ url: 'app://chevet/index.html', method: 'GET' } as Request)
    expect(page?.status).toBe(200)
    expect(await page?.text()).toContain('<title>Chevet</title>')
    expect(page?.headers.get('content-security-policy')).toContain("default-src 'none'")

    const granted = vi.fn()
    electron.permissionRequestHandler?.(null, 'media', granted)
    expect(granted).toHaveBeenCalledWith(false)
    expect(electron.permissionCheckHandler?.()).toBe(false)

    const rpc = electron.ipcHandlers.get('rpc')
    const fromApp = (await rpc?.(win.ipcEventFrom('app://chevet/index.html'), {
      method: 'system.info',
      params: {},
    })) as RpcResponse
    expect(fromApp).toMatchObject({ ok: true, value: { product: 'Chevet', shell: 'electron' } })
    const fromElsewhere = (await rpc?.(win.ipcEventFrom('https://evil.example/'), {
      method: 'system.info',
      params: {},
    })) as RpcResponse
    expect(fromElsewhere).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })

    // The database key was created, wrapped by safeStorage, beside the database.
    expect(existsSync(path.join(dir, 'data', 'chevet.key.enc'))).toBe(true)
    expect(existsSync(path.join(dir, 'data', 'chevet.db'))).toBe(true)
  })

  it('forwards service events to the window and reloads it when the session locks', async () => {
    const electron = await start()
    electron.ready()
    const win = await vi.waitFor(() => {
      const created = electron.windows[0]
      if (!created || !fake.services) throw new Error('not started yet')
      return created
    })
    const events = fake.services?.events
    events?.emit('session.changed', { state: 'active', user: null })
    events?.emit('session.changed', { state: 'locked', user: null })
    expect(win.webContents.sent).toEqual([
      ['event', { event: 'session.changed', payload: { state: 'active', user: null } }],
      ['event', { event: 'session.changed', payload: { state: 'locked', user: null } }],
    ])
    await vi.waitFor(() => expect(win.webContents.loaded).toEqual(['app://chevet/index.html', 'app://chevet/index.html']))
  })

  it('hardens every new web contents, focuses the window on a second launch, closes the services on quit', async () => {
    const electron = await start()
    electron.ready()
    const win = await vi.waitFor(() => {
      const created = electron.windows[0]
      if (!created) throw new Error('no window yet')
      return created
    })

    const stray = electron.newContents()
    expect(stray.attempt('will-navigate', 'https://evil.example/')).toBe(true)
    expect(stray.open('https://ameli.fr/')).toBe('deny')
    expect(electron.openedExternally).toEqual(['https://ameli.fr/'])

    electron.app.emit('second-instance')
    expect(win.focused).toBe(1)

    const quitting = { preventDefault: vi.fn() }
    electron.app.emit('will-quit', quitting)
    expect(quitting.preventDefault).toHaveBeenCalled()
    await vi.waitFor(() => expect(electron.calls).toContain('quit'))
    fake.services = null // closed by the shell
  })

  it('quits at once when another instance holds the lock', async () => {
    const electron = fake.current
    electron.lockGranted = false
    await start()
    electron.ready()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(electron.calls).toContain('quit')
    expect(electron.windows).toHaveLength(0)
    expect(existsSync(path.join(dir, 'data'))).toBe(false)
  })

  it('refuses to start on the basic_text keyring, saying why, and opens no window', async () => {
    const electron = fake.current
    electron.backend = 'basic_text'
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      await start()
      electron.ready()
      await vi.waitFor(() => expect(electron.exitCode).toBe(1))
    } finally {
      stderr.mockRestore()
    }
    expect(electron.errorBoxes[0]).toMatch(/basic_text/)
    expect(electron.windows).toHaveLength(0)
    expect(existsSync(path.join(dir, 'data', 'chevet.key.enc'))).toBe(false)
  })
})

