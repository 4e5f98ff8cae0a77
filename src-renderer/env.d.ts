/// <reference types="vite/client" />
import type { ChevetBridge } from '../src-main/contract'

declare global {
  interface Window {
    /** Put there by the Electron preload, or by host-adapter.ts in the browser host. */
    chevet?: ChevetBridge
  }
}
