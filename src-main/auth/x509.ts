/**
 * The one place that loads @peculiar/x509 (import it from here, never directly). Two constraints:
 * - tsyringe, which it loads, throws unless `reflect-metadata` ran first. Static imports cannot guarantee that
 *   order once bundled (electron-vite keeps dependencies external and hoists their imports), so both are
 *   required in this module's body, in order.
 * - The library must use Node's WebCrypto, the same provider everywhere.
 * Types come from `X509`, values from `x509`.
 */
import { webcrypto } from 'node:crypto'
import { createRequire } from 'node:module'
import type * as X509 from '@peculiar/x509'

const require = createRequire(import.meta.url)
require('reflect-metadata')
const x509 = require('@peculiar/x509') as typeof X509

// Node's webcrypto and the DOM Crypto type the library is declared with are the same API, typed apart.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

export { x509 }
export type { X509 }
