import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import AxeBuilder from '@axe-core/playwright'
import { test as base, expect, type Page } from '@playwright/test'
import WebSocket from 'ws'
import { HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX } from '../../src-main/contract'
import { DEFAULT_SEED } from '../../src-main/training/hospital'
import { buildStaff } from '../../src-main/training/hospital/staff'

export { expect }

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const HOST_ENTRY = path.join(ROOT, 'src-main', 'browser-host', 'main.ts')
const CLI_ENTRY = path.join(ROOT, 'bin', 'chevet.mjs')
const READY_LINE = /^Chevet workstation: (http:\/\/127\.0\.0\.1:(\d+))\/#token=([0-9a-f]{64})$/m
const CENTRAL_READY_LINE = /^Centrale de formation : (http:\/\/127\.0\.0\.1:(\d+)\/fhir)$/m
// The host now starts the in-process training central (hospital, cards, FHIR server) before it is ready.
const START_TIMEOUT_MS = 90_000
const CENTRAL_START_TIMEOUT_MS = 120_000

/**
 * Where the built renderer is: out/renderer, or CHEVET_E2E_RENDERER_DIR for a private build (so a run does not
 * depend on, or race with, someone else rebuilding out/).
 */
function rendererDir(): string {
  return process.env.CHEVET_E2E_RENDERER_DIR ? path.resolve(process.env.CHEVET_E2E_RENDERER_DIR) : path.join(ROOT, 'out', 'renderer')
}

/** The environment of a child process, without any CHEVET_ setting of the developer running the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CHEVET_')) env[key] = value
  return env
}

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
  /** Extra CHEVET_ settings (e.g. CHEVET_CENTRAL_URL and CHEVET_TRAINING_DIR for a separate central). */
  env?: Record<string, string>
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
  const renderer = rendererDir()
  if (!existsSync(path.join(renderer, 'index.html'))) {
    throw new Error(`${renderer}/index.html is missing: build the renderer first (npm run build) before the e2e tests.`)
  }
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'chevet-e2e-'))
  // The host must not pick up a developer's configuration: only what the test chooses.
  const env = cleanEnv()
  env.CHEVET_DATA_DIR = dataDir
  // The in-process training central with fewer past patients: the same wards and inpatients, a faster start.
  env.CHEVET_TRAINING_SIZE = 'small'
  if (process.env.CHEVET_E2E_RENDERER_DIR) env.CHEVET_RENDERER_DIR = renderer
  Object.assign(env, options.env ?? {})
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

/** A free TCP port on 127.0.0.1 (closed again at once; the caller binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/**
 * The training central as its own process (`chevet training serve`), so that a test can stop it under a running
 * workstation and start it again on the same port, with the same CA and cards (its --dir).
 */
export interface TrainingCentralProcess {
  /** `http://127.0.0.1:PORT/fhir` */
  readonly fhirUrl: string
  readonly tokenUrl: string
  readonly port: number
  /** The training folder: CA certificate, virtual cards (shared with the workstation through CHEVET_TRAINING_DIR). */
  readonly dir: string
  readonly running: boolean
  /** SIGTERM, then SIGKILL if it lingers. */
  stop(): Promise<void>
  /** Starts it again on the same port and folder; resolves once it prints its address. */
  restart(): Promise<void>
}

async function spawnCentral(port: number, dir: string): Promise<{ child: ChildProcess; fhirUrl: string }> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'training', 'serve', '--port', String(port), '--dir', dir], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8')
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (chunk: string) => {
    // Keeps the tail only; it lists the training cards' PINs, which are fictitious and printed on purpose.
    stderr = (stderr + chunk).slice(-4000)
  })
  const fhirUrl = await new Promise<string>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`training central ${why}\n--- stderr ---\n${stderr}`))
    }
    const timer = setTimeout(() => fail(`printed no address within ${CENTRAL_START_TIMEOUT_MS / 1000} s`), CENTRAL_START_TIMEOUT_MS)
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk
      const match = CENTRAL_READY_LINE.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code, signal) => fail(`exited before it was ready (code ${code}, signal ${signal})`))
    child.once('error', (error) => fail(`could not start: ${error.message}`))
  })
  child.removeAllListeners('exit')
  return { child, fhirUrl }
}

export async function startTrainingCentralProcess(options: { dir?: string; port?: number } = {}): Promise<TrainingCentralProcess> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'chevet-e2e-central-'))
  const port = options.port ?? (await freePort())
  let current: ChildProcess | null = (await spawnCentral(port, dir)).child
  const fhirUrl = `http://127.0.0.1:${port}/fhir`
  return {
    fhirUrl,
    tokenUrl: `http://127.0.0.1:${port}/auth/token`,
    port,
    dir,
    get running() {
      return current !== null
    },
    async stop() {
      const child = current
      current = null
      if (!child) return
      child.kill('SIGTERM')
      if (!(await waitForExit(child, 5000))) {
        child.kill('SIGKILL')
        await waitForExit(child, 5000)
      }
    },
    async restart() {
      if (current) throw new Error('the training central is still running')
      current = (await spawnCentral(port, dir)).child
    },
  }
}

