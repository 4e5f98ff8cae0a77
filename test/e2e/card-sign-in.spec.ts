import { chooseCard, expect, hostRpc, staffMember, test } from './fixtures'

/**
 * Card sign-in against the browser host's own training environment (no central configured): the virtual
 * cards of the demo staff, their PIN counters, the census after a good PIN, sign-out.
 * Cards used here are used nowhere else on this host: a wrong PIN changes a card's counter for the worker.
 */

test.describe('sign-in with a virtual card', () => {
  test.afterEach(async ({ host }) => {
    // The session lives in the host, shared by the next tests: leave it signed out.
    await hostRpc(host, 'auth.signOut')
  })

  test('lists the cards with their holders and shows the PIN state before anything is typed', async ({ page, host, problems }) => {
    await page.goto(host.url)
    const chooser = page.getByLabel('Carte', { exact: true })
    await expect(chooser).toBeFocused()
    const state = page.getByRole('status', { name: 'État de la carte' })
    await expect(state).toContainText(/\d+ cartes détectées : choisissez la vôtre/)
    const options = chooser.locator('option:not([disabled])')
    expect(await options.count()).toBeGreaterThanOrEqual(7)
    for (const text of await options.allTextContents()) expect(text).toContain('virtuelle de formation')

    await chooseCard(page, 'pharmacien')
    await expect(state).toContainText('Carte prête : saisissez votre code porteur.')
    await expect(page.getByLabel('Code porteur (PIN)')).toBeEnabled()
    expect(problems.errors).toEqual([])
  })

  test('without a chosen card, the form asks for one and goes back to the list', async ({ page, host }) => {
    await page.goto(host.url)
    await page.getByLabel('Code porteur (PIN)').fill('1234')
    await page.getByRole('button', { name: 'Se connecter avec la carte' }).click()
    await expect(page.getByRole('alert')).toHaveText('Choisissez votre carte dans la liste.')
    await expect(page.getByLabel('Carte', { exact: true })).toBeFocused()
    await expect(page.getByLabel('Code porteur (PIN)')).toHaveValue('')
  })

  test('a wrong PIN says how many tries are left and empties the field; the right one opens the census; sign-out returns', async ({
    page,
    host,
    problems,
  }) => {
    const pharmacist = staffMember('pharmacien')
    await page.goto(host.url)
    await chooseCard(page, 'pharmacien')
    const pin = page.getByLabel('Code porteur (PIN)')
    await pin.fill('0000')
    await pin.press('Enter')
    await expect(page.getByRole('alert')).toHaveText('Code porteur incorrect — il reste 2 essais.')
    await expect(pin).toHaveValue('')
    await expect(pin).toBeFocused()
    await expect(pin).toHaveAttribute('aria-invalid', 'true')
    // Before the next try, the card's state warns with the count.
    await expect(page.getByRole('status', { name: 'État de la carte' })).toHaveText(/Attention : il reste 2 essais/)

    await pin.fill(pharmacist.pin)
    await pin.press('Enter')
    await expect(page.getByRole('heading', { level: 1, name: 'Mes patients' })).toBeVisible({ timeout: 30_000 })
    await expect(page).toHaveURL(/#\/census$/)
    await expect(page.getByRole('banner')).toContainText(`${pharmacist.givenName} ${pharmacist.familyName}`)
    await expect(page.getByRole('banner')).toContainText('pharmacien ou pharmacienne')

    await page.getByRole('button', { name: 'Se déconnecter' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible()
    await expect(page.getByRole('banner')).toContainText('Aucun utilisateur connecté')
    // Patient screens are closed to a signed-out page.
    await page.goto(`${host.origin}/#/census`)
    await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible()
    await expect(page.getByRole('table')).toHaveCount(0)
    expect(problems.errors).toEqual([])
  })

  test('three wrong PINs lock the card: the last try is announced, then the form is disabled', async ({ page, host }) => {
    await page.goto(host.url)
    await chooseCard(page, 'aide-soignant')
    const pin = page.getByLabel('Code porteur (PIN)')
    const state = page.getByRole('status', { name: 'État de la carte' })

    await pin.fill('0000')
    await pin.press('Enter')
    await expect(page.getByRole('alert')).toHaveText('Code porteur incorrect — il reste 2 essais.')
    await pin.fill('0000')
    await pin.press('Enter')
    await expect(page.getByRole('alert')).toHaveText('Code porteur incorrect — il reste 1 essai avant le blocage de la carte.')
    await expect(state).toContainText('Dernier essai avant blocage de la carte.')
    await pin.fill('0000')
    await pin.press('Enter')
    await expect(page.getByRole('alert')).toContainText('Carte bloquée')
    await expect(state).toContainText('Carte bloquée')
    await expect(state).toContainText('code de déblocage (PUK)')
    await expect(pin).toBeDisabled()
    await expect(page.getByRole('button', { name: 'Se connecter avec la carte' })).toBeDisabled()
    await expect(page.getByLabel('Carte', { exact: true }).locator('option:checked')).toContainText('(carte bloquée)')

    // The state is read from the card before typing: a reload shows it at once.
    await page.reload()
    await chooseCard(page, 'aide-soignant')
    await expect(state).toContainText('Carte bloquée')
    await expect(pin).toBeDisabled()
  })
})
