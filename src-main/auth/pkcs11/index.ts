/** CPS/CPE cards over PKCS#11 (Cryptolib CPS; SoftHSM2 in tests). */
export {
  createPkcs11CardProvider,
  type Pkcs11CardProvider,
  type Pkcs11CardProviderOptions,
  type Pkcs11Status,
  type SlotReport,
  type TokenReport,
} from './provider'
export { AUTHENTICATION_LABEL, SIGNATURE_LABEL } from './token'
export { createWorkstationCardProvider } from './workstation'
