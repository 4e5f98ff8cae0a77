import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

test.describe('accessibility (axe-core)', () => {
  // The default page fixture comes from browser.newContext(), which AxeBuilder needs.
  test('sign-in screen: no serious or critical violation', async ({ page, host }) => {
    await page.goto(host.url)
    await expect(page.getByRole('status', { name: 'Environnement' })).toBeVisible()
    expect(await seriousViolations(page)).toEqual([])
  })

  test('sign-in screen with a card message: no serious or critical violation', async ({ page, host }) => {
    await page.goto(host.url)
    await page.getByLabel('Code porteur (PIN)').fill('0000')
    await page.getByLabel('Code porteur (PIN)').press('Enter')
    await expect(page.getByRole('alert')).toContainText('Aucun lecteur')
    expect(await seriousViolations(page)).toEqual([])
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
