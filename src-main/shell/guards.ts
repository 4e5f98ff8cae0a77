import type { App, Session, WebContents } from 'electron'
import type { Logger } from '../log'
import { isAppUrl } from './app-protocol'

/**
 * Sites a link in the workstation may open in the system browser (the host or any subdomain).
 * Health-administration references only: anything else is refused.
 */
export const DEFAULT_EXTERNAL_HOSTS: readonly string[] = [
  'esante.gouv.fr',
  'ameli.fr',
  'has-sante.fr',
  'legifrance.gouv.fr',
]

function parse(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/**
 * The URL to hand to the system browser, or null when it must stay closed:
 * https only, default port, no credentials, host in the allow-list or a subdomain of one of its entries.
 */
export function externalUrlToOpen(url: string, allowedHosts: readonly string[]): string | null {
  const parsed = parse(url)
  if (parsed === null || parsed.protocol !== 'https:') return null
  if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return null
  const host = parsed.hostname.toLowerCase()
  const allowed = allowedHosts.some((entry) => {
    const wanted = entry.toLowerCase()
    return host === wanted || host.endsWith(`.${wanted}`)
  })
  return allowed ? parsed.href : null
}

/** What may appear in a log about a refused URL: its scheme and host, never its path (it can name a patient). */
export function originForLog(url: string): string {
  const parsed = parse(url)
  if (parsed === null) return '(invalid)'
  return parsed.host ? `${parsed.protocol}//${parsed.host}` : parsed.protocol
}

export interface ContentsGuardDeps {
  /** `shell.openExternal`, injected so that the guards can be tested without Electron. */
  openExternal: (url: string) => Promise<void>
  allowedHosts: readonly string[]
  log: Logger
}

/**
 * Locks a web contents to the app origin: navigation and redirects elsewhere are cancelled, new windows
 * are always refused (allow-listed https links go to the system browser), `<webview>` cannot attach.
 */
export function hardenWebContents(contents: WebContents, deps: ContentsGuardDeps): void {
  const { openExternal, allowedHosts, log } = deps

  contents.on('will-navigate', (event, url) => {
    const target = event.url || url
    if (isAppUrl(target)) return
    event.preventDefault()
    log.warn('shell.navigation.blocked', { kind: 'navigate', target: originForLog(target) })
  })

  contents.on('will-redirect', (event, url) => {
    const target = event.url || url
    if (isAppUrl(target)) return
    event.preventDefault()
    log.warn('shell.navigation.blocked', { kind: 'redirect', target: originForLog(target) })
  })

  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    log.warn('shell.webview.blocked')
  })

  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url, allowedHosts)
    if (external === null) {
      log.warn('shell.window-open.denied', { target: originForLog(url) })
    } else {
      openExternal(external).catch(() => log.warn('shell.open-external.failed', { target: originForLog(external) }))
    }
    return { action: 'deny' }
  })
}

/** Every web contents the app ever creates is hardened, including ones nobody planned for. */
export function installContentsHooks(app: App, deps: ContentsGuardDeps): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, deps))
}

/** No camera, microphone, geolocation, notifications, HID, serial, USB…: the renderer asks main for everything. */
export function installPermissionGuards(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
  session.setDevicePermissionHandler(() => false)
}
