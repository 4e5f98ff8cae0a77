import { chooseCard, expect, hostRpc, seriousViolations, signIn, staffMember, test } from './fixtures'

/**
 * The last lines of issue 7: the census shows each patient's allergies and care tasks due, sortable; a chart
 * links only the sections the role may see; the top bar keeps the user's name clear of the lock button at
 * 1366×768. Cards: medecin, secretaire, dpo (right PINs only).
 */

test.describe('census care columns, chart section links, top bar', () => {
  test.afterEach(async ({ host }) => {
    await hostRpc(host, 'auth.signOut')
  })

  test('a doctor’s census shows allergies and tasks due, sorted most urgent first', async ({ page, host, problems }) => {
    test.setTimeout(200_000)
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.goto(host.url)
    await signIn(page, 'medecin')
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 90_000 })
    await expect(page.getByRole('columnheader', { name: 'Allergies' })).toBeVisible()
    const tasksHeader = page.getByRole('columnheader', { name: 'Soins à faire' })
    await expect(tasksHeader).toBeVisible()
    const count = await rows.count()
    await expect(page.locator('td[data-column="tasks"]')).toHaveCount(count)
    await expect(page.locator('td[data-column="allergies"]')).toHaveCount(count)
    // The training hospital gives its inpatients plans de soins: some task is due or late somewhere.
    const urgency = async (): Promise<number[]> =>
      page
        .locator('td[data-column="tasks"]')
        .evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-overdue')) * 1000 + Number(c.getAttribute('data-due'))))
    // The plans arrive with the chart prefetch, after the census itself.
    await expect.poll(async () => (await urgency()).some((n) => n > 0), { timeout: 90_000 }).toBe(true)

    await tasksHeader.getByRole('button').click()
    await expect(tasksHeader).toHaveAttribute('aria-sort', 'descending')
    const sorted = await urgency()
    expect(sorted).toEqual([...sorted].sort((a, b) => b - a))
    // A row with tasks says how many in words, not by colour alone.
    const first = page.locator('td[data-column="tasks"]').first()
    await expect(first).toContainText(/soins? (à faire|en retard)/)

    const allergiesHeader = page.getByRole('columnheader', { name: 'Allergies' })
    await allergiesHeader.getByRole('button').click()
    await expect(allergiesHeader).toHaveAttribute('aria-sort', 'descending')
    const allergyCounts = await page.locator('td[data-column="allergies"]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-count'))))
    expect(allergyCounts).toEqual([...allergyCounts].sort((a, b) => b - a))
    expect(await seriousViolations(page)).toEqual([])
    expect(problems.errors).toEqual([])
  })

  test('a secretary’s chart links only the sections her role may see, and her census has no care columns', async ({ page, host, problems }) => {
    test.setTimeout(150_000)
    await page.goto(host.url)
    await signIn(page, 'secretaire')
    const rows = page.locator('tbody tr[data-patient-id]')
    await expect(rows.first()).toBeVisible({ timeout: 90_000 })
    await expect(page.getByRole('columnheader', { name: 'Soins à faire' })).toHaveCount(0)
    await expect(page.getByRole('columnheader', { name: 'Allergies' })).toHaveCount(0)
    await rows.first().getByRole('link').click()

    const nav = page.getByRole('navigation', { name: 'Sections du dossier' })
    await expect(nav.getByRole('link', { name: 'Documents' })).toBeVisible({ timeout: 15_000 })
    for (const hidden of ['Plan de soins', 'Prescriptions', 'Derniers résultats de biologie', 'Allergies et intolérances']) {
      await expect(nav.getByRole('link', { name: hidden, exact: true })).toHaveCount(0)
    }
    // Every link left leads to a heading on the page.
    for (const href of await nav.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))) {
      await expect(page.locator(href)).toHaveCount(1)
    }
    await expect(page.getByRole('region', { name: 'Plan de soins' })).toHaveCount(0)
    expect(problems.errors).toEqual([])
  })

  test('at 1366×768 the DPO’s name does not run under the lock button', async ({ page, host }) => {
    test.setTimeout(120_000)
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.goto(host.url)
    await chooseCard(page, 'dpo')
    await page.getByLabel('Code porteur (PIN)').fill(staffMember('dpo').pin)
    await page.getByRole('button', { name: 'Se connecter avec la carte' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Revue des accès' })).toBeVisible({ timeout: 30_000 })
    const name = page.locator('.top-bar__name')
    await expect(name).toContainText('RENAUD')
    const lock = page.getByRole('button', { name: 'Verrouiller le poste' })
    const [text, button] = await Promise.all([
      name.evaluate((el) => {
        // The painted text, not the box: a text overflowing its box is what overlapped.
        const range = el.ownerDocument.createRange()
        range.selectNodeContents(el)
        const r = range.getBoundingClientRect()
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }
      }),
      lock.boundingBox(),
    ])
    expect(button).not.toBeNull()
    const overlaps = text.right > button!.x && text.left < button!.x + button!.width && text.bottom > button!.y && text.top < button!.y + button!.height
    expect(overlaps).toBe(false)
    // Nothing of the top bar is pushed off the screen either.
    expect(button!.x + button!.width).toBeLessThanOrEqual(1366)
  })
})
