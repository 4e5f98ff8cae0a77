import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as base, expect, type Page } from '@playwright/test'

export { expect }

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const HOST_ENTRY = path.join(ROOT, 'src-main', 'browser-host', 'main.ts')
const READY_LINE = /^Chevet workstation: (http:\/\/127\.0\.0\.1:(\d+))\/#token=([0-9a-f]{64})$/m
const START_TIMEOUT_MS = 30_000

/** A running browser host: the real main services behind the page, in a fresh data directory. */
export interface Host {
  /** The address the host printed, token included. */
  readonly url: string
  readonly origin: string
  readonly port: number
  readonly token: string
  readonly dataDir: string
  /** The database key given through CHEVET_DB_KEY, to restart on the same data. */
  readonly dbKey: string
  /** Stops the process (SIGTERM, then SIGKILL); the data directory is kept for a restart. */
  stop(): Promise<void>
}

export interface HostOptions {
  /** Reuse a data directory (and its database key) instead of a fresh one. */
  dataDir?: string
  dbKey?: string
  port?: number
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** Starts `node --import tsx src-main/browser-host/main.ts` and waits for its one ready line. */
export async function startHost(options: HostOptions = {}): Promise<Host> {
  if (!existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('out/renderer/index.html is missing: build the renderer first (npm run build) before the e2e tests.')
  }
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'chevet-e2e-'))
  const env: NodeJS.ProcessEnv = {}
  // The host must not pick up a developer's configuration: only what the test chooses.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CHEVET_')) env[key] = value
  env.CHEVET_DATA_DIR = dataDir
  const dbKey = options.dbKey ?? randomBytes(32).toString('hex')
  env.CHEVET_DB_KEY = dbKey
  if (options.port !== undefined) env.CHEVET_PORT = String(options.port)

  const child = spawn(process.execPath, ['--import', 'tsx', HOST_ENTRY], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })

  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      // The ready line carries the token: never quote stdout, only stderr.
      reject(new Error(`browser host ${why}\n--- stderr ---\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`printed no ready line within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS)
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk
      const match = READY_LINE.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match)
      }
    })
    child.once('exit', (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`))
    child.once('error', (error) => fail(`could not start: ${error.message}`))
  })
  child.removeAllListeners('exit')

  const [line, origin, port, token] = ready
  return {
    url: line.slice('Chevet workstation: '.length),
    origin: origin!,
    port: Number(port),
    token: token!,
    dataDir,
    dbKey,
    async stop() {
      child.kill('SIGTERM')
      if (!(await waitForExit(child, 5000))) {
        child.kill('SIGKILL')
        await waitForExit(child, 5000)
      }
    },
  }
}

/** What the page reported that a user should never cause: console errors, uncaught errors, CSP violations. */
export interface PageProblems {
  readonly errors: string[]
  readonly warnings: string[]
  /** CSP violations seen by the page itself (securitypolicyviolation events). */
  cspViolations(): Promise<string[]>
}

// Runs in the page before its own scripts; kept as text because this side type-checks without the DOM library.
const CSP_WATCH = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.effectiveDirective + ' blocked ' + (event.blockedURI || '(inline)'));
  });
`

export function watchProblems(page: Page): PageProblems {
  const errors: string[] = []
  const warnings: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
    if (message.type() === 'warning') warnings.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  void page.addInitScript({ content: CSP_WATCH })
  return {
    errors,
    warnings,
    cspViolations: async () => (await page.evaluate('window.__cspViolations ?? []')) as string[],
  }
}

/** One browser host per worker (the config runs a single worker), its data directory removed afterwards. */
export const test = base.extend<{ problems: PageProblems }, { host: Host }>({
  host: [
    async ({}, use) => {
      const host = await startHost()
      try {
        await use(host)
      } finally {
        await host.stop()
        rmSync(host.dataDir, { recursive: true, force: true })
      }
    },
    { scope: 'worker' },
  ],
  problems: async ({ page }, use) => {
    await use(watchProblems(page))
  },
})
