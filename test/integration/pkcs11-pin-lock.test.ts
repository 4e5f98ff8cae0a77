import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CardError } from '../../src-main/auth/card'
import { createPkcs11CardProvider, type Pkcs11CardProvider } from '../../src-main/auth/pkcs11'
import { loadTrustAnchors } from '../../src-main/auth/trust-anchors'
import { createMemoryLogger } from '../../src-main/log'
import { HOLDERS, createTestCa } from '../fixtures/cps-pki'
import { buildPinCounterModule, cardObjects, createSoftHsm, softHsmAvailable, type SoftHsm } from '../fixtures/softhsm'

/**
 * A card that blocks after three wrong PINs. SoftHSM2 never blocks (it only sets CKF_USER_PIN_COUNT_LOW), so
 * these tests load SoftHSM2 through test/fixtures/pkcs11-pin-counter.c, which adds the try counter a CPS keeps
 * and reports it with the standard token flags; everything else is SoftHSM2's. Its own file: one PKCS#11 module
 * and one SOFTHSM2_CONF per process.
 */

const LABEL = { blocked: 'CPS BLOCAGE', recovered: 'CPS RATTRAPAGE' }
const PIN = '2468'

let hsm: SoftHsm
let provider: Pkcs11CardProvider
let skipReason = softHsmAvailable()

function pin(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

async function refusal(promise: Promise<unknown>): Promise<CardError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  )
  if (!(error instanceof CardError)) throw new Error(`expected a CardError, got ${String(error)}`)
  return error
}

async function card(label: string) {
  const found = (await provider.list()).find((summary) => summary.label === label)
  if (!found) throw new Error(`no card labelled ${label}`)
  return found
}

if (!skipReason) {
  hsm = createSoftHsm()
  const built = buildPinCounterModule(hsm.dir)
  if ('reason' in built) {
    skipReason = built.reason
    hsm.cleanup()
  }
}
if (skipReason) console.warn(`PIN blocking tests skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('a CPS-like PIN counter over PKCS#11', () => {
  beforeAll(async () => {
    const ca = await createTestCa()
    for (const label of Object.values(LABEL)) {
      hsm.createToken({ label, pin: PIN, objects: await cardObjects({ holder: HOLDERS.medecin, ca: ca.intermediate, caCertificates: [ca.intermediate] }) })
    }
    const trust = path.join(hsm.dir, 'trust')
    mkdirSync(trust)
    writeFileSync(path.join(trust, 'racine.pem'), ca.root.certificate.toString('pem'))
    process.env.SOFTHSM2_CONF = hsm.conf
    provider = createPkcs11CardProvider({
      modules: [path.join(hsm.dir, 'libchevet-pin-counter.so')],
      trustAnchors: async () => (await loadTrustAnchors([trust])).anchors,
      log: createMemoryLogger(),
    })
  }, 120_000)

  afterAll(async () => {
    await provider?.dispose()
    hsm?.cleanup()
    delete process.env.SOFTHSM2_CONF
  })

  it('counts down the tries in the card state and the message, then blocks the card with a clear French message', async () => {
    const { slotId } = await card(LABEL.blocked)
    expect((await card(LABEL.blocked)).pinState).toBe('ok')

    const first = await refusal(provider.login(slotId, pin('0000')))
    expect(first).toMatchObject({ code: 'PIN_INCORRECT', triesLeft: 2, message: 'Code porteur incorrect — il reste 2 essais' })
    expect((await card(LABEL.blocked)).pinState).toBe('countLow')

    const second = await refusal(provider.login(slotId, pin('0000')))
    expect(second).toMatchObject({
      code: 'PIN_INCORRECT',
      triesLeft: 1,
      message: 'Code porteur incorrect — il reste 1 essai avant le blocage de la carte',
    })
    expect((await card(LABEL.blocked)).pinState).toBe('finalTry')

    const third = await refusal(provider.login(slotId, pin('0000')))
    expect(third.code).toBe('PIN_LOCKED')
    expect(third.triesLeft).toBe(0)
    expect(third.message).toMatch(/^Carte bloquée : le code porteur a été saisi trop de fois\. Débloquez-la avec le code de déblocage \(PUK\)/)
    expect((await card(LABEL.blocked)).pinState).toBe('locked')

    // Blocked is blocked: the right PIN is refused the same way.
    const buffer = pin(PIN)
    const after = await refusal(provider.login(slotId, buffer))
    expect(after.code).toBe('PIN_LOCKED')
    expect([...buffer].every((byte) => byte === 0)).toBe(true)
  })

  it('gives all the tries back after a good PIN', async () => {
    const { slotId } = await card(LABEL.recovered)
    await refusal(provider.login(slotId, pin('0000')))
    await refusal(provider.login(slotId, pin('0000')))
    expect((await card(LABEL.recovered)).pinState).toBe('finalTry')
    const session = await provider.login(slotId, pin(PIN))
    expect(await session.present()).toBe(true)
    await session.close()
    expect((await card(LABEL.recovered)).pinState).toBe('ok')
    const again = await refusal(provider.login(slotId, pin('0000')))
    expect(again.triesLeft).toBe(2)
  })
})
