import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Chart, ErrorCode } from '../../src-main/contract'
import { RpcError, call, subscribe } from '../rpc'

/** The chart on screen: one patient at a time, reloaded when main says that patient's data changed. */
export const useChartStore = defineStore('chart', () => {
  const patientId = ref<string | null>(null)
  const chart = ref<Chart | null>(null)
  const loading = ref(false)
  const error = ref<ErrorCode | null>(null)
  let sequence = 0

  async function load(): Promise<void> {
    const id = patientId.value
    if (!id) return
    const mine = ++sequence
    loading.value = true
    try {
      const result = await call('chart.open', { patientId: id })
      if (mine !== sequence) return
      chart.value = result
      error.value = null
    } catch (failure) {
      if (mine !== sequence) return
      error.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
      // Never leave another patient's chart under this patient's address, nor a chart no longer allowed (a break
      // the glass that ended).
      if (chart.value?.patient.id !== id || error.value === 'BREAK_GLASS_REQUIRED' || error.value === 'FORBIDDEN') chart.value = null
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  function open(id: string): Promise<void> {
    if (patientId.value !== id) {
      patientId.value = id
      chart.value = null
      error.value = null
    }
    return load()
  }

  /** The chart view is gone: stop following this patient's changes. */
  function close(): void {
    sequence += 1
    patientId.value = null
    loading.value = false
  }

  function reset(): void {
    close()
    chart.value = null
    error.value = null
  }

  function start(): void {
    subscribe('data.changed', (change) => {
      if (patientId.value && change.patientIds.includes(patientId.value)) void load()
    })
  }

  return { patientId, chart, loading, error, open, load, close, reset, start }
})
