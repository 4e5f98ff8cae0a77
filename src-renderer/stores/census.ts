import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CensusEntry, ErrorCode, Unit } from '../../src-main/contract'
import { RpcError, call, subscribe } from '../rpc'

/** The patients of the user's units (the ward list), as the cache holds it. */
export const useCensusStore = defineStore('census', () => {
  const units = ref<Unit[]>([])
  const entries = ref<CensusEntry[]>([])
  const dataAsOf = ref<string | null>(null)
  /** null: every unit of the user. */
  const unitId = ref<string | null>(null)
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<ErrorCode | null>(null)
  /** Only a view showing the census asks for refreshes, so a sync in the background costs nothing elsewhere. */
  let watchers = 0
  let sequence = 0

  async function load(): Promise<void> {
    const mine = ++sequence
    loading.value = true
    try {
      const result = await call('census.list', unitId.value ? { unitId: unitId.value } : {})
      // A slower answer to an older request (another unit) must not overwrite the newer one.
      if (mine !== sequence) return
      units.value = result.units
      entries.value = result.entries
      dataAsOf.value = result.dataAsOf
      error.value = null
      loaded.value = true
      if (unitId.value && !result.units.some((unit) => unit.id === unitId.value)) selectUnit(null)
    } catch (failure) {
      if (mine === sequence) error.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
    } finally {
      if (mine === sequence) loading.value = false
    }
  }

  function selectUnit(id: string | null): void {
    if (unitId.value === id) return
    unitId.value = id
    void load()
  }

  /** Called by the census view while it is shown; returns the function that stops watching. */
  function watch(): () => void {
    watchers += 1
    void load()
    return () => {
      watchers -= 1
    }
  }

  /** Forgets every patient (sign-out): nothing of the previous user's list stays in the page. */
  function reset(): void {
    sequence += 1
    units.value = []
    entries.value = []
    dataAsOf.value = null
    unitId.value = null
    loaded.value = false
    loading.value = false
    error.value = null
  }

  function start(): void {
    subscribe('data.changed', (change) => {
      if (change.census && watchers > 0) void load()
    })
  }

  return { units, entries, dataAsOf, unitId, loaded, loading, error, load, selectUnit, watch, reset, start }
})
