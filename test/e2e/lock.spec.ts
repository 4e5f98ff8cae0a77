import { chooseCard, expect, hostRpc, seriousViolations, signIn, staffMember, test } from './fixtures'

/**
 * The lock of a shared ward workstation, in the browser host's own training environment: the nurse's virtual
 * card pulled out of its reader locks the session and clears the page; the PIN typed again unlocks it; the
 * "lock" button does the same; another card takes a locked workstation over.
 * Cards used here (infirmier, interne) are used nowhere else on this host.
 */

test.describe('session lock', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
    // Put every virtual card back, whatever the test did.
    for (const key of ['infirmier', 'interne']) await hostRpc(host, 'training.card', { slotId: `virtual:${key}`, inserted: true })
  })

  test('a card removal locks and clears the page; a wrong PIN is explained; the right one unlocks', async ({ page, host, problems }) => {
    const nurse = staffMember('infirmier')
    await page.goto(host.url)
    await signIn(page, 'infirmier')
    const rows = page.locator('[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 30_000 })
    const name = (await rows.first().getByRole('link').textContent())!.trim()
    await rows.first().getByRole('link').click()
    await expect(page.getByRole('heading', { level: 1 })).toContainText(name)

    await page.getByRole('button', { name: 'Retirer ma carte (formation)' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Session verrouillée' })).toBeVisible({ timeout: 5_000 })
    await expect(page).toHaveURL(/#\/verrouille$/)
    await expect(page.getByTestId('lock-explanation')).toHaveText(
      `La session de ${nurse.givenName} ${nurse.familyName} est verrouillée : la carte a été retirée du lecteur.`,
    )
    // Nothing of the chart is left in the page, and main refuses data calls.
    await expect(page.locator('body')).not.toContainText(name)
    expect(await hostRpc(host, 'census.list')).toMatchObject({ ok: false, error: { code: 'LOCKED' } })
    expect(await seriousViolations(page)).toEqual([])

    // The card goes back in: it is chosen, and the PIN is asked again.
    await page.getByRole('button', { name: 'Réinsérer la carte virtuelle' }).click()
    const pin = page.getByLabel('Code porteur (PIN)')
    await expect(pin).toBeFocused()
    await expect(page.getByLabel('Carte', { exact: true })).toHaveValue('virtual:infirmier')
    await pin.fill('0000')
    await pin.press('Enter')
    await expect(page.getByRole('alert').filter({ hasText: 'Code porteur' })).toHaveText('Code porteur incorrect — il reste 2 essais.')
    await expect(page.getByRole('heading', { level: 1, name: 'Session verrouillée' })).toBeVisible()

    await pin.fill(nurse.pin)
    await pin.press('Enter')
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible({ timeout: 30_000 })
    await expect(page.getByRole('banner')).toContainText(`${nurse.givenName} ${nurse.familyName}`)
    expect(problems.errors).toEqual([])
  })

  test('the lock button locks; another card takes the workstation over', async ({ page, host }) => {
    const nurse = staffMember('infirmier')
    const intern = staffMember('interne')
    await page.goto(host.url)
    await signIn(page, 'infirmier')

    await page.getByRole('button', { name: 'Verrouiller le poste' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Session verrouillée' })).toBeVisible({ timeout: 5_000 })
    await expect(page.getByTestId('lock-explanation')).toHaveText(`La session de ${nurse.givenName} ${nurse.familyName} est verrouillée.`)
    // The patient screens lead back to the lock screen.
    await page.goto(`${host.origin}/#/census`)
    await expect(page.getByRole('heading', { level: 1, name: 'Session verrouillée' })).toBeVisible()

    await chooseCard(page, 'interne')
    await page.getByLabel('Code porteur (PIN)').fill(intern.pin)
    await page.getByLabel('Code porteur (PIN)').press('Enter')
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible({ timeout: 30_000 })
    await expect(page.getByRole('banner')).toContainText(`${intern.givenName} ${intern.familyName}`)
    await expect(page.getByRole('banner')).not.toContainText(nurse.familyName)
  })
})
