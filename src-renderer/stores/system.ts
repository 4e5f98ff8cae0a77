import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DiagnosticsReport, ErrorCode, EventPayload, SystemInfo } from '../../src-main/contract'
import type { HostLink, LinkState } from '../host-adapter'
import { RpcError, call, subscribe } from '../rpc'

type Connectivity = EventPayload<'connectivity.changed'>

function codeOf(error: unknown): ErrorCode {
  return error instanceof RpcError ? error.code : 'INTERNAL'
}

/** What the workstation says about itself: product, environment, link to main, central connectivity, diagnostics. */
export const useSystemStore = defineStore('system', () => {
  const info = ref<SystemInfo | null>(null)
  const infoError = ref<ErrorCode | null>(null)
  /** Transport to main: always open under Electron; the browser host's WebSocket otherwise. */
  const link = ref<LinkState>('open')
  const connectivity = ref<Connectivity>({ state: 'online', dataAsOf: null })

  const diagnostics = ref<DiagnosticsReport | null>(null)
  const diagnosticsError = ref<ErrorCode | null>(null)
  const diagnosticsRunning = ref(false)

  const isTraining = computed(() => info.value?.environment === 'training')
  const linkUsable = computed(() => link.value === 'open' || link.value === 'connecting')

  async function loadInfo(): Promise<void> {
    try {
      info.value = await call('system.info', {})
      infoError.value = null
    } catch (error) {
      infoError.value = codeOf(error)
    }
  }

  /** Asks main where the central stands: on sign-in and after a lost link, when events may have been missed. */
  async function loadSyncStatus(): Promise<void> {
    try {
      const status = await call('sync.status', {})
      connectivity.value = { state: status.connectivity, dataAsOf: status.dataAsOf }
    } catch {
      // Signed out, or the link is down: the next connectivity event will tell.
    }
  }

  async function runDiagnostics(refresh: boolean): Promise<void> {
    diagnosticsRunning.value = true
    try {
      diagnostics.value = await call('system.diagnostics', { refresh })
      diagnosticsError.value = null
    } catch (error) {
      diagnosticsError.value = codeOf(error)
    } finally {
      diagnosticsRunning.value = false
    }
  }

  /** Follows the link and the events; `onReconnect` runs when the link comes back after a drop. */
  function start(hostLink: HostLink | null, onReconnect: () => void): void {
    subscribe('connectivity.changed', (payload) => {
      connectivity.value = payload
    })
    if (!hostLink) return
    link.value = hostLink.state
    hostLink.subscribe((state) => {
      const wasDown = link.value === 'reconnecting'
      link.value = state
      if (state === 'open' && wasDown) onReconnect()
    })
  }

  return {
    info,
    infoError,
    link,
    connectivity,
    diagnostics,
    diagnosticsError,
    diagnosticsRunning,
    isTraining,
    linkUsable,
    loadInfo,
    loadSyncStatus,
    runDiagnostics,
    start,
  }
})
