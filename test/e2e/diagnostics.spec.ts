import { readFileSync } from 'node:fs'
import path from 'node:path'
import { ROOT, expect, test } from './fixtures'

const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

test.describe('À propos / diagnostic', () => {
  test('shows what main reports about the workstation and its checks', async ({ page, host, problems }, testInfo) => {
    await page.goto(host.url)
    await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'À propos / diagnostic' }).click()

    await expect(page.getByRole('heading', { level: 1, name: 'À propos / diagnostic' })).toBeVisible()
    await expect(page).toHaveTitle('À propos / diagnostic — Chevet')

    const facts = page.getByRole('region', { name: 'Ce poste' })
    await expect(facts).toContainText('Chevet')
    await expect(facts).toContainText(version)
    await expect(facts).toContainText('Hôte navigateur (Chromium)')
    await expect(facts).toContainText('Formation (données fictives)')
    await expect(facts).toContainText('Aucun : environnement de formation intégré')

    const table = page.getByRole('table', { name: 'Résultat des vérifications du poste' })
    await expect(table.getByRole('row')).toHaveCount(7)
    for (const name of [
      'Moteur Electron',
      'Coffre de clés',
      'Base locale chiffrée',
      'Module des cartes CPS (PKCS#11)',
      'Serveur central (DPI)',
      'Navigateur Chromium',
    ]) {
      await expect(table.getByRole('rowheader', { name })).toBeVisible()
    }

    const database = table.locator('tr[data-check="database"]')
    await expect(database).toContainText('OK')
    await expect(database).toContainText('La base locale chiffrée s\'ouvre et son schéma est à jour.')

    // No Electron runtime on this machine: a warning in words, not only a colour.
    const electron = table.locator('tr[data-check="electron"]')
    await expect(electron).toContainText('Avertissement')
    await expect(electron).toContainText('Le moteur Electron n\'est pas installé')

    const keyVault = table.locator('tr[data-check="keyVault"]')
    await expect(keyVault).toContainText('CHEVET_DB_KEY')

    const central = table.locator('tr[data-check="central"]')
    await expect(central).toContainText('environnement de formation intégré')

    await page.screenshot({ path: testInfo.outputPath('diagnostic.png'), fullPage: true })
    expect(problems.errors).toEqual([])
    expect(await problems.cspViolations()).toEqual([])
  })

  test('"Relancer le diagnostic" asks main for a fresh report', async ({ page, host, problems }) => {
    const sent: string[] = []
    page.on('websocket', (socket) => socket.on('framesent', (frame) => sent.push(String(frame.payload))))
    await page.goto(`${host.origin}/#token=${host.token}`)
    await page.getByRole('link', { name: 'À propos / diagnostic' }).click()
    await expect(page.locator('tr[data-check="database"]')).toContainText('OK')

    await page.getByRole('button', { name: 'Relancer le diagnostic' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Diagnostic mis à jour.' })).toBeAttached()

    const calls = sent.map((text) => JSON.parse(text) as { method: string; params: unknown })
    expect(calls.filter((c) => c.method === 'system.diagnostics').map((c) => c.params)).toEqual([
      { refresh: false },
      { refresh: true },
    ])
    expect(problems.errors).toEqual([])
  })
})
