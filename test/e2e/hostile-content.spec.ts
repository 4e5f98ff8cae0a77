import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { test as base, expect, hostRpc, ROOT, signIn, startHost, watchProblems, type Host } from './fixtures'
import BetterSqlite3 from 'better-sqlite3-multiple-ciphers'
import { HOSTILE_PATIENT_ID, HOSTILE_SEARCH_WORD, OVERSIZE_CHARS, OVERSIZE_REPORT_ID, PAYLOADS, WRONG_TYPES_PATIENT_ID } from './support/hostile-resources'

/*
 * Issue 10, hostile central content (docs/security.md §3). A training central in its own process carries, besides
 * the small hospital, one patient whose name, problems, report, laboratory result and note are made of markup,
 * `javascript:` URLs and script payloads, a 10 MB report conclusion and resources of the wrong types
 * (support/hostile-resources.ts). The workstation uses it through CHEVET_CENTRAL_URL and CHEVET_TRAINING_DIR, so
 * no product code knows about the test. Card: 'medecin' (no wrong PIN).
 */

const DOCTOR = 'medecin'
const CENTRAL_READY = /^Centrale de formation : (http:\/\/127\.0\.0\.1:\d+\/fhir)$/m
const HOSTILE_CENTRAL = path.join(ROOT, 'test', 'e2e', 'support', 'hostile-central.ts')

interface HostileCentral {
  fhirUrl: string
  dir: string
  stop(): Promise<void>
}

