import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Bundle, DocumentReference, Patient, Practitioner } from '@medplum/fhirtypes'
import type { CensusEntry, MissingItem } from '../../src-main/contract'
import { expect, hostRpc, readCentralAs, seriousViolations, signIn, test } from './fixtures'

/**
 * Lettre de liaison (issue 9), end to end on a workstation and a training central of its own: the doctor prefills
 * the letter from a chart, completes and edits it, signs it with her card; the secretary finds it in her queue,
 * sends it and sees "envoyée" for each recipient; the DMP deposit is on the central and the relay got the messages.
 */

const STAMP = Date.now().toString(36)
const TODAY = new Date().toISOString().slice(0, 10).split('-').reverse().join('/')

/** What the doctor types for an item the chart did not give. */
function answer(path: string): string {
  if (path === 'stay.admissionDate' || path === 'stay.dischargeDate') return TODAY
  if (path === 'stay.admissionMode') return 'Urgences'
  if (path === 'stay.dischargeMode') return 'Retour à domicile'
  if (path === 'medecinTraitant' || path === 'hospitalDoctor') return 'Dr Cécile MARCHAND'
  if (path.endsWith('.discharge')) return '1 comprimé le matin'
  if (path.endsWith('.reason')) return 'Adaptation à la fonction rénale'
  return 'Aucun.'
}

const FOLLOW_UP = `Consultation de cardiologie dans un mois, bilan biologique à J8 (e2e ${STAMP}).`

