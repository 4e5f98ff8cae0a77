import path from 'node:path'
import { BrowserWindow, app, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron'
import { composeServices } from '../compose'
import { loadConfig, type ChevetConfig } from '../config'
import { createLogger, type Logger } from '../log'
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol'
import { DEFAULT_EXTERNAL_HOSTS, installContentsHooks, installPermissionGuards } from './guards'
import { RPC_CHANNEL, createEventForwarder, createRpcHandler } from './ipc'
import { focusWindow, installQuitHandler } from './lifecycle'
import { createSafeStorageVault } from './safe-storage-vault'
import { createLockReloader, createMainWindow, reloadRenderer } from './window'

export { reloadRenderer } from './window'

/** Paths of the electron-vite build, relative to the app root (the project dir, or the asar when packaged). */
function builtPaths(): { preload: string; renderer: string } {
  const root = app.getAppPath()
  return { preload: path.join(root, 'out', 'preload', 'index.cjs'), renderer: path.join(root, 'out', 'renderer') }
}

/** Shows why the workstation cannot start (French: hospital IT reads it), then exits. Dialogs need `ready`. */
function fatal(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`Chevet : ${message}\n`)
  app
    .whenReady()
    .then(() => dialog.showErrorBox('Chevet', `Chevet n’a pas pu démarrer.\n\n${message}`))
    .finally(() => app.exit(1))
}

/**
 * Starts the Electron workstation. Everything that must precede `ready` is done before this resolves; the rest
 * (key vault, services, window) runs on `ready`, without being awaited here: Electron emits `ready` only after the
 * ESM entry module — its top-level awaits included — has finished, so awaiting `ready` from it would hang.
 */
export async function runShell(): Promise<void> {
  app.enableSandbox()
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }])
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }

  let config: ChevetConfig
  try {
    config = loadConfig()
  } catch (error) {
    fatal(error)
    return
  }
  const log = createLogger({ dir: path.join(config.dataDir, 'logs') })
  const state: ShellState = { win: null }

  installContentsHooks(app, {
    openExternal: openInSystemBrowser,
    allowedHosts: config.externalLinkHosts ?? DEFAULT_EXTERNAL_HOSTS,
    log,
  })
  app.on('second-instance', () => focusWindow(state.win))
  // A clinical workstation closed is a workstation done with: no lingering process holding the store.
  app.on('window-all-closed', () => app.quit())

  app
    .whenReady()
    .then(() => startWhenReady(config, log, state))
    .catch((error: unknown) => {
      log.error('shell.start.failed', { error: error instanceof Error ? error.name : 'unknown' })
      fatal(error)
    })
}

/**
 * The one door to the system browser. It receives only https links the guards accepted (shell/guards.ts:
 * allow-listed hosts) and the Pro Santé Connect authorization address that main builds from the configured issuer.
 */
function openInSystemBrowser(url: string): Promise<void> {
  return shell.openExternal(url)
}

interface ShellState {
  win: BrowserWindow | null
}

async function startWhenReady(config: ChevetConfig, log: Logger, state: ShellState): Promise<void> {
  installPermissionGuards(session.defaultSession)
  const paths = builtPaths()
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: paths.renderer }))

  const keyVault = createSafeStorageVault({ safeStorage, dataDir: config.dataDir })
  if (keyVault.warning) log.warn('shell.keyvault.backend-changed', { backend: keyVault.backend })
  const services = await composeServices({ config, shell: 'electron', keyVault, log, openExternal: openInSystemBrowser })
  installQuitHandler(app, () => services.close(), log)

  const mainContents = () => (state.win === null || state.win.isDestroyed() ? null : state.win.webContents)
  ipcMain.handle(RPC_CHANNEL, createRpcHandler({ dispatch: services.dispatch, trustedContents: mainContents, log }))
  const forward = createEventForwarder(mainContents)
  const reloadOnLock = createLockReloader(() => {
    if (state.win !== null) reloadRenderer(state.win).catch(() => log.error('shell.reload.failed'))
  })
  services.events.onAny((event, payload) => {
    forward(event, payload)
    reloadOnLock(event, payload)
  })

  const win = createMainWindow({ BrowserWindow, preloadPath: paths.preload, isPackaged: app.isPackaged, log })
  state.win = win
  win.on('closed', () => {
    state.win = null
  })
  log.info('shell.started', { packaged: app.isPackaged, keyVault: keyVault.backend })
}
