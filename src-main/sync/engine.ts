import type { Resource } from '@medplum/fhirtypes'
import { CentralError, type CentralClient } from '../central/types'
import type {
  CensusEntry,
  Chart,
  ConflictTask,
  CreateNoteParams,
  EventName,
  EventPayload,
  NotesList,
  NotesListParams,
  PatientSummary,
  RecordVitalsParams,
  SyncStatus,
  WriteReceipt,
} from '../contract'
import type { EventBus } from '../events'
import type { Logger } from '../log'
import type { Database } from '../store'
import * as cache from '../store/cache'
import { syncCharts } from './chart-sync'
import { syncCensus, syncLocations } from './census-sync'
import { createConnectivityMonitor, type Connectivity } from './connectivity'
import { replayOutbox, type ReplayReport } from './replay'
import { exportJournal } from '../audit/export'

export interface SyncUser {
  /** FHIR Practitioner id of the signed-in professional (performer of what they record). */
  practitionerId: string
  /** Location ids of the user's units. */
  units: string[]
  /**
   * What the central shows this user (the role): chart cursors are kept per view, so that a user who may read more
   * than the previous one on this workstation is not left with what that one could see (chartQueryKey).
   */
  view?: string
}

export interface SyncEngineOptions {
  db: Database
  central: CentralClient
  user: SyncUser
  log: Logger
  events: EventBus
  /** Background refresh while online (default 30 s). */
  intervalMs?: number
  now?: () => Date
  /** Connectivity probes: every `pingIntervalMs` online (2 s), `degradedPingIntervalMs` degraded (1 s), timeout 1.5 s. */
  pingIntervalMs?: number
  degradedPingIntervalMs?: number
  pingTimeoutMs?: number
  /** Cached data of patients who left the user's units is purged after this delay (default 72 h). */
  retentionHours?: number
  /** How long a write waits for the central before its receipt says `queued` (default 5 s). */
  sendWaitMs?: number
  /** Patients per chart prefetch query (default 20). */
  chunkSize?: number
}

export interface SyncReport {
  ok: boolean
  /** Resources received from the central. */
  resources: number
  patients: number
  ms: number
  replay: Omit<ReplayReport, 'patientIds'> | null
  /** Code of the failure that cut the round short. */
  error: string | null
}

export interface SyncEngine {
  start(): void
  /** Final: stops timers, ends the round under way at its next central call and waits for it; the database stays open. */
  stop(): Promise<void>
  /** One round now (joins the round under way): outbox replay, census, chart prefetch, purge. */
  syncNow(): Promise<SyncReport>
  /** Sends what the outbox holds, in order (joins a replay under way). */
  flushOutbox(): Promise<ReplayReport>
  readonly connectivity: Connectivity
  /** Probes the central now. */
  checkConnectivity(): Promise<Connectivity>
  status(): SyncStatus & { failedWrites: number }
  dataAsOf(): string | null
  census(unitIds?: readonly string[]): CensusEntry[]
  chart(patientId: string): Chart | null
  search(query: string, limit?: number): PatientSummary[]
  /** A vital-sign set; its Provenance names the user (name, role and, for an interne, the senior as onBehalfOf). */
  recordVitals(params: RecordVitalsParams, author?: Omit<cache.ProvenanceAuthor, 'practitionerId'>): Promise<WriteReceipt>
  /** A note signed by the user (name and role as the session knows them); sent with its Provenance. */
  recordNote(params: CreateNoteParams, author: Omit<cache.NoteAuthor, 'practitionerId'>): Promise<WriteReceipt>
  notes(params: NotesListParams): NotesList
  /** A local change to a cached health resource, sent as a versioned update. */
  updateResource(resource: Resource & { id: string }, kind: string): Promise<WriteReceipt>
  /**
   * A write a feature queued itself in the cache (cache/writes.ts): announced (`census`: it changes what the census
   * shows), then sent at once when online, within `sendWaitMs`; the receipt says whether the central has it.
   */
  sendQueued(receipt: WriteReceipt, patientIds: string[], options?: { census?: boolean }): Promise<WriteReceipt>
  tasks(): ConflictTask[]
  resolveTask(taskId: string, choice: cache.Resolution): Promise<void>
  purgeDeparted(delayHours?: number): string[]
}

