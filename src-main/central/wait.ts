/**
 * How long a screen that can be drawn from the cache waits for the central first (documents, the letters' queue):
 * past it, the screen shows what the cache holds.
 */
export const CENTRAL_WAIT_MS = 4_000

/** `work`'s value, or `undefined` once `ms` have passed first; its failure is the caller's to catch. */
export async function withinWait<T>(work: Promise<T>, ms = CENTRAL_WAIT_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))])
  } finally {
    clearTimeout(timer)
  }
}
