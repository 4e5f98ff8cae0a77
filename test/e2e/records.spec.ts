import { expect, hostRpc, readCentralAs, seriousViolations, signIn, staffMember, test } from './fixtures'

/**
 * The chart's records (issue 7): a doctor adds a CIM-10 problem found by its label and an allergy from the
 * formulary; an interne's note reaches the central with a Provenance naming his senior; a secretary sees the
 * documents and no notes. The workstation runs on a training central in its own process, so that the test can
 * read what reached it.
 */

test.describe('problems, allergies, interns and documents', () => {
  test.afterEach(async ({ workstation }) => {
    await hostRpc(workstation, 'auth.signOut')
  })

  test('a doctor adds a CIM-10 problem found by label and an allergy from the formulary', async ({ page, workstation, problems }) => {
    test.setTimeout(180_000)
    await page.goto(workstation.url)
    await signIn(page, 'medecin')
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 90_000 })
    await rows.first().getByRole('link').click()

    const summary = page.getByRole('region', { name: 'Synthèse' })
    await expect(summary).toBeVisible()
    expect(await seriousViolations(page)).toEqual([])

    const section = page.getByRole('region', { name: 'Problèmes et antécédents' })
    const form = section.getByRole('form', { name: 'Ajouter un problème ou un antécédent' })
    await form.getByLabel('Code CIM-10 ou libellé').fill('embolie pulm')
    await form.getByRole('button', { name: /I26\.9 Embolie pulmonaire/ }).click()
    await expect(form.locator('[data-field="chosen-code"]')).toContainText('I26.9')
    await form.getByLabel('Nature').selectOption('antecedent-medical')
    await form.getByLabel('Nature').selectOption('probleme')
    await form.getByRole('button', { name: 'Enregistrer' }).click()
    await expect(form.getByRole('status').filter({ hasText: /Enregistré/ })).toBeVisible({ timeout: 15_000 })
    const row = section.locator('tbody tr[data-code="I26.9"]')
    await expect(row).toHaveCount(1)
    await expect(row).toContainText('Embolie pulmonaire, sans mention de cœur pulmonaire aigu')
    // Sent once the central answers: right after sign-in, behind the first chart prefetch of a full hospital.
    await expect(row).toHaveAttribute('data-pending', 'false', { timeout: 60_000 })
    await expect(summary).toContainText('I26.9')

    const allergies = page.getByRole('region', { name: 'Allergies et intolérances' })
    const allergyForm = allergies.getByRole('form', { name: 'Ajouter une allergie ou une intolérance' })
    await allergyForm.getByLabel('Substance').fill('amoxi')
    await allergyForm.getByRole('button', { name: 'amoxicilline', exact: true }).click()
    await expect(allergyForm.getByText('Substance du livret thérapeutique.')).toBeVisible()
    await allergyForm.getByLabel('Réaction', { exact: true }).fill('Urticaire géante')
    await allergyForm.getByLabel('Sévérité de la réaction').selectOption('moderate')
    await allergyForm.getByLabel('Criticité').selectOption('high')
    await allergyForm.getByRole('button', { name: 'Enregistrer' }).click()
    const allergy = allergies.locator('tbody tr[data-substance="amoxicilline"]')
    await expect(allergy).toHaveCount(1, { timeout: 15_000 })
    await expect(allergy).toContainText('Urticaire géante')
    await expect(allergy).toHaveAttribute('data-pending', 'false', { timeout: 60_000 })
    await expect(summary).toContainText('amoxicilline')
    expect(await seriousViolations(page)).toEqual([])
    expect(problems.errors).toEqual([])
  })

  test('an interne’s note reaches the central with his senior as onBehalfOf', async ({ page, workstation, central }) => {
    test.setTimeout(180_000)
    await page.goto(workstation.url)
    await signIn(page, 'interne')
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 90_000 })
    await rows.first().getByRole('link').click()
    const panel = page.getByRole('region', { name: 'Notes et transmissions' })
    const form = panel.getByRole('form', { name: 'Nouvelle note' })
    await form.getByRole('radio', { name: 'Observation médicale' }).check()
    const text = `Examen de l’interne ${Date.now().toString(36)}`
    await form.getByLabel('Observation', { exact: true }).fill(text)
    await form.getByRole('button', { name: 'Enregistrer la note' }).click()
    const item = panel.getByRole('listitem').filter({ hasText: text })
    await expect(item).toHaveAttribute('data-pending', 'false', { timeout: 60_000 })

    const intern = staffMember('interne')
    const bundle = (await readCentralAs(central, 'interne', `Provenance?agent=Practitioner/${intern.practitionerId}&_count=100`)) as {
      entry?: { resource: { agent: { who?: { reference?: string }; onBehalfOf?: { reference?: string } }[]; recorded: string } }[]
    }
    const senior = staffMember('medecin')
    const agents = (bundle.entry ?? []).flatMap((e) => e.resource.agent)
    expect(agents.length).toBeGreaterThan(0)
    expect(agents.every((a) => a.onBehalfOf?.reference === `Practitioner/${senior.practitionerId}`)).toBe(true)
  })

  test('a secretary opens a chart: documents, readable, and no notes', async ({ page, workstation, problems }) => {
    test.setTimeout(180_000)
    await page.goto(workstation.url)
    await signIn(page, 'secretaire')
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 90_000 })
    await rows.first().getByRole('link').click()

    const documents = page.getByRole('region', { name: 'Documents' })
    await expect(documents).toBeVisible()
    const read = documents.getByRole('button', { name: 'Lire' }).first()
    await expect(read).toBeVisible({ timeout: 15_000 })
    await read.click()
    await expect(documents.locator('[data-field="document-text"]').first()).toContainText('Données fictives')
    await expect(page.getByRole('region', { name: 'Notes et transmissions' })).toHaveCount(0)
    await expect(page.locator('[data-note="notes-not-shown"]')).toHaveText('Les notes cliniques ne sont pas accessibles à votre rôle.')
    expect(await seriousViolations(page)).toEqual([])
    expect(problems.errors).toEqual([])
  })
})
