import type { Logger } from '../log'

export type Connectivity = 'online' | 'degraded'

export interface ConnectivityOptions {
  /** Resolves when the central answers; must honour the signal (aborted after `timeoutMs`). */
  ping(signal: AbortSignal): Promise<void>
  onChange(state: Connectivity): void
  log: Logger
  /** Between probes while online (default 2000 ms). */
  onlineIntervalMs?: number
  /** Between probes while degraded (default 1000 ms). */
  degradedIntervalMs?: number
  /** A probe slower than this counts as a failure (default 1500 ms). */
  timeoutMs?: number
}

export interface ConnectivityMonitor {
  readonly state: Connectivity
  start(): void
  stop(): void
  /** A central call failed as if the central were down: probe now rather than at the next tick. */
  reportFailure(): void
  /** Probes now (or joins the probe under way) and returns the resulting state. */
  probe(): Promise<Connectivity>
}

/**
 * Online / degraded, decided by a short ping. Worst case to notice a failure: one online interval plus one timeout
 * (2 s + 1.5 s by default), under the 5 s of DESIGN.md §8; to notice the return: one degraded interval (1 s) plus the
 * answer. Starts degraded until the first answer: nothing is claimed fresh before the central has been reached.
 */
export function createConnectivityMonitor(options: ConnectivityOptions): ConnectivityMonitor {
  const onlineIntervalMs = options.onlineIntervalMs ?? 2000
  const degradedIntervalMs = options.degradedIntervalMs ?? 1000
  const timeoutMs = options.timeoutMs ?? 1500
  let state: Connectivity = 'degraded'
  let known = false
  let running = false
  let timer: NodeJS.Timeout | null = null
  let inFlight: Promise<Connectivity> | null = null

  function set(next: Connectivity): void {
    const changed = !known || next !== state
    known = true
    state = next
    if (!changed) return
    options.log.info('sync.connectivity', { state: next })
    try {
      options.onChange(next)
    } catch (error) {
      options.log.error('sync.connectivity-listener-failed', { error: (error as Error)?.name ?? 'unknown' })
    }
  }

  function schedule(delayMs: number): void {
    if (!running) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void probe()
    }, delayMs)
    timer.unref()
  }

  async function once(): Promise<Connectivity> {
    const controller = new AbortController()
    let timeout: NodeJS.Timeout | undefined
    // Raced as well as aborted: a ping that ignores its signal must not hold the state.
    const expired = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => {
        controller.abort()
        reject(new Error('ping timed out'))
      }, timeoutMs)
    })
    expired.catch(() => undefined)
    try {
      await Promise.race([options.ping(controller.signal), expired])
      set('online')
    } catch {
      set('degraded')
    } finally {
      clearTimeout(timeout)
    }
    return state
  }

  function probe(): Promise<Connectivity> {
    inFlight ??= once().finally(() => {
      inFlight = null
      schedule(state === 'online' ? onlineIntervalMs : degradedIntervalMs)
    })
    return inFlight
  }

  return {
    get state() {
      return state
    },
    start() {
      if (running) return
      running = true
      void probe()
    },
    stop() {
      running = false
      if (timer) clearTimeout(timer)
      timer = null
    },
    reportFailure() {
      void probe()
    },
    probe,
  }
}
