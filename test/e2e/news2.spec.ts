import { expect, hostRpc, seriousViolations, signIn, test } from './fixtures'

/**
 * Issue 7's NEWS2: a doctor records a set that scores 7 or more, the chart raises the RCP escalation, the census
 * shows the new score, and the heart-rate trend draws its points. The 'medecin' card: no other spec signs in with
 * it on the shared host (data-path.spec.ts uses it on its own workstation), and no wrong PIN is typed here.
 */

const DOCTOR = 'medecin'

test.describe('NEWS2 on the chart and the census', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('a set scoring NEWS2 ≥ 7 raises the escalation, the census shows the score, the HR trend draws points', async ({
    page,
    host,
    problems,
  }, testInfo) => {
    // The first census sync of a fresh host, then a chart, a form and the census again.
    test.setTimeout(120_000)
    await page.goto(host.url)
    await signIn(page, DOCTOR)
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 60_000 })
    await expect(page.getByRole('columnheader', { name: 'NEWS2' })).toBeVisible()
    expect(await seriousViolations(page)).toEqual([])

    // The last row: the census spec records on the first patient of the same unit.
    const row = rows.last()
    const patientId = (await row.getAttribute('data-patient-id'))!
    const name = (await row.getByRole('link').textContent())!.trim()
    await row.getByRole('link').click()
    await expect(page.getByRole('heading', { level: 1 })).toContainText(name)
    await expect(page.getByRole('heading', { level: 2, name: 'Constantes', exact: true })).toBeVisible()
    expect(await seriousViolations(page)).toEqual([])

    await page.getByRole('link', { name: 'Saisir des constantes' }).click()
    await expect(page.getByLabel('TA systolique')).toBeFocused()
    // RR 26 (3) + SpO2 90 (3) + O2 (2) + SBP 88 (3) + HR 125 (2) + new confusion (3) + T 39.2 (2) = 18.
    await page.getByLabel('TA systolique').fill('88')
    await page.getByLabel('TA diastolique').fill('50')
    await page.getByLabel('Fréquence cardiaque (FC)').fill('125')
    await page.getByLabel('Température (T°)').fill('39,2')
    await page.getByLabel('Saturation en oxygène (SpO2)').fill('90')
    await page.getByLabel('Fréquence respiratoire (FR)').fill('26')
    await page.getByRole('group', { name: 'Air ou oxygène' }).getByLabel('Sous oxygène').check()
    await page.getByLabel("Débit d'O2").fill('4')
    await page.getByRole('group', { name: 'Conscience (ACVPU)' }).getByLabel('C – confusion nouvelle').check()
    await page.getByLabel('Douleur (EVA)').fill('6')
    expect(await seriousViolations(page)).toEqual([])

    await page.getByRole('button', { name: 'Enregistrer les constantes' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Enregistré et transmis au DPI.' })).toBeVisible()
    const alert = page.getByRole('alert').filter({ hasText: "Réponse d'urgence" })
    await expect(alert).toBeVisible()
    await expect(alert).toContainText('NEWS2 18')
    await expect(alert).toContainText('risque élevé')
    await expect(alert).toContainText('au moins un médecin senior')
    const newest = page.getByRole('table', { name: /Dernières constantes/ }).locator('tbody tr').first()
    await expect(newest).toContainText('88/50')
    await expect(newest).toContainText('O2 4 L/min')
    await expect(newest).toContainText('18')
    expect(await seriousViolations(page)).toEqual([])

    // The heart-rate trend: one SVG symbol per value, drawn by echarts, its values also in the flowsheet.
    const trend = page.locator('[data-trend="heartRate"]')
    await expect(trend).toHaveAttribute('aria-label', /Courbe de tendance : Fréquence cardiaque/)
    const values = Number(await trend.getAttribute('data-points'))
    expect(values).toBeGreaterThanOrEqual(2)
    await expect.poll(() => trend.locator('svg path').count()).toBeGreaterThan(values)
    await trend.screenshot({ path: testInfo.outputPath('hr-trend.png') })

    await page.getByRole('link', { name: 'Mes patients' }).click()
    const census = page.locator(`tbody tr[data-patient-id="${patientId}"] [data-column="news2"]`)
    await expect(census).toContainText('NEWS2 18')
    await expect(census).toContainText('risque élevé')
    await expect(census.locator('[data-band]')).toHaveAttribute('data-band', 'news-high')
    expect(problems.errors).toEqual([])
  })
})
