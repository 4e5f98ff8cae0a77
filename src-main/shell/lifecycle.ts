import type { App, BrowserWindow } from 'electron'
import type { Logger } from '../log'

/** A second launch brings the running workstation to the front instead of opening a second store. */
export function focusWindow(win: Pick<BrowserWindow, 'isDestroyed' | 'isMinimized' | 'restore' | 'focus'> | null): void {
  if (win === null || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  win.focus()
}

/**
 * Holds the quit until the services are closed (database checkpointed, outbox flushed), then lets it go.
 * A failing close is logged, never a reason to stay open.
 */
export function installQuitHandler(app: Pick<App, 'on' | 'quit'>, close: () => Promise<void>, log: Logger): void {
  let state: 'running' | 'closing' | 'closed' = 'running'
  app.on('will-quit', (event) => {
    if (state === 'closed') return
    event.preventDefault()
    if (state === 'closing') return
    state = 'closing'
    close()
      .catch((error: unknown) => log.error('shell.close.failed', { error: error instanceof Error ? error.name : 'unknown' }))
      .finally(() => {
        state = 'closed'
        app.quit()
      })
  })
}
