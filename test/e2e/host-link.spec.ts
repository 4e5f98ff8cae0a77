import { rmSync } from 'node:fs'
import WebSocket from 'ws'
import { HOST_RPC_PROTOCOL, HOST_TOKEN_PROTOCOL_PREFIX } from '../../src-main/contract'
import { expect, startHost, test, watchProblems } from './fixtures'

/** Opens a WebSocket from Node; resolves with 'open' or the HTTP status of the refused handshake. */
function handshake(url: string, token: string, origin: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, [HOST_RPC_PROTOCOL, `${HOST_TOKEN_PROTOCOL_PREFIX}${token}`], { origin })
    socket.once('open', () => {
      socket.close()
      resolve('open')
    })
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0)
      socket.terminate()
    })
    socket.once('error', (error) => reject(error))
  })
}

test.describe('link to the browser host', () => {
  test('without the token, the page explains in French which address to open', async ({ page, host }) => {
    const sockets: string[] = []
    page.on('websocket', (socket) => sockets.push(socket.url()))
    await page.goto(`${host.origin}/`)
    await expect(page.getByRole('heading', { level: 1, name: 'Adresse incomplète' })).toBeVisible()
    await expect(page.getByRole('main')).toContainText("Ouvrez l'adresse complète affichée par Chevet")
    await expect(page).toHaveTitle('Adresse incomplète — Chevet')
    expect(sockets).toEqual([])
  })

  test('with a wrong token, the host refuses the WebSocket and the page says so', async ({ page, host }) => {
    const wrong = host.token.replace(/^./, (c) => (c === '0' ? '1' : '0'))
    const closed: string[] = []
    const received: string[] = []
    page.on('websocket', (socket) => {
      socket.on('framereceived', (frame) => received.push(String(frame.payload)))
      socket.on('close', () => closed.push(socket.url()))
    })
    await page.goto(`${host.origin}/#token=${wrong}`)
    await expect(page.getByRole('heading', { level: 1, name: 'Connexion refusée' })).toBeVisible()
    await expect(page.getByRole('main')).toContainText("Ouvrez l'adresse complète affichée par Chevet")
    expect(page.url()).not.toContain(wrong)
    expect(closed.length).toBeGreaterThan(0)
    expect(received).toEqual([])

    // The same refusal, seen from outside the page: wrong token, foreign origin; the right pair is accepted.
    const ws = host.origin.replace(/^http/, 'ws')
    expect(await handshake(`${ws}/rpc`, wrong, host.origin)).toBe(401)
    expect(await handshake(`${ws}/rpc`, host.token, 'http://evil.example')).toBe(403)
    expect(await handshake(`${ws}/rpc`, host.token, host.origin)).toBe('open')
  })

  test('when the host stops, calls fail with a French message; a restarted host refuses the old token', async ({
    browser,
  }) => {
    // Two host starts, each with its training central: more than the default 30 s on a loaded machine.
    test.setTimeout(120_000)
    const first = await startHost()
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      const problems = watchProblems(page)
      await page.goto(first.url)
      await page.getByRole('link', { name: 'À propos / diagnostic' }).click()
      await expect(page.locator('tr[data-check="database"]')).toContainText('OK')

      await first.stop()
      await expect(page.getByRole('status').filter({ hasText: 'Connexion au service Chevet perdue' })).toBeVisible()
      await page.getByRole('button', { name: 'Relancer le diagnostic' }).click()
      await expect(page.getByRole('alert')).toHaveText('Le service Chevet ne répond pas. Réessayez dans un instant.')
      await expect(page.getByRole('main')).not.toContainText('Error')

      // Same port and data, new launch: a new token, so the page's reconnection is refused.
      const second = await startHost({ dataDir: first.dataDir, dbKey: first.dbKey, port: first.port })
      try {
        await expect(page.getByRole('heading', { level: 1, name: 'Connexion refusée' })).toBeVisible({ timeout: 60_000 })
        await page.goto(second.url)
        await expect(page.getByRole('heading', { level: 1, name: 'Connexion' })).toBeVisible()
        await expect(page.getByRole('status', { name: 'Environnement' })).toBeVisible()
      } finally {
        await second.stop()
      }
      // While the host is down or refusing, the browser itself logs the failed connections; nothing else may appear.
      const unexpected = problems.errors.filter(
        (e) => !e.includes('WebSocket connection to') && !e.includes('net::ERR_CONNECTION_REFUSED'),
      )
      expect(unexpected).toEqual([])
    } finally {
      await context.close()
      await first.stop()
      rmSync(first.dataDir, { recursive: true, force: true })
    }
  })
})
