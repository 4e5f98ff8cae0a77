import type { Page } from '@playwright/test'
import { expect, hostRpc, signIn, staffMember, test } from './fixtures'

/** The screens of a signed-in user on the browser host's own training environment: census, search, chart, tasks. */

const NURSE = 'infirmier'

function startingWith(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)
}

function censusRows(page: Page) {
  return page.locator('tbody tr[data-patient-id]')
}

async function signInWithCensus(page: Page, url: string, key = NURSE): Promise<void> {
  await page.goto(url)
  await signIn(page, key)
  // The first census sync may still run when the list first shows: it refreshes on data.changed.
  await expect(censusRows(page).first()).toBeVisible({ timeout: 60_000 })
}

test.describe('census, search, chart and vital signs', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('the census lists her unit, sorts by bed and by name, and opens a chart from the keyboard', async ({ page, host, problems }) => {
    await signInWithCensus(page, host.url)
    const nurse = staffMember(NURSE)
    await expect(page.getByRole('banner')).toContainText(`${nurse.givenName} ${nurse.familyName}`)
    await expect(page.getByRole('banner')).toContainText('Cardiologie')

    const table = page.getByRole('table', { name: /Patients hospitalisés/ })
    const bedHeader = table.getByRole('columnheader', { name: 'Lit' })
    const nameHeader = table.getByRole('columnheader', { name: 'Patient' })
    await expect(bedHeader).toHaveAttribute('aria-sort', 'ascending')
    await expect(nameHeader).toHaveAttribute('aria-sort', 'none')
    // Every row says age and last vital signs in words a ward uses.
    await expect(censusRows(page).first()).toContainText(/\d+ (ans?|mois|jours?)/)

    await nameHeader.getByRole('button').click()
    await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending')
    await expect(bedHeader).toHaveAttribute('aria-sort', 'none')
    const names = (await censusRows(page).getByRole('link').allTextContents()).map((name) => name.trim())
    const sorted = [...names].sort((a, b) => a.localeCompare(b, 'fr', { sensitivity: 'base' }))
    expect(names).toEqual(sorted)
    await nameHeader.getByRole('button').click()
    await expect(nameHeader).toHaveAttribute('aria-sort', 'descending')
    await expect(censusRows(page).first().getByRole('link')).toHaveText(names[names.length - 1]!)

    // Arrow keys move between patients (one tab stop for the list); Enter opens the chart.
    const links = censusRows(page).getByRole('link')
    await links.first().focus()
    await page.keyboard.press('ArrowDown')
    await expect(links.nth(1)).toBeFocused()
    await expect(links.first()).toHaveAttribute('tabindex', '-1')
    const second = (await links.nth(1).textContent())!.trim()
    await page.keyboard.press('Enter')
    await expect(page.getByRole('heading', { level: 1 })).toContainText(second)
    await expect(page.getByRole('heading', { level: 1 })).toBeFocused()
    expect(problems.errors).toEqual([])
  })

  test('a user of several units chooses the unit in tabs', async ({ page, host }) => {
    // The pharmacist works for every unit of the training hospital.
    await signInWithCensus(page, host.url, 'pharmacien')
    const tabs = page.getByRole('tablist', { name: 'Unités' })
    await expect(tabs.getByRole('tab', { name: 'Toutes mes unités' })).toHaveAttribute('aria-selected', 'true')
    await tabs.getByRole('tab', { name: 'Toutes mes unités' }).focus()
    await page.keyboard.press('ArrowRight')
    const second = tabs.getByRole('tab').nth(1)
    await expect(second).toBeFocused()
    await expect(second).toHaveAttribute('aria-selected', 'true')
    const unit = (await second.textContent())!.trim()
    await expect(page.getByRole('table', { name: new RegExp(`Patients hospitalisés — ${unit}`) })).toBeVisible()
  })

  test('Ctrl+K goes to the patient search; arrows and Enter open the chart found', async ({ page, host, problems }) => {
    await signInWithCensus(page, host.url)
    const name = (await censusRows(page).first().getByRole('link').textContent())!.trim()
    const family = name.split(' ')[0]!

    await page.getByRole('heading', { level: 1 }).click()
    await page.keyboard.press('Control+k')
    const search = page.getByRole('combobox', { name: 'Rechercher un patient' })
    await expect(search).toBeFocused()
    // Lower case and without accents: the search folds them.
    await search.fill(family.toLowerCase().normalize('NFD').replace(/\p{M}/gu, ''))
    const results = page.getByRole('listbox', { name: 'Patients trouvés' })
    await expect(results.getByRole('option').first()).toBeVisible()
    await expect(search).toHaveAttribute('aria-expanded', 'true')
    const target = results.getByRole('option', { name: startingWith(name) }).first()
    const index = await results.getByRole('option').evaluateAll(
      (options, wanted) => options.findIndex((option) => option.textContent?.trim().startsWith(wanted)),
      name,
    )
    expect(index).toBeGreaterThanOrEqual(0)
    // The first result is active at once; ArrowDown moves on and wraps, so walk to the wanted one.
    for (let step = 0; step < index; step += 1) await search.press('ArrowDown')
    await expect(target).toHaveAttribute('aria-selected', 'true')
    await expect(search).toHaveAttribute('aria-activedescendant', (await target.getAttribute('id'))!)
    await search.press('Enter')
    await expect(page.getByRole('heading', { level: 1 })).toContainText(name)
    await expect(search).toHaveValue('')

    // "/" outside a text field goes to the search too.
    await page.getByRole('heading', { level: 1 }).click()
    await page.keyboard.press('/')
    await expect(search).toBeFocused()
    expect(problems.errors).toEqual([])
  })

  test('the chart shows identity and latest values; a vital-sign set is checked, sent, and shown first', async ({
    page,
    host,
    problems,
  }) => {
    await signInWithCensus(page, host.url)
    const name = (await censusRows(page).first().getByRole('link').textContent())!.trim()
    await censusRows(page).first().getByRole('link').click()
    // The banner is the region named by the patient's name (the page heading).
    const banner = page.getByRole('region', { name: startingWith(name) })
    await expect(banner.getByRole('heading', { level: 1 })).toContainText(name)
    await expect(banner).toContainText('Sexe')
    await expect(banner).toContainText('Âge')
    // The INS only for a qualified identity, the status in words otherwise.
    await expect(banner).toContainText(/INS|Identité (provisoire|récupérée|validée)/)
    await expect(page.getByRole('heading', { level: 2, name: 'Allergies et intolérances' })).toBeVisible()
    await expect(page.getByRole('heading', { level: 2, name: 'Derniers résultats de biologie' })).toBeVisible()
    await expect(page.getByRole('heading', { level: 2, name: 'Problèmes et antécédents' })).toBeVisible()

    await page.getByRole('link', { name: 'Saisir des constantes' }).click()
    const systolic = page.getByLabel('TA systolique')
    await expect(systolic).toBeFocused()
    await expect(systolic).toHaveAttribute('inputmode', 'decimal')
    await expect(systolic).toHaveAccessibleDescription('Entre 40 et 300 mmHg')

    // Checked before sending: out of range, and half a blood pressure.
    await systolic.fill('400')
    await page.getByRole('button', { name: 'Enregistrer les constantes' }).click()
    await expect(page.getByRole('alert').filter({ hasText: 'Le formulaire contient 2 erreurs' })).toBeVisible()
    await expect(systolic).toHaveAttribute('aria-invalid', 'true')
    await expect(systolic).toBeFocused()
    await expect(page.getByText('Valeur hors des limites plausibles (Entre 40 et 300 mmHg).')).toBeVisible()
    await expect(page.getByText('Saisissez la systolique et la diastolique ensemble.')).toBeVisible()

    await systolic.fill('118')
    await page.getByLabel('TA diastolique').fill('72')
    await page.getByLabel('Fréquence cardiaque (FC)').fill('64')
    await page.getByLabel('Température (T°)').fill('36,9')
    await page.getByRole('button', { name: 'Enregistrer les constantes' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Enregistré et transmis au DPI.' })).toBeVisible()
    await expect(systolic).toHaveValue('')
    const newest = page.getByRole('table', { name: /Dernières constantes/ }).locator('tbody tr').first()
    await expect(newest).toContainText('118/72')
    await expect(newest).toContainText('36,9')
    await expect(newest).not.toContainText("en attente d'envoi")
    expect(problems.errors).toEqual([])
  })

  test('the tasks indicator counts conflicts and leads to their list', async ({ page, host }) => {
    await signInWithCensus(page, host.url)
    const indicator = page.getByRole('link', { name: /^Tâches/ })
    await expect(indicator).toHaveAccessibleName('Tâches aucun conflit à résoudre')
    await indicator.click()
    await expect(page.getByRole('heading', { level: 1, name: 'Tâches' })).toBeVisible()
    await expect(page.getByText('Aucune tâche en attente.')).toBeVisible()
  })
})
