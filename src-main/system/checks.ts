import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Check, CheckId, CheckStatus } from '../contract'

/** Every outcome the renderer translates (`diagnostics.outcome.<code>`): adding one means adding its strings. */
export const OUTCOME_CODES = [
  'electron.present',
  'electron.missing',
  'keyVault.safeStorage',
  'keyVault.file',
  'keyVault.env',
  'keyVault.refused',
  'database.ok',
  'database.failed',
  'pkcs11.found',
  'pkcs11.missing',
  'central.reachable',
  'central.unreachable',
  'central.training',
  'chromium.found',
  'chromium.missing',
] as const
export type OutcomeCode = (typeof OUTCOME_CODES)[number]

type CodeOf<Id extends CheckId> = Extract<OutcomeCode, `${Id}.${string}`>

const DETAIL_MAX = 1000

export function check<Id extends CheckId>(
  id: Id,
  status: CheckStatus,
  required: boolean,
  code: CodeOf<Id>,
  detail: string,
): Check {
  const short = detail.length > DETAIL_MAX ? detail.slice(0, DETAIL_MAX - 1) + '…' : detail
  return { id, status, required, code, detail: short }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile()
  } catch {
    return false
  }
}

function defaultElectronDir(): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return null
  }
}

export interface ElectronProbe {
  versions?: NodeJS.ProcessVersions
  /** Directory of the `electron` npm package, or null when it is not installed. */
  electronDir?: () => string | null
  env?: NodeJS.ProcessEnv
}

/** Not required: the browser host serves the same workstation without the Electron runtime. */
export function checkElectron(probe: ElectronProbe = {}): Check {
  const versions = probe.versions ?? process.versions
  if (versions.electron) return check('electron', 'ok', false, 'electron.present', `Electron ${versions.electron}`)

  const dir = (probe.electronDir ?? defaultElectronDir)()
  if (dir === null) return check('electron', 'warn', false, 'electron.missing', 'paquet npm electron absent')

  // Same lookup as electron's own index.js, which the launcher uses.
  const pathTxt = path.join(dir, 'path.txt')
  const install = `node ${path.join(dir, 'install.js')}`
  if (!existsSync(pathTxt)) return check('electron', 'warn', false, 'electron.missing', `${pathTxt} absent (${install})`)
  const executable = readFileSync(pathTxt, 'utf8').trim()
  const distDir = (probe.env ?? process.env).ELECTRON_OVERRIDE_DIST_PATH || path.join(dir, 'dist')
  const binary = path.join(distDir, executable || 'electron')
  if (!isFile(binary)) {
    return check('electron', 'warn', false, 'electron.missing', `${binary} absent (${install})`)
  }
  let version = '?'
  try {
    version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?'
  } catch {
    // the binary is what matters; the version is only informative
  }
  return check('electron', 'ok', false, 'electron.present', `Electron ${version} (${binary})`)
}

/** Optional: without a Cryptolib the workstation still runs (virtual cards in training, e-CPS). */
export function checkPkcs11(modules: readonly string[]): Check {
  const found = modules.filter(isFile)
  if (found.length > 0) return check('pkcs11', 'ok', false, 'pkcs11.found', found.join(', '))
  const searched = modules.length > 0 ? modules.join(', ') : 'aucun chemin configuré'
  return check('pkcs11', 'warn', false, 'pkcs11.missing', `cherché : ${searched}`)
}

/** Usual Chromium/Chrome locations, in order of preference. */
export function chromiumCandidates(platform: NodeJS.Platform = process.platform, env = process.env): string[] {
  if (platform === 'win32') {
    const programFiles = env.ProgramFiles ?? 'C:\\Program Files'
    const programFilesX86 = env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)'
    const local = env.LOCALAPPDATA ? [path.win32.join(env.LOCALAPPDATA, 'Chromium', 'Application', 'chrome.exe')] : []
    return [
      ...local,
      path.win32.join(programFiles, 'Chromium', 'Application', 'chrome.exe'),
      path.win32.join(programFiles, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      path.win32.join(programFilesX86, 'Google', 'Chrome', 'Application', 'chrome.exe'),
    ]
  }
  if (platform === 'darwin') {
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    ]
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']
}

/**
 * Optional: Chromium serves the browser host and the end-to-end tests. A configured path is the one
 * that will be launched, so it alone is checked.
 */
export function checkChromium(configured: string | null, candidates: readonly string[] = chromiumCandidates()): Check {
  const paths = configured ? [configured] : candidates
  const found = paths.find(isFile)
  if (found) return check('chromium', 'ok', false, 'chromium.found', found)
  return check('chromium', 'warn', false, 'chromium.missing', `cherché : ${paths.join(', ')}`)
}

// Credentials are dropped: fetch refuses them and quotes them in its error, and the central authenticates by token.
function metadataUrl(centralUrl: string): string {
  const url = new URL(centralUrl)
  url.username = ''
  url.password = ''
  url.search = ''
  url.hash = ''
  url.pathname = url.pathname.replace(/\/+$/, '') + '/metadata'
  return url.toString()
}

function failureReason(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `pas de réponse en ${timeoutMs / 1000} s`
  if (err.cause?.code) return err.cause.code
  return err.cause?.message ?? err.message ?? String(error)
}

/** Required: without its central (or the embedded training one) the workstation has no patient to show. */
export async function checkCentral(
  centralUrl: string | null,
  options: { trainingDir?: string | null; timeoutMs?: number } = {},
): Promise<Check> {
  const timeoutMs = options.timeoutMs ?? 3000
  if (centralUrl === null) return check('central', 'ok', true, 'central.training', options.trainingDir ?? '')

  const unreachable = (shown: string, reason: string): Check =>
    check('central', 'fail', true, 'central.unreachable', `${shown} : ${reason}`)
  let metadata: string
  try {
    metadata = metadataUrl(centralUrl)
  } catch {
    return unreachable('(URL invalide)', 'URL du DPI central invalide')
  }
  let response: Response
  try {
    response = await fetch(metadata, {
      headers: { accept: 'application/fhir+json' },
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    return unreachable(metadata, failureReason(error, timeoutMs))
  }
  if (!response.ok) {
    await response.body?.cancel()
    return unreachable(metadata, `HTTP ${response.status}`)
  }
  let body: { resourceType?: unknown; fhirVersion?: unknown }
  try {
    body = (await response.json()) as typeof body
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError'
    return unreachable(metadata, timedOut ? failureReason(error, timeoutMs) : 'réponse non JSON')
  }
  if (body?.resourceType !== 'CapabilityStatement') return unreachable(metadata, 'pas de CapabilityStatement FHIR')
  const fhirVersion = typeof body.fhirVersion === 'string' ? body.fhirVersion.slice(0, 20) : '?'
  return check('central', 'ok', true, 'central.reachable', `${metadata} — FHIR ${fhirVersion}`)
}
