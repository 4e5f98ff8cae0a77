import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ErrorCode, SessionStatus } from '../../src-main/contract'
import { RpcError, call, subscribe } from '../rpc'

/** Who is signed in, as main knows it; main pushes every change ('session.changed'). */
export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>({ state: 'signed-out', user: null })
  const error = ref<ErrorCode | null>(null)

  const user = computed(() => status.value.user)
  const canLock = computed(() => status.value.state === 'active')

  async function refresh(): Promise<void> {
    try {
      status.value = await call('session.status', {})
      error.value = null
    } catch (failure) {
      error.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  function start(): void {
    subscribe('session.changed', (next) => {
      status.value = next
    })
  }

  return { status, error, user, canLock, refresh, start }
})