test.describe('letters', () => {
  test.afterEach(async ({ workstation }) => {
    await hostRpc(workstation, 'auth.signOut')
  })

  test('prefill, edit and sign; the secretary sends it; DMP deposit and MSSanté messages', async ({ page, workstation, central, problems }, testInfo) => {
    test.setTimeout(300_000)
    await page.goto(workstation.url)
    await signIn(page, 'medecin')
    await expect(page.locator('tbody tr[data-patient-id]').first()).toBeVisible({ timeout: 60_000 })

    // An inpatient with a qualified identity (DMP, patient mailbox) and a declared médecin traitant, as the central has them.
    const census = (await hostRpc(workstation, 'census.list', {})).value as { entries: CensusEntry[] }
    let chosen: { entry: CensusEntry; gp: { name: string; mssante: string } } | null = null
    for (const entry of census.entries.filter((e) => e.patient.identityStatus === 'QUAL' && e.patient.ins)) {
      const patient = (await readCentralAs(central, 'medecin', `Patient/${entry.patient.id}`)) as Patient
      const reference = patient.generalPractitioner?.[0]?.reference
      if (!reference?.startsWith('Practitioner/')) continue
      const gp = (await readCentralAs(central, 'medecin', reference)) as Practitioner
      const mssante = gp.telecom?.find((t) => t.system === 'email')?.value
      if (!mssante) continue
      chosen = { entry, gp: { name: `Dr ${gp.name?.[0]?.given?.[0] ?? ''} ${gp.name?.[0]?.family ?? ''}`, mssante } }
      break
    }
    expect(chosen, 'a QUAL inpatient with a médecin traitant on MSSanté').not.toBeNull()
    const { entry } = chosen!
    const patientId = entry.patient.id

    await page.locator(`tbody tr[data-patient-id="${patientId}"]`).getByRole('link').first().click()
    const section = page.getByRole('region', { name: 'Lettre de liaison' })
    await section.getByRole('link', { name: 'Rédiger la lettre de liaison' }).click()
    await expect(page.getByRole('heading', { level: 1, name: /Lettre de liaison — / })).toBeVisible({ timeout: 30_000 })
    await expect(page.getByText('Brouillon prérempli, pas encore enregistré')).toBeVisible()

    // Complete what the law requires and the chart did not give, each from its link in the missing list.
    const prefill = (await hostRpc(workstation, 'letters.prefill', { patientId })).value as { missing: MissingItem[] }
    for (const item of prefill.missing) {
      await page.locator(`[data-missing="${item.path}"] button`).click()
      const field = page.locator(`[id="letter-${item.path}"]`)
      await expect(field).toBeFocused()
      await page.keyboard.type(item.path === 'medecinTraitant' ? chosen!.gp.name : answer(item.path))
    }
    // And an edit of the doctor's own.
    await page.getByLabel('Suites à donner (rendez-vous, examens, soins)').fill(FOLLOW_UP)
    await page.getByRole('button', { name: 'Enregistrer le brouillon' }).click()
    await expect(page.locator('[data-letter-message]')).toHaveText(/Brouillon enregistré \(version 1\)/)
    await expect(page.getByRole('heading', { level: 2, name: 'Tous les éléments requis sont renseignés.' })).toBeVisible()
    await expect(page.locator('[data-letter-status]').first()).toHaveText('Brouillon')
    // The preview is laid out as the PDF that will be signed.
    await expect(page.getByRole('link', { name: 'Enregistrer le PDF' })).toBeVisible({ timeout: 30_000 })
    // …and shown in the view, page by page, drawn from that PDF: ink on every page, the first named « Page 1 sur N ».
    const pages = page.getByRole('region', { name: 'Aperçu du PDF tel qu’il sera signé' })
    await expect(pages).toHaveAttribute('data-pdf-drawn', 'true', { timeout: 30_000 })
    const count = Number(await pages.getAttribute('data-pdf-pages'))
    expect(count).toBeGreaterThan(0)
    await expect(pages.getByRole('img', { name: `Page 1 sur ${count}` })).toBeVisible()
    const inked = await pages.locator('canvas').evaluateAll((canvases) =>
      canvases.map((canvas) => {
        const c = canvas as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height)
        let dark = 0
        for (let i = 0; i < data.length; i += 4) if ((data[i] ?? 255) < 100 && (data[i + 3] ?? 0) > 0) dark++
        return dark
      }),
    )
    expect(inked).toHaveLength(count)
    expect(inked.every((dark) => dark > 500), `dark pixels per page: ${inked.join(', ')}`).toBe(true)
    await pages.screenshot({ path: testInfo.outputPath('letter-preview.png') })
    // pdf.js runs under the renderer's CSP: its worker is a file of the app, no eval, nothing fetched.
    expect(await problems.cspViolations()).toEqual([])
    expect(problems.errors).toEqual([])
    expect(await seriousViolations(page)).toEqual([])

    await page.getByRole('button', { name: 'Signer avec la carte CPS' }).click()
    await expect(page.locator('[data-letter-message]')).toContainText('Lettre signée par', { timeout: 60_000 })
    await expect(page.locator('[data-letter-status]').first()).toHaveText('Signée')
    await expect(page.getByLabel('Suites à donner (rendez-vous, examens, soins)')).toBeDisabled()
    await expect(page.getByRole('button', { name: 'Modifier (nouvelle version)' })).toBeVisible()

    // The secretary's queue.
    await hostRpc(workstation, 'auth.signOut')
    await page.goto(workstation.url)
    await page.reload()
    await signIn(page, 'secretaire')
    await page.getByRole('link', { name: 'Lettres', exact: true }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Lettres de liaison' })).toBeVisible()
    await page.getByLabel('Statut', { exact: true }).selectOption({ label: 'Signée' })
    const row = page.locator('tr[data-letter]').filter({ hasText: entry.patient.familyName.toUpperCase() })
    await expect(row).toHaveCount(1, { timeout: 15_000 })
    // Discharged today and not sent yet: on the daily list until it leaves.
    const late = page.locator('[data-late-letter]').filter({ hasText: entry.patient.familyName.toUpperCase() })
    await expect(late).toHaveCount(1)
    const letterId = (await row.getAttribute('data-letter'))!
    await row.getByRole('button').click()
    const panel = page.getByRole('region', { name: /Destinataires de la lettre de/ })
    const traitant = panel.locator('[data-recipient="medecin-traitant"]')
    await expect(traitant).toContainText(chosen!.gp.mssante)
    await expect(traitant).toContainText('annuaire')
    await expect(panel.locator('[data-recipient="patient"]')).toContainText(`${entry.patient.ins}@patient.mssante.fr`)
    expect(await seriousViolations(page)).toEqual([])

    // Everyone who may receive it is ticked: the médecin traitant and the patient at least.
    const chosenRows = panel.locator('tr[data-recipient]').filter({ has: page.locator('input[type="checkbox"]:checked') })
    const kinds: string[] = []
    for (let i = 0; i < (await chosenRows.count()); i++) kinds.push((await chosenRows.nth(i).getAttribute('data-recipient'))!)
    expect(kinds).toEqual(expect.arrayContaining(['medecin-traitant', 'patient']))
    await panel.getByRole('button', { name: 'Envoyer' }).click()
    await expect(panel.locator('[data-send-summary]')).toContainText('en erreur', { timeout: 120_000 })
    for (const kind of kinds) await expect(panel.locator(`[data-recipient="${kind}"] [data-recipient-state]`)).toHaveText('envoyée')
    await expect(panel.locator('[data-send-summary]')).toContainText(`${kinds.length} envoyée(s), 0 en erreur`)
    await expect(panel.locator('[data-dmp-state]')).toContainText('déposée')
    await expect(late).toHaveCount(0)
    // The signed PDF, shown in the page to print it (no window opens in the workstation), without the draft mark.
    await panel.getByRole('button', { name: 'Afficher le PDF signé' }).click()
    const signed = panel.getByRole('region', { name: 'PDF signé de la lettre' })
    await expect(signed).toHaveAttribute('data-pdf-drawn', 'true', { timeout: 30_000 })
    await expect(signed.getByRole('img', { name: /^Page 1 sur \d+$/ })).toBeVisible()
    await expect(panel.getByRole('button', { name: 'Imprimer' })).toBeVisible()
    await expect(panel.getByRole('link', { name: 'Enregistrer le PDF signé' })).toHaveAttribute('download', /lettre-de-liaison-signee-v1\.pdf/)
    await signed.screenshot({ path: testInfo.outputPath('signed-letter.png') })
    expect(await seriousViolations(page)).toEqual([])
    expect(await problems.cspViolations()).toEqual([])

    // The DMP deposit, read back at the central.
    const bundle = (await readCentralAs(central, 'medecin', `DocumentReference?subject=Patient/${patientId}`)) as Bundle<DocumentReference>
    // The history of the synthetic hospital has earlier letters: ours is the one named by the signed version's id.
    const deposits = (bundle.entry ?? []).map((e) => e.resource!).filter((d) => d.identifier?.some((i) => i.value === `urn:uuid:${letterId}`))
    expect(deposits).toHaveLength(1)
    expect(deposits[0]!.type?.coding?.[0]?.code).toBe('11490-0')
    expect(deposits[0]!.authenticator?.reference).toBe('Practitioner/pra-medecin')
    expect(deposits[0]!.status).toBe('current')
    expect(deposits[0]!.content[0]!.format?.code).toBe('urn:ihe:iti:xds-sd:pdf:2008')

    // The training relay received one message per recipient, with the letter's headers.
    const mailDir = path.join(central.dir, 'mail')
    const mails = readdirSync(mailDir).map((name) => readFileSync(path.join(mailDir, name), 'latin1'))
    const ours = mails.filter((raw) => /X-MSS-CODECDA: 11490-0/i.test(raw))
    expect(ours.length).toBe(kinds.length)
    expect(ours.some((raw) => raw.includes(chosen!.gp.mssante))).toBe(true)
    const insHeader = new RegExp(`^X-MSS-INS: ${entry.patient.ins}\\r?$`, 'im')
    for (const raw of ours) {
      expect(raw).toMatch(insHeader)
      expect(raw).toMatch(/filename="?lettre-de-liaison\.pdf/)
      expect(raw).toMatch(/filename="?IHE_XDM\.ZIP/)
    }
  })
})
