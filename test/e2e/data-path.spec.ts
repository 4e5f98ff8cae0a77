import type { Page } from '@playwright/test'
import { expect, hostRpc, readCentralAs, seriousViolations, signIn, staffMember, test } from './fixtures'

/**
 * The data path of issue 4, end to end: a workstation (browser host) on a training central that runs in its own
 * process, so that the test can stop the central under the workstation and start it again.
 */

const DOCTOR = 'medecin'
/** A set nobody else records: its values identify it on the central. */
const SET = { systolic: '132', diastolic: '84', heartRate: '87', temperature: '38,4', spo2: '93', respiratoryRate: '19' }
const DEGRADED = 'Mode dégradé : le DPI central est injoignable.'

function degradedBanner(page: Page) {
  return page.getByRole('status').filter({ hasText: DEGRADED })
}

/** Every number a vital-sign Observation carries (a value, or the components of a panel such as blood pressure). */
function observedValues(bundle: unknown): number[] {
  const entries = (bundle as { entry?: { resource?: Record<string, unknown> }[] }).entry ?? []
  const values: number[] = []
  const take = (quantity: unknown): void => {
    const value = (quantity as { value?: unknown } | undefined)?.value
    if (typeof value === 'number') values.push(value)
  }
  for (const { resource } of entries) {
    if (resource?.resourceType !== 'Observation') continue
    take(resource.valueQuantity)
    for (const component of (resource.component as { valueQuantity?: unknown }[] | undefined) ?? []) take(component.valueQuantity)
  }
  return values
}

