import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ConflictTask, ErrorCode } from '../../src-main/contract'
import { RpcError, call, subscribe } from '../rpc'

export type Resolution = 'keepMine' | 'takeTheirs'

/** Writes the central refused as stale (412): each waits for the user to choose, never resolved silently. */
export const useTasksStore = defineStore('tasks', () => {
  const count = ref(0)
  const tasks = ref<ConflictTask[]>([])
  const loaded = ref(false)
  const error = ref<ErrorCode | null>(null)
  /** Id of the task being resolved, so its buttons wait for the answer. */
  const resolving = ref<string | null>(null)

  async function load(): Promise<void> {
    try {
      const result = await call('tasks.list', {})
      tasks.value = result.tasks
      count.value = result.tasks.length
      error.value = null
      loaded.value = true
    } catch (failure) {
      error.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  async function resolve(taskId: string, choice: Resolution): Promise<ErrorCode | null> {
    resolving.value = taskId
    try {
      await call('tasks.resolve', { taskId, choice })
      tasks.value = tasks.value.filter((task) => task.id !== taskId)
      count.value = tasks.value.length
      void load()
      return null
    } catch (failure) {
      return failure instanceof RpcError ? failure.code : 'INTERNAL'
    } finally {
      resolving.value = null
    }
  }

  function reset(): void {
    count.value = 0
    tasks.value = []
    loaded.value = false
    error.value = null
  }

  function start(): void {
    subscribe('tasks.changed', (change) => {
      count.value = change.conflicts
      // The list is fetched again only when someone has it open; the count is enough for the top bar.
      if (loaded.value) void load()
    })
  }

  return { count, tasks, loaded, error, resolving, load, resolve, reset, start }
})