/**
 * The central as the engine sees it: once the engine is stopped no new call starts, and a paged search ends
 * before its next page. A call refused that way fails like an unreachable central (retryable), so that a write
 * being replayed stays in the outbox for the next session.
 */
function stoppable(central: CentralClient, signal: AbortSignal): CentralClient {
  const check = (): void => {
    if (signal.aborted) throw new CentralError('OFFLINE', 'synchronisation arrêtée', null, true)
  }
  return {
    baseUrl: central.baseUrl,
    ping: async (pingSignal) => (check(), central.ping(pingSignal)),
    read: async (type, id) => (check(), central.read(type, id)),
    search: async (type, params) => (check(), central.search(type, params)),
    async *searchAll(type, params, searchOptions) {
      check()
      for await (const resource of central.searchAll(type, params, searchOptions)) {
        check()
        yield resource
      }
    },
    create: async (resource, createOptions) => (check(), central.create(resource, createOptions)),
    update: async (resource, updateOptions) => (check(), central.update(resource, updateOptions)),
    transaction: async (bundle) => (check(), central.transaction(bundle)),
  }
}

/** Backoff of the outbox while the central answers pings but refuses writes for a passing reason (5xx, 429). */
const REPLAY_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000]

/**
 * Keeps the cache of the user's units warm and sends what was written offline (DESIGN.md §8). Online: a round
 * every `intervalMs` (replay the outbox, then census, charts, purge). Degraded: reads come from the cache, writes
 * queue; when the central answers again, the outbox is replayed first, then the cache refreshed.
 */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { db, user, log, events } = options
  const stopper = new AbortController()
  const central = stoppable(options.central, stopper.signal)
  const now = options.now ?? (() => new Date())
  const intervalMs = options.intervalMs ?? 30_000
  const units = [...new Set(user.units)]
  let running = false
  let roundTimer: NodeJS.Timeout | null = null
  let replayTimer: NodeJS.Timeout | null = null
  let replayFailures = 0
  let round: Promise<SyncReport> | null = null
  let replay: Promise<ReplayReport> | null = null

  const monitor = createConnectivityMonitor({
    ping: (signal) => central.ping(signal),
    log,
    onlineIntervalMs: options.pingIntervalMs,
    degradedIntervalMs: options.degradedPingIntervalMs,
    timeoutMs: options.pingTimeoutMs,
    onChange(state) {
      emit('connectivity.changed', { state, dataAsOf: dataAsOf() })
      // Back online: what was written offline goes first, then the cache catches up. The outbox is flushed here
      // and not only by the round: a round under way (a long chart prefetch, during which a slow answer to a ping
      // flipped the state) has passed its replay already, and syncNow() joins it — a write made meanwhile would
      // wait for the next round, a minute or more later (seen in the e2e host under load).
      if (state === 'online' && running) {
        void flushOutbox().catch(() => undefined)
        void syncNow()
      }
    },
  })

  /** Nothing is announced once stopped: the session it served is closed, and its pages are gone. */
  function emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (!stopper.signal.aborted) events.emit(event, payload)
  }

  function dataAsOf(): string | null {
    return cache.oldestSync(db, units.map((u) => `census:${u}`))
  }

  function noteFailure(error: unknown): void {
    if (error instanceof CentralError && (error.retryable || error.code === 'OFFLINE')) monitor.reportFailure()
  }

  function emitTasks(): void {
    emit('tasks.changed', { conflicts: cache.openConflictCount(db) })
  }

  function scheduleReplay(): void {
    if (!running || replayTimer) return
    const delay = REPLAY_BACKOFF_MS[Math.min(replayFailures, REPLAY_BACKOFF_MS.length - 1)] as number
    replayTimer = setTimeout(() => {
      replayTimer = null
      if (monitor.state === 'online') void flushOutbox()
    }, delay)
    replayTimer.unref()
  }

  function flushOutbox(): Promise<ReplayReport> {
    replay ??= (async () => {
      try {
        const report = await replayOutbox({ db, central, log, now })
        if (report.patientIds.size > 0) emit('data.changed', { patientIds: [...report.patientIds], census: true })
        if (report.conflicts > 0) emitTasks()
        if (report.stoppedBy) {
          replayFailures++
          noteFailure(report.stoppedBy)
          scheduleReplay()
        } else {
          replayFailures = 0
        }
        return report
      } finally {
        replay = null
      }
    })()
    return replay
  }

  async function runRound(): Promise<SyncReport> {
    const started = Date.now()
    const at = now().toISOString()
    const report: SyncReport = { ok: false, resources: 0, patients: 0, ms: 0, replay: null, error: null }
    try {
      const replayed = await flushOutbox()
      report.replay = { sent: replayed.sent, failed: replayed.failed, conflicts: replayed.conflicts, stoppedBy: replayed.stoppedBy }
      if (replayed.stoppedBy) throw replayed.stoppedBy
      // The access journal goes to the central every round; a refusal leaves it for the next one, without failing this.
      await exportJournal({ db, central, log, now })
      const subtree = await syncLocations(db, central, units, at)
      const dischargedSince = new Date(Date.parse(at) - (options.retentionHours ?? cache.DEFAULT_RETENTION_HOURS) * 3_600_000).toISOString()
      const censusResult = await syncCensus({ db, central, unitIds: units, subtree, now: at, log, dischargedSince })
      report.resources += censusResult.count
      report.patients = censusResult.patientIds.length
      if (censusResult.changed.size > 0) {
        emit('data.changed', { patientIds: [...censusResult.changed], census: true })
      }
      const charts = await syncCharts({ db, central, patientIds: censusResult.patientIds, now: at, log, view: user.view, chunkSize: options.chunkSize })
      report.resources += charts.resources
      if (charts.changed.size > 0) emit('data.changed', { patientIds: [...charts.changed], census: true })
      const purged = cache.purgeDeparted(db, { delayHours: options.retentionHours, now: now() }).patientIds
      if (purged.length > 0) {
        log.info('sync.purged', { patients: purged.length })
        emit('data.changed', { patientIds: purged, census: true })
      }
      report.ok = true
    } catch (error) {
      report.error = stopper.signal.aborted ? 'STOPPED' : error instanceof CentralError ? error.code : 'INTERNAL'
      if (stopper.signal.aborted) return { ...report, ms: Date.now() - started }
      noteFailure(error)
      if (!(error instanceof CentralError)) log.error('sync.round.bug', { error: (error as Error)?.name ?? 'unknown' })
    }
    report.ms = Date.now() - started
    log.info('sync.round', { ok: report.ok, resources: report.resources, patients: report.patients, ms: report.ms, error: report.error })
    return report
  }

  function syncNow(): Promise<SyncReport> {
    round ??= runRound().finally(() => {
      round = null
    })
    return round
  }

  function scheduleRound(): void {
    if (!running) return
    roundTimer = setTimeout(() => {
      roundTimer = null
      const go = monitor.state === 'online' ? syncNow() : Promise.resolve(null)
      void go.finally(scheduleRound)
    }, intervalMs)
    roundTimer.unref()
  }

  /** Tries to send right away when online, within `sendWaitMs`; the write is durable either way. */
  async function trySend(receipt: WriteReceipt): Promise<WriteReceipt> {
    if (monitor.state !== 'online') return receipt
    const waitMs = options.sendWaitMs ?? 5_000
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, waitMs)
    })
    try {
      await Promise.race([flushOutbox().then(() => undefined), timeout])
    } finally {
      clearTimeout(timer)
    }
    const entry = cache.outboxEntry(db, { idempotencyKey: receipt.writeId })
    return entry?.state === 'sent' ? { ...receipt, state: 'sent' } : receipt
  }

  return {
    start() {
      if (running) return
      running = true
      monitor.start()
      scheduleRound()
    },
    async stop() {
      running = false
      // The round under way ends at its next central call: sign-out must not wait for a whole chart prefetch.
      stopper.abort()
      monitor.stop()
      if (roundTimer) clearTimeout(roundTimer)
      if (replayTimer) clearTimeout(replayTimer)
      roundTimer = replayTimer = null
      await Promise.allSettled([round, replay].filter(Boolean))
    },
    syncNow,
    flushOutbox,
    get connectivity() {
      return monitor.state
    },
    checkConnectivity: () => monitor.probe(),
    status() {
      const counts = cache.outboxCounts(db)
      return {
        connectivity: monitor.state,
        dataAsOf: dataAsOf(),
        // Not yet accepted by the central: waiting, or refused and kept for the user (also in failedWrites).
        pendingWrites: counts.pending + counts.failed,
        conflicts: cache.openConflictCount(db),
        failedWrites: counts.failed,
      }
    },
    dataAsOf,
    census: (unitIds) => cache.census(db, unitIds ?? units, { now: now() }),
    chart: (patientId) => cache.chart(db, patientId),
    search: (query, limit) => cache.searchPatients(db, query, { limit, allowedUnitIds: units }),
    async recordVitals(params, author = {}) {
      const receipt = cache.recordVitals(db, params, { ...author, practitionerId: user.practitionerId }, { now: now() })
      emit('data.changed', { patientIds: [params.patientId], census: true })
      return trySend(receipt)
    },
    async recordNote(params, author) {
      const receipt = cache.recordNote(db, params, { ...author, practitionerId: user.practitionerId }, { now: now() })
      emit('data.changed', { patientIds: [params.patientId], census: false })
      return trySend(receipt)
    },
    notes: (params) => cache.listNotes(db, params),
    async updateResource(resource, kind) {
      const receipt = cache.updateLocal(db, resource, { kind, now: now() })
      const patientId = cache.readHealth(db, resource.resourceType, resource.id)?.patientId
      if (patientId) emit('data.changed', { patientIds: [patientId], census: false })
      return trySend(receipt)
    },
    async sendQueued(receipt, patientIds, options = {}) {
      emit('data.changed', { patientIds, census: options.census ?? false })
      return trySend(receipt)
    },
    tasks: () => cache.openConflictTasks(db),
    async resolveTask(taskId, choice) {
      const task = cache.conflictTask(db, taskId)
      if (!task || task.resolvedAt) throw new cache.CacheWriteError('NOT_FOUND', `no open task ${taskId}`)
      let current: Resource
      try {
        current = await central.read(task.resourceType as Resource['resourceType'], task.resourceId)
      } catch (error) {
        noteFailure(error)
        throw error
      }
      const at = now().toISOString()
      db.transaction(() => {
        if (choice === 'keepMine') {
          // Mine goes again, on the version the central has now: the user saw both and chose.
          cache.requeue(db, task.outboxSeq, current.meta?.versionId ?? null, at)
        } else {
          cache.applyUpdated(db, current, at)
          cache.markDiscarded(db, task.outboxSeq, at)
        }
        cache.markResolved(db, taskId, choice, at)
      })()
      log.info('sync.task.resolved', { task: taskId, choice })
      emitTasks()
      if (task.patientId) emit('data.changed', { patientIds: [task.patientId], census: false })
      if (choice === 'keepMine' && monitor.state === 'online') await flushOutbox()
    },
    purgeDeparted(delayHours) {
      return cache.purgeDeparted(db, { delayHours: delayHours ?? options.retentionHours, now: now() }).patientIds
    },
  }
}
