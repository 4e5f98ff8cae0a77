import { chooseCard, expect, hostRpc, seriousViolations, signIn, test } from './fixtures'

test.describe('accessibility (axe-core)', () => {
  // The default page fixture comes from browser.newContext(), which AxeBuilder needs.
  test('sign-in screen with its cards: no serious or critical violation', async ({ page, host }) => {
    await page.goto(host.url)
    await expect(page.getByRole('status', { name: 'Environnement' })).toBeVisible()
    await expect(page.getByRole('status', { name: 'État de la carte' })).toContainText('cartes détectées')
    expect(await seriousViolations(page)).toEqual([])
  })

  test('sign-in screen with a card message: no serious or critical violation', async ({ page, host }) => {
    await page.goto(host.url)
    await chooseCard(page, 'secretaire')
    await page.getByLabel('Code porteur (PIN)').press('Enter')
    await expect(page.getByRole('alert')).toHaveText('Saisissez votre code porteur.')
    expect(await seriousViolations(page)).toEqual([])
  })

  test('census, chart, vital-sign form with errors, tasks: no serious or critical violation', async ({ page, host }) => {
    try {
      await page.goto(host.url)
      await signIn(page, 'cadre')
      const rows = page.locator('tbody tr[data-patient-id]')
      await expect(rows.first()).toBeVisible({ timeout: 60_000 })
      expect(await seriousViolations(page)).toEqual([])

      await rows.first().getByRole('link').click()
      await expect(page.getByRole('heading', { level: 2, name: 'Constantes', exact: true })).toBeVisible()
      expect(await seriousViolations(page)).toEqual([])

      await page.getByLabel('Fréquence cardiaque (FC)').fill('900')
      await page.getByRole('button', { name: 'Enregistrer les constantes' }).click()
      await expect(page.getByRole('alert').filter({ hasText: 'Le formulaire contient une erreur' })).toBeVisible()
      expect(await seriousViolations(page)).toEqual([])

      await page.getByRole('combobox', { name: 'Rechercher un patient' }).fill('ma')
      await expect(page.getByRole('listbox', { name: 'Patients trouvés' }).getByRole('option').first()).toBeVisible()
      expect(await seriousViolations(page)).toEqual([])

      await page.getByRole('link', { name: /^Tâches/ }).click()
      await expect(page.getByRole('heading', { level: 1, name: 'Tâches' })).toBeVisible()
      expect(await seriousViolations(page)).toEqual([])
    } finally {
      await hostRpc(host, 'auth.signOut')
    }
  })

  test('diagnostic screen: no serious or critical violation', async ({ page, host }) => {
    await page.goto(host.url)
    await page.getByRole('link', { name: 'À propos / diagnostic' }).click()
    await expect(page.locator('tr[data-check="database"]')).toContainText('OK')
    expect(await seriousViolations(page)).toEqual([])
  })

  test('English interface: no serious or critical violation', async ({ page, host }) => {
    await page.goto(host.url)
    await page.getByRole('button', { name: 'Switch the interface to English' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible()
    await expect(page.locator('html')).toHaveAttribute('lang', 'en')
    expect(await seriousViolations(page)).toEqual([])
  })
})
