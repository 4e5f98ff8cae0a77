/**
 * The one place that loads @peculiar/x509: the Reflect polyfill must run first, and the library must use
 * Node's WebCrypto (the same provider everywhere, so keys from one module work in another).
 */
import './reflect-polyfill'
import * as x509 from '@peculiar/x509'
import { webcrypto } from 'node:crypto'

// Node's webcrypto and the DOM Crypto type the library is declared with are the same API, typed apart.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

export { x509 }
