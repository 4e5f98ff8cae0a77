import type { Page } from '@playwright/test'
import { expect, hostRpc, seriousViolations, signIn, staffMember, test } from './fixtures'

/**
 * Results, plan de soins, keyboard shortcuts and the 1366×768 sweep (issue 7). Cards: 'medecin' and 'infirmier'
 * (shared with other specs: no wrong PIN here). The heart-rate trend with its points and its screenshot is checked
 * in news2.spec.ts (one place); here the laboratory trend and its reference band.
 */

async function signInWithCensus(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url)
  await signIn(page, key)
  await expect(page.locator('tbody tr[data-patient-id]').first()).toBeVisible({ timeout: 60_000 })
}

/** Opens the chart of the cardiology patient the training guide names (heart failure, labs and imaging). */
async function openDurand(page: Page): Promise<void> {
  await page.locator('tbody tr[data-patient-id]', { hasText: 'DURAND' }).first().getByRole('link').click()
  await expect(page.getByRole('heading', { level: 2, name: 'Constantes', exact: true })).toBeVisible()
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number
  expect(overflow, 'horizontal scroll (px)').toBeLessThanOrEqual(0)
}

test.describe('results, care plan, shortcuts', () => {
  // The first census sync of a card on the shared host takes a while on this machine.
  test.describe.configure({ timeout: 240_000 })
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('a doctor reads the panels with flags, a lab trend with its reference band, and imaging conclusions', async ({ page, host }, testInfo) => {
    await signInWithCensus(page, host.url, 'medecin')
    await noHorizontalScroll(page)
    expect(await seriousViolations(page)).toEqual([])
    await openDurand(page)

    const results = page.locator('[data-panel="results"]')
    await expect(results.getByRole('heading', { level: 2, name: 'Derniers résultats de biologie' })).toBeVisible()
    // The chart prefetch may still be on its way when the chart opens: the section refreshes on data.changed.
    const firstPanel = results.locator('[data-panel-id]').first()
    // Under a loaded CI machine the first chart prefetch of the unit can take over a minute.
    await expect(firstPanel.getByRole('table')).toBeVisible({ timeout: 120_000 })
    await expect(firstPanel.getByRole('columnheader', { name: 'Valeurs de référence' })).toBeVisible()
    // Every row of a panel carries the laboratory's flag (N included), abnormal ones in words.
    const flags = await results.locator('tr[data-flag]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-flag')))
    expect(flags.length).toBeGreaterThan(0)
    expect(flags.every((flag) => ['N', 'H', 'L', 'HH', 'LL'].includes(flag ?? ''))).toBe(true)
    if (flags.some((flag) => flag !== 'N')) await expect(results.locator('.flag').first()).toHaveText(/Élevé|Bas|Très/)

    // Imaging and other reports: readable conclusions.
    const report = results.locator('[data-report-kind="imaging"]').first()
    await expect(report.getByRole('heading', { level: 4 })).toHaveText(/Radiographie thoracique/)
    await expect(report).toContainText('Conclusion :')
    await noHorizontalScroll(page)
    expect(await seriousViolations(page)).toEqual([])

    // The trend, on a patient with repeated laboratory panels (pat-0008 of the default seed): an analyte with two
    // values or more; the SVG has the shaded reference band and the points.
    await page.getByRole('link', { name: 'Mes patients' }).click()
    await page.locator('tbody tr[data-patient-id="pat-0008"]').getByRole('link').click()
    await expect(firstPanel.getByRole('table')).toBeVisible({ timeout: 60_000 })
    const trend = results.locator('[data-lab-trend]')
    const select = results.getByLabel('Analyse affichée')
    const codes = await select.locator('option').evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value))
    let chosen = ''
    for (const code of codes) {
      await select.selectOption(code)
      await expect(trend).toHaveAttribute('data-lab-trend', code)
      await expect.poll(async () => Number(await trend.getAttribute('data-points'))).toBeGreaterThan(0)
      if (Number(await trend.getAttribute('data-points')) >= 2) {
        chosen = code
        break
      }
    }
    expect(chosen, 'an analyte with two values or more').not.toBe('')
    await expect(trend).not.toHaveAttribute('data-band', '')
    await expect(results.getByText(/Valeurs de référence : .* \(zone ombrée\)/)).toBeVisible()
    const points = Number(await trend.getAttribute('data-points'))
    // The band: the markArea's translucent fill; the points: one symbol each, drawn as paths over the line.
    await expect.poll(() => trend.locator('svg path[fill-opacity="0.14"]').count()).toBeGreaterThan(0)
    await expect.poll(() => trend.locator('svg path').count()).toBeGreaterThan(points + 1)
    await trend.screenshot({ path: testInfo.outputPath('lab-trend.png') })
    await noHorizontalScroll(page)
  })

  test('a nurse checks off a care-plan task and sees her name and the time', async ({ page, host }) => {
    await signInWithCensus(page, host.url, 'infirmier')
    await openDurand(page)
    const section = page.locator('[data-panel="care-plan"]')
    await expect(section.getByRole('heading', { level: 2, name: 'Plan de soins' })).toBeVisible()
    const row = section.locator('tr[data-care-task]').filter({ has: page.getByRole('button', { name: /^Marquer/ }) }).first()
    await expect(row).toBeVisible({ timeout: 60_000 })
    const activity = (await row.getAttribute('data-care-task'))!
    await expect(row).toHaveAttribute('data-care-state', /due|overdue/)
    const done = section.locator(`tr[data-care-task="${activity}"]`)
    const before = await done.locator('[data-care-last]').innerText()
    const dueBefore = await done.locator('td').nth(1).innerText()
    await row.getByRole('button', { name: /^Marquer/ }).click()
    await expect(section.getByRole('status')).toContainText('enregistré')

    // Her name and today's date and time (the training data's own check-offs are from the morning).
    const nurse = staffMember('infirmier')
    const last = done.locator('[data-care-last]')
    await expect(last).not.toHaveText(before)
    await expect(last).toContainText(`Fait par ${nurse.givenName} ${nurse.familyName}`)
    const now = new Date()
    const stamp = (d: Date) => new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(d).replace(',', '')
    const text = await last.innerText()
    expect([stamp(now), stamp(new Date(now.getTime() - 60_000)), stamp(new Date(now.getTime() - 120_000))].some((s) => text.includes(s)), text).toBe(true)
    // The task moved on: another slot is shown.
    await expect(done.locator('td').nth(1)).not.toHaveText(dueBefore)
    expect(await seriousViolations(page)).toEqual([])
  })

  test('`?` opens the shortcuts help, focus stays in it, Escape closes it and gives the focus back; Alt+Maj+S returns to the census', async ({ page, host }) => {
    await signInWithCensus(page, host.url, 'medecin')
    await openDurand(page)
    await noHorizontalScroll(page)

    const opener = page.getByRole('link', { name: 'Saisir des constantes' })
    await opener.focus()
    await page.keyboard.press('?')
    const dialog = page.getByRole('dialog', { name: 'Raccourcis clavier' })
    await expect(dialog).toBeVisible()
    await expect(dialog.getByRole('row', { name: /Rechercher un patient/ })).toContainText('Alt')
    expect(await seriousViolations(page)).toEqual([])
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab')
      expect(await page.evaluate("document.activeElement?.closest('dialog') !== null")).toBe(true)
    }
    await page.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
    await expect(opener).toBeFocused()

    // Typing `?` in a field types it, and opens nothing.
    const search = page.getByRole('combobox', { name: 'Rechercher un patient' })
    await search.focus()
    await page.keyboard.press('?')
    await expect(dialog).toBeHidden()
    await expect(search).toHaveValue('?')
    await search.fill('')

    await page.keyboard.press('Alt+Shift+KeyV')
    await expect(page).toHaveURL(/\/vitals\/new$/)
    expect(await seriousViolations(page)).toEqual([])
    await page.keyboard.press('Alt+Shift+KeyS')
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible()
    await page.keyboard.press('Alt+Shift+KeyP')
    await expect(search).toBeFocused()
  })
})
