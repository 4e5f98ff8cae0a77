import { chooseCard, expect, test } from './fixtures'

test.describe('sign-in screen', () => {
  test('opens in French, with the training banner, without console error or CSP violation', async ({
    page,
    host,
    problems,
  }, testInfo) => {
    await page.goto(host.url)

    await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible()
    await expect(page.locator('html')).toHaveAttribute('lang', 'fr')
    await expect(page).toHaveTitle('Connexion — Chevet')
    const banner = page.getByRole('status', { name: 'Environnement' })
    await expect(banner).toContainText('Environnement de formation — données fictives')
    // The training environment names its fictitious establishment; production shows the configured one.
    await expect(page.getByRole('banner')).toContainText(/Établissement\s*\S/)
    await expect(page.getByRole('banner')).toContainText('Aucun utilisateur connecté')
    // No central configured: the training environment's virtual cards are in the "readers".
    await expect(page.getByRole('region', { name: 'Carte CPS / CPE' })).toContainText('cartes détectées')
    await expect(page.getByLabel('Carte', { exact: true })).toBeVisible()
    await expect(page.getByRole('region', { name: 'e-CPS (Pro Santé Connect)' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Se connecter avec e-CPS' })).toBeDisabled()

    // Nobody is signed in: the lock button says why it does nothing.
    const lock = page.getByRole('button', { name: 'Verrouiller le poste' })
    await expect(lock).toHaveAttribute('aria-disabled', 'true')
    await expect(lock).toHaveAccessibleDescription('Le verrouillage est disponible une fois un utilisateur connecté.')

    // The token left the address bar as soon as the page read it.
    expect(page.url()).not.toContain(host.token)
    expect(page.url()).not.toContain('token')

    await page.screenshot({ path: testInfo.outputPath('sign-in.png'), fullPage: true })
    expect(problems.errors).toEqual([])
    expect(problems.warnings).toEqual([])
    expect(await problems.cspViolations()).toEqual([])
  })

  test('a reload of the tab keeps working without the token in the address', async ({ page, host, problems }) => {
    await page.goto(host.url)
    await expect(page.getByRole('status', { name: 'Environnement' })).toBeVisible()
    await page.reload()
    await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible()
    await expect(page.getByRole('status', { name: 'Environnement' })).toContainText('données fictives')
    expect(problems.errors).toEqual([])
  })

  test('the card form checks the PIN in French before sending it, and forgets it', async ({ page, host }) => {
    await page.goto(host.url)
    await chooseCard(page, 'secretaire')
    const pin = page.getByLabel('Code porteur (PIN)')
    await expect(pin).toHaveAttribute('type', 'password')
    await expect(pin).toHaveAttribute('inputmode', 'numeric')
    await expect(pin).toHaveAttribute('autocomplete', 'off')

    await page.getByRole('button', { name: 'Se connecter avec la carte' }).click()
    await expect(page.getByRole('alert')).toHaveText('Saisissez votre code porteur.')

    await pin.fill('12ab')
    await pin.press('Enter')
    await expect(page.getByRole('alert')).toHaveText('Le code porteur ne contient que des chiffres.')
    await expect(pin).toHaveValue('')
    await expect(pin).toBeFocused()

    await pin.fill('123')
    await pin.press('Enter')
    await expect(page.getByRole('alert')).toHaveText('Le code porteur compte de 4 à 12 chiffres.')
    // Nothing reached the card: its counter is whole.
    await expect(page.getByRole('status', { name: 'État de la carte' })).toContainText('Carte prête')
  })
})
