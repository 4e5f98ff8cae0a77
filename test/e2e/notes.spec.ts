import { expect, hostRpc, seriousViolations, signIn, staffMember, test } from './fixtures'

/** Notes in the chart: a nurse writes a transmission ciblée (DAR) that appears in the list, signed by her. */

const NURSE = 'infirmier'

test.describe('notes and transmissions ciblées', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('a nurse writes a DAR note from the keyboard; it is listed with her name and role, and filters by cible', async ({ page, host, problems }) => {
    await page.goto(host.url)
    await signIn(page, NURSE)
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 60_000 })
    await rows.first().getByRole('link').click()

    const panel = page.getByRole('region', { name: 'Notes et transmissions' })
    await expect(panel).toBeVisible()
    const form = panel.getByRole('form', { name: 'Nouvelle note' })
    await expect(form.getByRole('radio', { name: 'Transmission ciblée' })).toBeChecked()

    // Données are required: the form says so and puts the cursor there.
    const cible = `Douleur ${Date.now().toString(36)}`
    await form.getByLabel('Cible', { exact: true }).fill(cible)
    await form.getByLabel('Cible', { exact: true }).press('Control+Enter')
    await expect(form.getByRole('alert')).toContainText('Une erreur empêche l')
    await expect(form.getByLabel('Données')).toBeFocused()
    await expect(form.getByLabel('Données')).toHaveAttribute('aria-invalid', 'true')

    await page.keyboard.type('EVA 7 au flanc droit.')
    await page.keyboard.press('Tab')
    await expect(form.getByLabel(/^Actions/)).toBeFocused()
    await page.keyboard.type('Paracétamol 1 g IV à 10 h.')
    await page.keyboard.press('Tab')
    await page.keyboard.type('EVA 3 une heure après.')
    await page.keyboard.press('Control+Enter')
    await expect(form.getByRole('status')).toContainText('Note enregistrée')
    await expect(form.getByLabel('Cible', { exact: true })).toHaveValue('')

    const nurse = staffMember(NURSE)
    const item = panel.getByRole('listitem').filter({ hasText: cible })
    await expect(item).toHaveCount(1)
    await expect(item.getByRole('heading', { level: 3 })).toContainText(`Cible : ${cible}`)
    await expect(item.locator('[data-field="author"]')).toHaveText(`${nurse.givenName} ${nurse.familyName}`)
    await expect(item.locator('[data-field="role"]')).toHaveText('infirmier ou infirmière')
    await expect(item.getByRole('definition')).toHaveText(['EVA 7 au flanc droit.', 'Paracétamol 1 g IV à 10 h.', 'EVA 3 une heure après.'])
    // Sent at once to the central (online), so not left pending.
    await expect(item).toHaveAttribute('data-pending', 'false', { timeout: 15_000 })

    // Filters: by cible, then by a role that did not write it.
    await panel.getByLabel('Filtrer par cible').selectOption(cible)
    await expect(panel.getByRole('listitem')).toHaveCount(1)
    await panel.getByLabel("Rôle de l'auteur").selectOption('medecin')
    await expect(panel.getByText('Aucune note.')).toBeVisible()
    await panel.getByLabel("Rôle de l'auteur").selectOption('infirmier')
    await expect(item).toHaveCount(1)

    expect(await seriousViolations(page)).toEqual([])
    expect(problems.errors).toEqual([])
  })
})