/** The demo staff of the training hospital, as its generator defines them (names, PINs, units). */
export const DEMO_STAFF = buildStaff(DEFAULT_SEED).staff

export function staffMember(key: string): (typeof DEMO_STAFF)[number] {
  const member = DEMO_STAFF.find((candidate) => candidate.key === key)
  if (!member) throw new Error(`no demo staff member ${key}`)
  return member
}

/** Chooses the holder's virtual card on the sign-in screen (by the holder's name in the card list). */
export async function chooseCard(page: Page, key: string): Promise<void> {
  const member = staffMember(key)
  const select = page.getByLabel('Carte', { exact: true })
  const option = select.locator('option', { hasText: `${member.givenName} ${member.familyName}` })
  await expect(option).toHaveCount(1, { timeout: 15_000 })
  await select.selectOption((await option.getAttribute('value'))!)
}

/** Signs in with a demo staff member's virtual card and waits for the census. */
export async function signIn(page: Page, key: string): Promise<void> {
  await chooseCard(page, key)
  await page.getByLabel('Code porteur (PIN)').fill(staffMember(key).pin)
  await page.getByRole('button', { name: 'Se connecter avec la carte' }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible({ timeout: 30_000 })
}

/**
 * One RPC call to a host from Node, over the same WebSocket as the page (token in the subprotocol). The session
 * lives in the host, not in the page: tests that sign in call `auth.signOut` this way so the next test starts
 * signed out whatever state its page was left in.
 */
export function hostRpc(host: Host, method: string, params: unknown = {}): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${host.origin.replace(/^http/, 'ws')}/rpc`, [HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX + host.token], {
      origin: host.origin,
    })
    const timer = setTimeout(() => {
      socket.terminate()
      reject(new Error(`no answer to ${method}`))
    }, 15_000)
    socket.once('open', () => socket.send(JSON.stringify({ id: 1, method, params })))
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { id?: number; response?: { ok: boolean } }
      if (frame.id !== 1 || !frame.response) return
      clearTimeout(timer)
      socket.close()
      resolve(frame.response)
    })
    socket.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

/** axe-core findings of impact serious or critical (WCAG 2.2 AA and best practices), as readable lines. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/**
 * Reads the central's FHIR API as a demo staff member, with an access token obtained the way the workstation
 * obtains one: the virtual card from the training folder signs an RFC 7523 assertion, exchanged at /auth/token.
 */
export async function readCentralAs(central: TrainingCentralProcess, key: string, query: string): Promise<unknown> {
  const { createVirtualCardProvider, loadTrainingPki } = await import('../../src-main/training/pki')
  const { createCentralLogin } = await import('../../src-main/auth/central-login')
  const cards = createVirtualCardProvider({ pki: await loadTrainingPki(central.dir), allowed: true })
  const session = await cards.login(`virtual:${key}`, new TextEncoder().encode(staffMember(key).pin))
  const login = createCentralLogin({ tokenUrl: central.tokenUrl, session })
  try {
    await login.login()
    const response = await fetch(`${central.fhirUrl}/${query}`, {
      headers: { authorization: `Bearer ${await login.token()}`, accept: 'application/fhir+json' },
    })
    if (!response.ok) throw new Error(`the central answered ${response.status} to ${query.split('?')[0]}`)
    return await response.json()
  } finally {
    login.close()
    await session.close()
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

/**
 * One browser host per worker (the config runs a single worker), its data directory removed afterwards.
 * `central` + `workstation`: a training central in its own process and a browser host that uses it
 * (CHEVET_CENTRAL_URL, CHEVET_TRAINING_DIR), for tests that stop and restart the central under the workstation.
 */
export const test = base.extend<
  { problems: PageProblems },
  { host: Host; central: TrainingCentralProcess; workstation: Host }
>({
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
    { scope: 'worker', timeout: START_TIMEOUT_MS + 10_000 },
  ],
  central: [
    async ({}, use) => {
      const central = await startTrainingCentralProcess()
      try {
        await use(central)
      } finally {
        await central.stop()
        rmSync(central.dir, { recursive: true, force: true })
      }
    },
    { scope: 'worker', timeout: CENTRAL_START_TIMEOUT_MS + 10_000 },
  ],
  workstation: [
    async ({ central }, use) => {
      const host = await startHost({ env: { CHEVET_CENTRAL_URL: central.fhirUrl, CHEVET_TRAINING_DIR: central.dir } })
      try {
        await use(host)
      } finally {
        await host.stop()
        rmSync(host.dataDir, { recursive: true, force: true })
      }
    },
    { scope: 'worker', timeout: START_TIMEOUT_MS + 10_000 },
  ],
  problems: async ({ page }, use) => {
    await use(watchProblems(page))
  },
})
