import { onScopeDispose, ref, type Ref } from 'vue'

/**
 * The current time, refreshed every `intervalMs`, for values shown as an age ("il y a 5 min") that must
 * keep growing while the screen stays open. Stops with the component (or effect scope) that uses it.
 */
export function useNow(intervalMs = 30_000): Ref<Date> {
  const now = ref(new Date())
  const timer = setInterval(() => {
    now.value = new Date()
  }, intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return now
}
