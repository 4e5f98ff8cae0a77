import { expect, test } from './fixtures'

test.describe('keyboard', () => {
  test('the card chooser has the focus on arrival and Tab leads to the PIN, then to the submit button', async ({ page, host }) => {
    await page.goto(host.url)
    const chooser = page.getByLabel('Carte', { exact: true })
    const pin = page.getByLabel('Code porteur (PIN)')
    await expect(chooser).toBeFocused()
    await page.keyboard.press('Tab')
    await expect(pin).toBeFocused()
    await page.keyboard.press('Tab')
    await expect(page.getByRole('button', { name: 'Se connecter avec la carte' })).toBeFocused()
    await page.keyboard.press('Shift+Tab')
    await expect(pin).toBeFocused()
  })

  test('a card is chosen with the arrow keys', async ({ page, host }) => {
    await page.goto(host.url)
    const chooser = page.getByLabel('Carte', { exact: true })
    await expect(chooser).toBeFocused()
    await page.keyboard.press('ArrowDown')
    await expect(page.getByRole('status', { name: 'État de la carte' })).not.toContainText('choisissez la vôtre')
    expect(await chooser.inputValue()).not.toBe('')
  })

  test('the tab order runs from the skip link through the top bar to the card form', async ({ page, host }) => {
    await page.goto(host.url)
    await expect(page.getByRole('status', { name: 'Environnement' })).toBeVisible()

    const nav = page.getByRole('navigation', { name: 'Navigation principale' })
    const order = [
      page.getByRole('link', { name: 'Aller au contenu principal' }),
      nav.getByRole('link', { name: 'Connexion' }),
      nav.getByRole('link', { name: 'À propos / diagnostic' }),
      page.getByRole('button', { name: 'Verrouiller le poste' }),
      page.getByRole('button', { name: 'Switch the interface to English' }),
      page.getByLabel('Carte', { exact: true }),
      page.getByLabel('Code porteur (PIN)'),
      page.getByRole('button', { name: 'Se connecter avec la carte' }),
    ]
    // The card chooser has the focus on arrival: walk back to the skip link, then forward to the submit button.
    await expect(order[5]!).toBeFocused()
    for (const control of order.slice(0, 5).reverse()) {
      await page.keyboard.press('Shift+Tab')
      await expect(control).toBeFocused()
    }
    for (const control of order.slice(1)) {
      await page.keyboard.press('Tab')
      await expect(control).toBeFocused()
    }
  })

  test('the skip link is visible when focused and moves the focus to the main content', async ({ page, host }) => {
    await page.goto(host.url)
    const skip = page.getByRole('link', { name: 'Aller au contenu principal' })
    await expect(skip).not.toBeInViewport()
    await skip.focus()
    await expect(skip).toBeInViewport()
    await page.keyboard.press('Enter')
    await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeFocused()
    // The skip link must not have been taken for a route by the hash router.
    await expect(page).toHaveURL(/#\/connexion$/)
  })

  test('the diagnostic screen is reached and rerun from the keyboard', async ({ page, host }) => {
    await page.goto(host.url)
    await page.getByRole('link', { name: 'À propos / diagnostic' }).focus()
    await page.keyboard.press('Enter')
    await expect(page.getByRole('heading', { level: 1, name: 'À propos / diagnostic' })).toBeFocused()
    await page.getByRole('button', { name: 'Relancer le diagnostic' }).focus()
    await page.keyboard.press('Enter')
    await expect(page.getByText('Diagnostic mis à jour.')).toBeAttached()
  })
})
