import type { Bundle, CapabilityStatement, Encounter } from '@medplum/fhirtypes'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCardAssertion } from '../../src-main/auth/assertion'
import { createVirtualCardProvider, loadTrainingPki } from '../../src-main/training/pki'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const launcher = path.join(root, 'bin', 'chevet.mjs')
const STARTUP_LIMIT_MS = 90_000
const STOP_LIMIT_MS = 20_000

interface Running {
  child: ChildProcessWithoutNullStreams
  stdout: string
  stderr: string
  exited: Promise<number | null>
}

let dir: string
let running: Running | null = null

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHEVET_')))
}

function start(args: string[]): Running {
  const child = spawn(process.execPath, [launcher, ...args], { cwd: dir, env: cleanEnv() })
  const run: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (code) => resolve(code))
    }),
  }
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (run.stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk))
  return run
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Waits for the line the command prints once it serves, or fails when the process ends or the limit passes. */
async function waitForLine(run: Running, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + STARTUP_LIMIT_MS
  let exited = false
  void run.exited.then(() => (exited = true))
  for (;;) {
    const match = run.stdout.match(pattern)
    if (match) return match
    if (exited) throw new Error(`the command ended before serving: ${run.stderr}`)
    if (Date.now() > deadline) throw new Error(`no "${pattern.source}" after ${STARTUP_LIMIT_MS} ms: ${run.stderr}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-cli-training-'))
})

afterEach(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL')
    await within(running.exited, STOP_LIMIT_MS, 'kill').catch(() => undefined)
  }
  running = null
  rmSync(dir, { recursive: true, force: true })
})

describe('chevet training serve', () => {
  it('serves the default hospital, hands its cards to another process, and stops cleanly on SIGTERM', async () => {
    const trainingDir = path.join(dir, 'formation')
    const began = Date.now()
    running = start(['training', 'serve', '--port', '0', '--dir', trainingDir])
    const [, fhirUrl] = (await waitForLine(running, /^Centrale de formation : (http:\/\/127\.0\.0\.1:\d+\/fhir)\n/m)) as [
      string,
      string,
    ]
    console.info(`chevet training serve (default hospital) ready after ${Date.now() - began} ms`)
    expect(running.stdout.trim().split('\n')).toHaveLength(1)

    const metadata = await fetch(`${fhirUrl}/metadata`, { signal: AbortSignal.timeout(15_000) })
    expect(metadata.status).toBe(200)
    expect(((await metadata.json()) as CapabilityStatement).resourceType).toBe('CapabilityStatement')

    // What it wrote for a workstation: the CA, the cards, where the central is.
    expect(readFileSync(path.join(trainingDir, 'ca.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/)
    expect(readdirSync(path.join(trainingDir, 'cards')).sort()).toContain('infirmier.json')
    const central = JSON.parse(readFileSync(path.join(trainingDir, 'central.json'), 'utf8')) as Record<string, string>
    expect(central.fhirUrl).toBe(fhirUrl)
    const cardLines = running.stderr.split('\n').filter((line) => line.startsWith('Cartes virtuelles : '))
    expect(cardLines.length).toBeGreaterThanOrEqual(7)
    expect(cardLines.some((line) => /Anaïs PERRIN .*\(infirmier\) — PIN \d{4}$/.test(line))).toBe(true)

    // A workstation in this process signs in with a card from the folder and reads the census of its unit.
    const cards = createVirtualCardProvider({ pki: await loadTrainingPki(trainingDir), allowed: true })
    const pin = cardLines.find((line) => line.includes('(infirmier)'))?.match(/PIN (\d+)$/)?.[1] ?? ''
    const session = await cards.login('virtual:infirmier', new TextEncoder().encode(pin))
    const assertion = await createCardAssertion({ session, audience: central.tokenUrl as string })
    await session.close()
    const tokenResponse = await fetch(central.tokenUrl as string, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(15_000),
    })
    expect(tokenResponse.status).toBe(200)
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string }
    const census = await fetch(`${fhirUrl}/Encounter?status=in-progress&location=Location/loc-cardio`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    })
    expect(census.status).toBe(200)
    expect(((await census.json()) as Bundle<Encounter>).total).toBeGreaterThanOrEqual(30)

    const stopping = Date.now()
    running.child.kill('SIGTERM')
    expect(await within(running.exited, STOP_LIMIT_MS, 'SIGTERM')).toBe(0)
    console.info(`chevet training serve stopped ${Date.now() - stopping} ms after SIGTERM`)
    expect(running.stderr).toContain('Centrale de formation arrêtée.')
    await expect(fetch(`${fhirUrl}/metadata`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow()
    // Nothing of a PIN, token or assertion in what was logged on stderr besides the training cards' list.
    expect(running.stderr).not.toContain(token)
  })

  it('refuses a bad port with a French message and exit code 2, before starting anything', async () => {
    running = start(['training', 'serve', '--port', 'quatre-vingts', '--dir', path.join(dir, 'x')])
    expect(await within(running.exited, 30_000, 'bad port')).toBe(2)
    expect(running.stderr).toContain('port invalide')
    expect(running.stdout).toBe('')
    expect(existsSync(path.join(dir, 'x'))).toBe(false)
  })

  it('explains itself in French', async () => {
    running = start(['help', 'training', 'serve'])
    expect(await within(running.exited, 30_000, 'help')).toBe(0)
    expect(running.stdout).toContain('Usage : chevet training serve [--port P] [--dir DOSSIER]')
    running = start(['help'])
    expect(await within(running.exited, 30_000, 'help')).toBe(0)
    expect(running.stdout).toMatch(/training serve \[--port P\] \[--dir DOSSIER\]\s+lance la centrale de formation/)
  })
})
