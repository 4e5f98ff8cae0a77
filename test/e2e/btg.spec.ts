import { expect, hostRpc, seriousViolations, signIn, test } from './fixtures'

/**
 * Break the glass and sensitive patients (issue 6): the nurse (CARDIO) finds a patient of MEDINT with a minimal
 * identity, is refused the chart, breaks the glass with a reason and gets the chart under a red banner; the VIP of
 * CARDIO shows as « Patient confidentiel » + bed in her census, named only inside his chart.
 */

const NURSE = 'infirmier'

test.describe('break the glass', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('the VIP of the unit shows as « Patient confidentiel » with his bed; his chart names him', async ({ page, host }) => {
    await page.goto(host.url)
    await signIn(page, NURSE)
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 60_000 })
    const confidential = rows.filter({ hasText: 'Patient confidentiel' })
    await expect(confidential).toHaveCount(1)
    await expect(rows.filter({ hasText: 'LEFÈVRE' })).toHaveCount(0)
    await expect(rows.filter({ hasText: '1952' })).toHaveCount(0)
    await confidential.getByRole('link').click()
    await expect(page.locator('#page-title')).toContainText('LEFÈVRE')
    await expect(page.locator('[data-btg="sensitive"]')).toContainText('VIP')
  })

  test('a patient of another unit: minimal identity, refused, then opened by breaking the glass', async ({ page, host }) => {
    await page.goto(host.url)
    await signIn(page, NURSE)
    await expect(page.locator('tbody tr[data-patient-id]').first()).toBeVisible({ timeout: 60_000 })

    const search = page.getByRole('combobox')
    await search.fill('beguin')
    const option = page.getByRole('option').filter({ hasText: 'BÉGUIN' })
    await expect(option).toBeVisible({ timeout: 15_000 })
    await expect(option).toContainText('Hors de vos unités')
    await expect(option).not.toContainText('IPP')
    await search.press('Enter')

    await expect(page.locator('[data-btg="refused"]')).toContainText('n’est pas dans vos unités')
    await page.getByRole('button', { name: 'Bris de glace…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Bris de glace' })
    await expect(dialog).toBeVisible()
    await expect(dialog.getByRole('radio', { name: 'Urgence vitale' })).toBeFocused()
    expect(await seriousViolations(page)).toEqual([])

    // Escape cancels; nothing is granted.
    await page.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
    await page.getByRole('button', { name: 'Bris de glace…' }).click()
    await expect(dialog).toBeVisible()

    // « Autre » needs a text: refused in the form, the reason kept.
    await dialog.getByRole('radio', { name: 'Autre' }).check()
    await dialog.getByRole('button', { name: 'Accéder au dossier' }).click()
    await expect(dialog.getByText('Précisez le motif.')).toBeVisible()

    // From the keyboard: the reason, the details, then Enter in the form.
    await dialog.getByRole('radio', { name: 'Continuité des soins' }).focus()
    await page.keyboard.press('Space')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Appel du service, patiente connue')
    await dialog.getByRole('button', { name: 'Accéder au dossier' }).press('Enter')

    await expect(dialog).toBeHidden({ timeout: 30_000 })
    const banner = page.locator('[data-btg="banner"]')
    await expect(banner).toContainText('Accès en bris de glace — motif : Continuité des soins')
    await expect(banner).toContainText(/jusqu’à \d{2}:\d{2}/)
    await expect(page.locator('#page-title')).toContainText('BÉGUIN')
  })
})
