import type { ChevetConfig } from '../../config'
import type { Logger } from '../../log'
import { defaultTrustAnchorsDir, loadTrustAnchors } from '../trust-anchors'
import { createPkcs11CardProvider, type Pkcs11CardProvider } from './provider'

/**
 * The workstation's card reader in production: the configured module (Cryptolib CPS by default) and the
 * IGC-Santé anchors of `trustAnchorsDir` (by default resources/trust). Nothing is loaded until the first call.
 */
export function createWorkstationCardProvider(
  config: Pick<ChevetConfig, 'pkcs11Modules' | 'trustAnchorsDir'>,
  log: Logger,
): Pkcs11CardProvider {
  const dir = config.trustAnchorsDir ?? defaultTrustAnchorsDir()
  return createPkcs11CardProvider({
    modules: config.pkcs11Modules,
    trustAnchors: async () => {
      const { anchors, problems } = await loadTrustAnchors([dir])
      for (const problem of problems) log.warn('pkcs11.trust.problem', { problem })
      if (anchors.length === 0) log.warn('pkcs11.trust.empty', { dir })
      return anchors
    },
    log,
  })
}
