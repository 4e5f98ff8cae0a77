import type { CensusEntry } from '../../src-main/contract'
import { ageInYears } from '../../src-main/prescribing/checks'
import { expect, hostRpc, seriousViolations, signIn, test } from './fixtures'

/**
 * Prescribing (issue 8): the paediatrician prescribes a tablet to a 3-year-old; the galenic alert shows and proposes
 * the oral liquid forms of the same DC; overriding needs a written justification, which then shows on the order;
 * the pharmacist validates it from the queue; the establishment report gives the percentage.
 */

const JUSTIFICATION = `Refus répété de la suspension, comprimé écrasé par les parents (${Date.now().toString(36)}).`

test.describe('prescribing', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('a tablet for a 3-year-old: galenic alert, justified override, pharmacist validation, report', async ({ page, host, problems }) => {
    test.setTimeout(240_000)
    await page.goto(host.url)
    await signIn(page, 'pediatre')
    await expect(page.locator('tbody tr[data-patient-id]').first()).toBeVisible({ timeout: 60_000 })
    const census = (await hostRpc(host, 'census.list', {})).value as { entries: CensusEntry[] }
    const today = new Date().toISOString().slice(0, 10)
    const child = census.entries.find((e) => e.patient.birthDate && ageInYears(e.patient.birthDate, today) === 3)
    expect(child, 'a 3-year-old in PEDIA').toBeDefined()
    await page.locator(`tbody tr[data-patient-id="${child!.patient.id}"]`).getByRole('link').first().click()

    const section = page.getByRole('region', { name: 'Prescriptions' })
    await section.getByRole('button', { name: 'Nouvelle prescription' }).click()
    // Keyboard first: the search has the focus; type, the first match is active, Enter picks it.
    await expect(section.getByRole('combobox', { name: /Médicament/ })).toBeFocused()
    await page.keyboard.type('parac')
    await expect(section.getByRole('option').first()).toContainText('paracétamol')
    await page.keyboard.press('Enter')
    await expect(section.getByLabel('Forme')).toHaveValue('comprimé')
    await section.getByLabel('Dose par prise').fill('200')
    await section.getByLabel('Rythme').selectOption('every')
    await section.getByLabel('Toutes les (heures)').fill('6')
    await section.getByRole('button', { name: 'Signer la prescription' }).click()

    const galenic = section.locator('[data-rx-alert="galenic-child"]')
    await expect(galenic).toContainText('Forme orale solide (comprimé) chez un enfant de 3 an(s)')
    await expect(galenic).toContainText('règle galénique pédiatrique')
    await expect(galenic.locator('[data-rx-suggestion="suspension buvable"]')).toBeVisible()
    await expect(galenic.locator('[data-rx-suggestion="poudre pour solution buvable"]')).toBeVisible()

    // Overriding without a justification is refused, and the cursor goes to the justification.
    const override = section.getByRole('button', { name: 'Prescrire malgré l’alerte' })
    await override.click()
    await expect(section.getByText('ne peut être outrepassée qu’avec une justification écrite')).toBeVisible()
    const justification = section.getByLabel(/Justification de la dérogation/)
    await expect(justification).toBeFocused()
    await page.keyboard.type(JUSTIFICATION)
    await override.click()

    const order = section.locator('[data-rx-group="active"] [data-rx-order]').filter({ hasText: JUSTIFICATION })
    await expect(order).toHaveCount(1, { timeout: 15_000 })
    await expect(order.locator('[data-rx-override]')).toHaveText(`Alerte outrepassée — justification : ${JUSTIFICATION}`)
    await expect(order.locator('[data-rx-pharmacy]')).toHaveText('À valider (pharmacie)')
    // Acknowledged by the central (online): no longer pending.
    await expect(order.locator('.pending-mark')).toHaveCount(0, { timeout: 20_000 })
    expect(await seriousViolations(page)).toEqual([])

    // The pharmacist validates it from the queue.
    await hostRpc(host, 'auth.signOut')
    await page.goto(host.url)
    await page.reload()
    await signIn(page, 'pharmacien')
    await page.getByRole('link', { name: 'Pharmacie' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Validation pharmaceutique' })).toBeVisible()
    const row = page.locator('tr[data-rx-queue]').filter({ hasText: JUSTIFICATION })
    await expect(async () => {
      await page.reload()
      await expect(row).toHaveCount(1, { timeout: 5_000 })
    }).toPass({ timeout: 90_000 })
    await row.getByRole('button', { name: 'Valider' }).click()
    await expect(row).toHaveCount(0, { timeout: 15_000 })
    expect(await seriousViolations(page)).toEqual([])

    // The establishment report, computed by the central.
    await page.getByRole('link', { name: 'Rapport pédiatrique' }).click()
    await page.getByRole('button', { name: 'Calculer' }).click()
    await expect(page.locator('[data-rx-percent]')).toContainText(/\d+(,\d)? % des enfants de moins de 6 ans \(\d+ sur \d+\) ont reçu au moins une forme orale solide/, { timeout: 30_000 })
    await expect(page.locator('[data-rx-unclassified]')).toContainText(/donnée manquante\) : [1-9]/)
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Exporter en CSV' }).click()
    expect((await download).suggestedFilename()).toMatch(/^formes-pediatriques-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/)
    expect(await seriousViolations(page)).toEqual([])
    expect(problems.errors).toEqual([])
  })
})
