import path from 'node:path'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { CardError } from '../../src-main/auth/card'
import { createWorkstationCardProvider } from '../../src-main/auth/pkcs11'
import { CRYPTOLIB_DEFAULT_PATHS } from '../../src-main/config'
import { createMemoryLogger } from '../../src-main/log'

/** A workstation without the Cryptolib: it starts, lists no card, and the log says why. */
describe('PKCS#11 provider without its module', () => {
  it('lists no card, logs the reason once, and answers CARD_ABSENT to a login, zeroing the PIN', async () => {
    const modules = [path.join(os.tmpdir(), 'chevet-absent', 'libcps3_pkcs11_lux.so')]
    const log = createMemoryLogger()
    const provider = createWorkstationCardProvider({ pkcs11Modules: modules, trustAnchorsDir: null }, log)
    expect(log.lines).toEqual([])
    expect(await provider.list()).toEqual([])
    expect(await provider.list()).toEqual([])
    expect(log.lines).toEqual([
      {
        level: 'warn',
        event: 'pkcs11.unavailable',
        fields: { reason: `aucun module PKCS#11 trouvé (cherché : ${modules[0]}) : pas de lecteur de carte CPS sur ce poste` },
      },
    ])
    expect(provider.status()).toMatchObject({ module: null, reason: expect.stringContaining('aucun module PKCS#11 trouvé') })
    const pin = new TextEncoder().encode('1234')
    const error = await provider.login('pkcs11:1', pin).catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(CardError)
    expect((error as CardError).code).toBe('CARD_ABSENT')
    expect([...pin].every((byte) => byte === 0)).toBe(true)
    await provider.dispose()
  })

  it('looks for the Cryptolib where ANS installs it on each system (DOMAIN.md §1.1)', () => {
    expect(CRYPTOLIB_DEFAULT_PATHS.linux).toContain('/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so')
    expect(CRYPTOLIB_DEFAULT_PATHS.win32).toContain('C:\\Windows\\System32\\cps3_pkcs11_w64.dll')
    expect(CRYPTOLIB_DEFAULT_PATHS.darwin).toEqual(['/usr/local/lib/libcps3_pkcs11_osx.dylib'])
  })
})