test.describe('data path: training central, census, chart, degraded mode, outbox', () => {
  // The workstation is shared with the other specs of the worker: leave it at its sign-in screen.
  test.afterEach(async ({ workstation }) => {
    await hostRpc(workstation, 'auth.signOut')
  })

  test('a doctor signs in with her virtual card, works through a central outage, and her entry reaches the central', async ({
    page,
    central,
    workstation,
    problems,
  }, testInfo) => {
    // Several waits are bounded on their own (≤ 10 s for the banner); the whole includes a central restart.
    test.setTimeout(240_000)
    const doctor = staffMember(DOCTOR)

    // Sign-in: the virtual cards of the training folder, each with its holder; the PIN state shown before typing.
    await page.goto(workstation.url)
    await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible()
    const cardList = page.getByLabel('Carte', { exact: true })
    await expect(cardList.locator('option', { hasText: `${doctor.givenName} ${doctor.familyName}` })).toHaveCount(1)
    await expect(page.getByRole('status', { name: 'État de la carte' })).toContainText('cartes détectées')
    // Several cards and none chosen yet: the chooser has the focus.
    await expect(cardList).toBeFocused()
    expect(await seriousViolations(page)).toEqual([])
    await signIn(page, DOCTOR)

    // Census of her units: her name, role and units in the top bar; the patients of her units.
    await expect(page).toHaveURL(/#\/census$/)
    const banner = page.getByRole('banner')
    await expect(banner).toContainText(`${doctor.givenName} ${doctor.familyName}`)
    await expect(banner).toContainText('(médecin)')
    await expect(banner).toContainText('Cardiologie')
    await expect(page.getByRole('button', { name: 'Se déconnecter' })).toBeVisible()
    const rows = page.locator('tbody tr[data-patient-id]')
    // The first census sync may still be running when the list first shows: it refreshes on data.changed.
    await expect(rows.first()).toBeVisible({ timeout: 60_000 })
    expect(await rows.count()).toBeGreaterThan(0)
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: testInfo.outputPath('census.png') })

    // A chart, opened from the keyboard: the banner names the patient (a sensitive one, masked in the list as
    // « Patient confidentiel », is named only inside his chart: take a patient the list names).
    const names = (await rows.getByRole('link').allTextContents()).map((text) => text.trim())
    const named = names.findIndex((text) => !text.includes('Patient confidentiel'))
    expect(named).toBeGreaterThanOrEqual(0)
    const firstLink = rows.nth(named).getByRole('link')
    const firstName = names[named]!
    await firstLink.focus()
    await page.keyboard.press('Enter')
    await expect(page).toHaveURL(/#\/patients\/[^/]+$/)
    await expect(page.getByRole('heading', { level: 1 })).toContainText(firstName)
    await expect(page.getByRole('heading', { level: 2, name: 'Allergies et intolérances' })).toBeVisible()
    await expect(page.getByRole('heading', { level: 2, name: 'Constantes', exact: true })).toBeVisible()
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: testInfo.outputPath('chart.png') })

    // The central stops: the banner says so within 10 s, with the data's age.
    await central.stop()
    await expect(degradedBanner(page)).toBeVisible({ timeout: 10_000 })
    await expect(degradedBanner(page)).toContainText('Données du cache au')
    await expect(degradedBanner(page)).toContainText('Les saisies sont conservées et seront transmises.')

    // Charts still open, from the cache.
    await page.getByRole('link', { name: 'Mes patients' }).click()
    await expect(rows.first()).toBeVisible()
    // The second patient the list names (a masked one is named only inside his chart).
    const listed = (await rows.getByRole('link').allTextContents()).map((text) => text.trim())
    const namedRows = listed.flatMap((text, index) => (text.includes('Patient confidentiel') ? [] : [index]))
    const target = rows.nth(namedRows[namedRows.length > 1 ? 1 : 0]!)
    const patientId = (await target.getAttribute('data-patient-id'))!
    const targetName = (await target.getByRole('link').textContent())!.trim()
    await target.getByRole('link').click()
    await expect(page.getByRole('heading', { level: 1 })).toContainText(targetName)
    await expect(page.locator('[data-note="from-cache"]')).toContainText('Données du cache')

    // A vital-sign set recorded while the central is away: kept on this workstation, said so.
    await page.getByRole('link', { name: 'Saisir des constantes' }).click()
    await expect(page).toHaveURL(new RegExp(`#/patients/${patientId}/vitals/new$`))
    await expect(page.getByLabel('TA systolique')).toBeFocused()
    await page.getByLabel('TA systolique').fill(SET.systolic)
    await page.getByLabel('TA diastolique').fill(SET.diastolic)
    await page.getByLabel('Fréquence cardiaque (FC)').fill(SET.heartRate)
    await page.getByLabel('Température (T°)').fill(SET.temperature)
    await page.getByLabel('Saturation en oxygène (SpO2)').fill(SET.spo2)
    await page.getByLabel('Fréquence respiratoire (FR)').fill(SET.respiratoryRate)
    await page.getByRole('button', { name: 'Enregistrer les constantes' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Enregistré sur ce poste — sera transmis au retour du DPI.' })).toBeVisible()
    const newest = page.getByRole('table', { name: /Dernières constantes/ }).locator('tbody tr').first()
    await expect(newest).toContainText('38,4')
    await expect(newest).toContainText('132/84')
    await expect(newest).toContainText("en attente d'envoi")
    expect(await seriousViolations(page)).toEqual([])
    await page.screenshot({ path: testInfo.outputPath('degraded.png') })

    // The central comes back on the same port and folder: the banner clears within 10 s of it answering.
    await central.restart()
    await expect(degradedBanner(page)).toBeHidden({ timeout: 10_000 })
    // The outbox replays: the set loses its pending mark once the central has acknowledged it…
    await expect(newest).toContainText('38,4')
    await expect(newest).not.toContainText("en attente d'envoi", { timeout: 30_000 })
    // …and the central holds it, read back over its FHIR API with the doctor's own card.
    const bundle = await readCentralAs(
      central,
      DOCTOR,
      `Observation?patient=${encodeURIComponent(patientId)}&_sort=-_lastUpdated&_count=20`,
    )
    expect(observedValues(bundle)).toEqual(expect.arrayContaining([132, 84, 87, 38.4, 93, 19]))

    expect(problems.errors).toEqual([])
    expect(await problems.cspViolations()).toEqual([])
  })
})
