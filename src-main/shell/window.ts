import type { BrowserWindow } from 'electron'
import type { SessionState } from '../contract'
import type { Logger } from '../log'
import { APP_START_URL } from './app-protocol'

export interface MainWindowDeps {
  /** Electron's `BrowserWindow` class, injected so that the options can be checked without Electron. */
  BrowserWindow: typeof BrowserWindow
  /** Absolute path of the built CommonJS preload (`out/preload/index.cjs`). */
  preloadPath: string
  isPackaged: boolean
  log: Logger
}

/**
 * The one window of the workstation. Its options are the hardened baseline of DESIGN.md §4,
 * written literally here so that the static check (electronegativity) reads exactly what runs.
 */
export function createMainWindow(deps: MainWindowDeps): BrowserWindow {
  const { BrowserWindow, preloadPath, isPackaged, log } = deps
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Chevet',
    backgroundColor: '#ffffff',
    webPreferences: {
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
      // A middle click must not open anything behind the window-open handler's back.
      disableBlinkFeatures: 'Auxclick',
      devTools: !isPackaged,
      preload: preloadPath,
    },
  })

  // Keeps patient data out of screenshots, screen sharing and remote-assistance captures.
  win.setContentProtection(true)
  if (isPackaged) {
    win.webContents.on('devtools-opened', () => win.webContents.closeDevTools())
  }
  win.once('ready-to-show', () => win.show())
  win.loadURL(APP_START_URL).catch(() => log.error('shell.window.load-failed'))
  return win
}

/**
 * Throws away the renderer's document, and with it every patient datum held in its memory,
 * by loading the start page afresh (the sign-in or lock screen).
 */
export async function reloadRenderer(win: Pick<BrowserWindow, 'isDestroyed' | 'webContents'>): Promise<void> {
  if (win.isDestroyed()) return
  await win.webContents.loadURL(APP_START_URL)
}

/**
 * Watches `session.changed` events and calls `reload` when the session stops being active
 * (locked or signed out). Moves between locked and signed-out do not reload: nothing was shown in between.
 */
export function createLockReloader(
  reload: () => void,
  initial: SessionState = 'signed-out',
): (event: string, payload: unknown) => void {
  let current: SessionState = initial
  return (event, payload) => {
    if (event !== 'session.changed' || typeof payload !== 'object' || payload === null) return
    const next = (payload as { state?: unknown }).state
    if (next !== 'active' && next !== 'locked' && next !== 'signed-out') return
    const previous = current
    current = next
    if (previous === 'active' && next !== 'active') reload()
  }
}
