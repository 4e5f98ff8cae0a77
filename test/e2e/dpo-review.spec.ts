import { readFileSync } from 'node:fs'
import { chooseCard, expect, hostRpc, seriousViolations, staffMember, test } from './fixtures'

/**
 * The DPO's access review (issue 6): she signs in and lands on it, sees every anomaly rule on the training data's
 * seeded suspicious accesses, reviews a break the glass, and exports the journal as CSV and a patient's history as PDF.
 */

const DPO = 'dpo'
const RULES: Record<string, RegExp> = {
  'hors-unites': /hors de ses unités/,
  'meme-nom': /même nom de famille/,
  'dossier-collegue': /collègue|propre dossier/,
  'masse-hors-heures': /dossiers de patients différents en moins d’une heure hors des heures ouvrées/,
  'btg-non-revu': /pas encore revu/,
  'patient-sensible': /patient sensible/,
}

test.describe('access review (DPO)', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('the DPO sees the anomalies, reviews a break the glass and exports the journal', async ({ page, host, problems }) => {
    test.setTimeout(120_000)
    await page.goto(host.url)
    await chooseCard(page, DPO)
    await page.getByLabel('Code porteur (PIN)').fill(staffMember(DPO).pin)
    await page.getByRole('button', { name: 'Se connecter avec la carte' }).click()
    // No units, no census: her landing page is the review.
    await expect(page.getByRole('heading', { level: 1, name: 'Revue des accès' })).toBeVisible({ timeout: 30_000 })

    const anomalies = page.getByRole('region', { name: /^Anomalies/ })
    await expect(anomalies).toBeVisible({ timeout: 60_000 })
    for (const [rule, explanation] of Object.entries(RULES)) {
      const items = anomalies.locator(`li[data-rule="${rule}"]`)
      expect(await items.count(), rule).toBeGreaterThan(0)
      await expect(items.first().locator('.review__anomaly-explanation')).toHaveText(explanation)
    }

    // Review one break the glass as justified: it leaves the unreviewed list.
    const unreviewed = anomalies.locator('li[data-rule="btg-non-revu"]')
    const before = await unreviewed.count()
    const queue = page.getByRole('region', { name: /^Bris de glace à revoir/ })
    const grant = queue.locator('li[data-grant-id]').filter({ hasNotText: 'Revu :' }).first()
    const grantId = await grant.getAttribute('data-grant-id')
    await grant.getByRole('radio', { name: 'Justifié' }).check()
    await grant.getByLabel('Commentaire').fill('Urgence confirmée avec le service')
    await grant.getByRole('button', { name: 'Enregistrer la revue' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'Revue enregistrée.' })).toBeAttached()
    await expect(unreviewed).toHaveCount(before - 1, { timeout: 15_000 })
    await expect(queue.locator(`li[data-grant-id="${grantId}"]`)).toContainText('Revu : Justifié')
    await expect(queue.locator(`li[data-grant-id="${grantId}"]`)).toContainText('Urgence confirmée avec le service')

    // CSV: UTF-8 with BOM, ; separated, our header, and the seeded night-time bulk access among the rows.
    const csvDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Exporter en CSV' }).click()
    const csvFile = await csvDownload
    expect(csvFile.suggestedFilename()).toMatch(/^revue-acces-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = readFileSync((await csvFile.path())!, 'utf8')
    expect(csv.charCodeAt(0)).toBe(0xfeff)
    const lines = csv.slice(1).split('\r\n')
    expect(lines[0]).toBe('Date (UTC);Professionnel;Rôle;Patient;Action;Ressources;Motif;Résultat;Source;Anomalies')
    const cadre = staffMember('cadre')
    const bulkRow = lines.find((line) => line.includes(`${cadre.givenName} ${cadre.familyName}`) && line.includes('Accès en masse hors heures ouvrées'))
    expect(bulkRow?.split(';')).toHaveLength(10)
    expect(bulkRow?.split(';')[2]).toBe('cadre')

    expect(await seriousViolations(page)).toEqual([])

    // One patient's access history (RGPD right of access) as PDF.
    const patient = page.getByLabel('Patient', { exact: true })
    const value = await patient.locator('option').nth(1).getAttribute('value')
    await patient.selectOption(value!)
    await page.getByRole('button', { name: 'Appliquer' }).click()
    const pdfDownload = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Historique des accès du patient (PDF)' }).click()
    const pdf = readFileSync((await (await pdfDownload).path())!)
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')

    expect(problems.errors).toEqual([])
  })
})