async function startHostileCentral(): Promise<HostileCentral> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-e2e-hostile-'))
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CHEVET_')) env[key] = value
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', HOSTILE_CENTRAL, dir], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  const fhirUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`hostile central printed no address\n${stderr}`))
    }, 150_000)
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const match = CENTRAL_READY.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`hostile central exited (${code})\n${stderr}`))
    })
  })
  child.removeAllListeners('exit')
  return {
    fhirUrl,
    dir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const test = base.extend<object, { hostileHost: Host }>({
  hostileHost: [
    async ({}, use) => {
      const central = await startHostileCentral()
      try {
        const host = await startHost({ env: { CHEVET_CENTRAL_URL: central.fhirUrl, CHEVET_TRAINING_DIR: central.dir } })
        try {
          await use(host)
        } finally {
          await host.stop()
          rmSync(host.dataDir, { recursive: true, force: true })
        }
      } finally {
        await central.stop()
      }
    },
    { scope: 'worker', timeout: 260_000 },
  ],
})

/** Everything that would say a payload ran: the flag, dialogs, and CSP violations the page itself saw. */
async function pwned(page: Page): Promise<unknown> {
  return page.evaluate('window.__pwned')
}

/** textContent: the characters as the DOM holds them, before CSS (text-transform) changes how they show. */
function domText(locator: Locator): Promise<string> {
  return locator.evaluate((element) => element.textContent ?? '')
}

test.describe('hostile central content', () => {
  test.afterEach(async ({ hostileHost }) => {
    await hostRpc(hostileHost, 'auth.signOut')
  })

  test('markup and javascript: URLs from the central show as text in census, search and chart; no script runs', async ({ page, hostileHost }) => {
    test.setTimeout(180_000)
    const problems = watchProblems(page)
    const dialogs: string[] = []
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`)
      void dialog.dismiss()
    })
    await page.goto(hostileHost.url)
    await signIn(page, DOCTOR)

    // Census: the row of the hostile patient, its name the literal characters, no element made from them.
    const row = page.locator(`tbody tr[data-patient-id="${HOSTILE_PATIENT_ID}"]`)
    await expect(row).toBeVisible({ timeout: 90_000 })
    const link = row.getByRole('link')
    // The DOM text (what CSS may restyle aside); family names are shown in capitals, as French records write them.
    expect(await domText(link)).toContain(`${PAYLOADS.family.toUpperCase()} ${PAYLOADS.given}`)
    await expect(row.locator('img, script, iframe, svg')).toHaveCount(0)

    // Search: the same text in the result list.
    await page.getByRole('heading', { level: 1 }).click()
    await page.keyboard.press('Control+k')
    const search = page.getByRole('combobox', { name: 'Rechercher un patient' })
    await search.fill(HOSTILE_SEARCH_WORD.toLowerCase())
    const option = page.getByRole('listbox', { name: 'Patients trouvés' }).getByRole('option').first()
    await expect(option).toBeVisible()
    expect(await domText(option)).toContain(PAYLOADS.family.toUpperCase())
    await expect(option.locator('img, script')).toHaveCount(0)
    await search.press('Enter')

    // Chart: banner, problems, report, laboratory result, note.
    const heading = page.getByRole('heading', { level: 1 })
    await expect.poll(() => domText(heading)).toContain(PAYLOADS.family.toUpperCase())
    const main = page.locator('main')
    await expect(main.getByText(PAYLOADS.condition, { exact: false }).first()).toBeVisible({ timeout: 30_000 })
    const results = page.locator('[data-panel="results"]')
    await expect(results).toContainText(PAYLOADS.conclusion, { timeout: 30_000 })
    await expect(results).toContainText(PAYLOADS.reportLabel)
    const notes = page.getByRole('region', { name: 'Notes et transmissions' })
    await expect(notes).toContainText(PAYLOADS.noteEscaped, { timeout: 30_000 })
    // Nothing of the hostile markup became an element, and no link leads to javascript:.
    await expect(main.locator('script, iframe, svg[onload], img[onerror], [onmouseover]')).toHaveCount(0)
    const hrefs = await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))
    expect(hrefs.filter((href) => /^\s*javascript:/i.test(href))).toEqual([])

    // Give event-driven payloads (onerror, onload) time to fire if they had been parsed.
    await page.waitForTimeout(1000)
    expect(await pwned(page)).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(await problems.cspViolations()).toEqual([])
    expect(problems.errors).toEqual([])
    // The page is still usable: back to the census.
    await page.getByRole('link', { name: /Mes patients/ }).first().click()
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible()
  })

  test('the 10 MB conclusion and the resources of the wrong types are refused by the cache, with a logged reason', async ({ page, hostileHost }) => {
    test.setTimeout(120_000)
    await page.goto(hostileHost.url)
    await signIn(page, DOCTOR)
    const log = path.join(hostileHost.dataDir, 'logs', 'chevet.log')
    // The chart sync of the hostile patient ran (in the first test or now).
    await expect
      .poll(() => readFileSync(log, 'utf8').includes('"resourceType":"DiagnosticReport","reason":"too-large"'), { timeout: 60_000 })
      .toBe(true)
    const refusals = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.includes('sync.resource.refused'))
    console.log(`hostile content: ${refusals.length} refusal lines in the log`)
    expect(refusals.some((line) => line.includes('"reason":"too-large"'))).toBe(true)
    // The log names type and reason, never the content.
    expect(refusals.join('\n')).not.toContain('AAAA')

    const chart = await hostRpc(hostileHost, 'chart.open', { patientId: HOSTILE_PATIENT_ID })
    expect(chart.ok, chart.error?.message).toBe(true)
    expect(JSON.stringify(chart.value)).not.toContain(OVERSIZE_REPORT_ID)
    // The cache never held the ten million characters: read with the key, as a peer would.
    const db = new BetterSqlite3(path.join(hostileHost.dataDir, 'chevet.db'), { readonly: true, fileMustExist: true })
    try {
      db.pragma(`cipher = 'sqlcipher'`)
      db.pragma('legacy = 4')
      db.pragma(`key = "x'${hostileHost.dbKey}'"`)
      expect(db.prepare('SELECT count(*) AS n FROM health_resource WHERE id = ?').get(OVERSIZE_REPORT_ID)).toEqual({ n: 0 })
      expect(db.prepare("SELECT count(*) AS n FROM health_resource WHERE id = 'dr-hostile'").get()).toEqual({ n: 1 })
      const largest = db.prepare('SELECT max(length(json)) AS n FROM health_resource').get() as { n: number }
      expect(largest.n).toBeLessThan(OVERSIZE_CHARS / 10)
    } finally {
      db.close()
    }

    // The patient whose resources have the wrong types: whatever they break, the chart opens and says so in words.
    await page.goto(hostileHost.url)
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible({ timeout: 30_000 })
    await page.locator(`tbody tr[data-patient-id="${WRONG_TYPES_PATIENT_ID}"]`).getByRole('link').click()
    await expect(page.getByRole('heading', { level: 1 })).toContainText('TYPESFAUX', { ignoreCase: true })
    const results = page.locator('[data-panel="results"]')
    await expect(results).toBeVisible()
    console.log(`hostile content: results panel of the wrong-types patient reads « ${(await results.innerText()).replace(/\s+/g, ' ').slice(0, 200)} »`)
    // Wrongly typed elements read as missing: the panel shows what is sound, not an internal error.
    await expect(results).not.toContainText('erreur interne')
    expect(await pwned(page)).toBeUndefined()
    // And the page is still usable.
    await page.getByRole('link', { name: /Mes patients/ }).first().click()
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible()
  })
})
