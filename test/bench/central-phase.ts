import path from 'node:path'
import type { Resource } from '@medplum/fhirtypes'
import { createCentralClient, type CentralClient } from '../../src-main/central'
import { loadConfig } from '../../src-main/config'
import type { Logger } from '../../src-main/log'
import { census, chart, markChartSynced, upsertResources } from '../../src-main/store/cache'
import { CHART_QUERIES } from '../../src-main/sync'
import { ingest, syncCensus, syncLocations } from '../../src-main/sync/census-sync'
import { loginAtCentral, setUpCentral } from '../../src-main/workspace'
import { median, timeRuns, timeRunsAsync } from './stats'
import { openEncrypted, openPlain, type BenchDb } from './stores'

export interface CentralPhaseResult {
  centralStartMs: number
  hospitalResources: number
  loginMs: number
  censusSyncMs: number
  censusPatients: number
  /** Every page of the heavy chart's prefetch queries, over HTTP, once. */
  chartPrefetchMs: number
  heavyObservations: number
  chartResources: number
  syncMs: number
  syncResourcesPerSec: number
  rawInsertMs: number
  rawInsertPerSec: number
  plainSyncResourcesPerSec: number
  chartOpenCacheMs: number
  chartOpenPlainMs: number
  cipherOverhead: number
  chartOpenCentralMs: number
  chartOpenCentralColdMs: number
  /** The census of the signed-in doctor's real units, from the cache (information). */
  trainingCensusMs: number
  trainingCensusPatients: number
}

/** The central as the sync sees it, keeping a copy of every resource it hands over (to fill the plain database). */
function recording(central: CentralClient, seen: Resource[]): CentralClient {
  return {
    ...central,
    read: async (type, id) => {
      const resource = await central.read(type, id)
      seen.push(resource)
      return resource
    },
    async *searchAll(type, params, options) {
      for await (const resource of central.searchAll(type, params, options)) {
        seen.push(resource)
        yield resource
      }
    },
  }
}

async function* stream(items: readonly Resource[]): AsyncIterable<Resource> {
  yield* items
}

/**
 * What it takes to show the same chart straight from the central, without a cache: the patient, the stay with its
 * locations (unit, room, bed), allergies, conditions, the newest 350 vital-sign observations (enough for the 50
 * newest sets: the heavy patient's sets have 3 to 5) and the newest 100 laboratory results, sorted by the server;
 * sent together as a client would. The answers are parsed (JSON) but not turned into the Chart model, so this is
 * a lower bound of a central-only open. No `code=` filter on the vital signs: the training server matches `code`
 * with medplum's FHIRPath over a union shared by 30 resource types, about 1.5 ms an observation (over a minute on
 * this chart), which would measure that weakness rather than a chart open.
 */
async function openFromCentral(central: CentralClient, patientId: string): Promise<{ vitals: number; results: number }> {
  const subject = `Patient/${patientId}`
  const [, , , , vitals, results] = await Promise.all([
    central.read('Patient', patientId),
    central.search('Encounter', { subject, status: 'in-progress', _include: 'Encounter:location' }),
    central.search('AllergyIntolerance', { patient: subject, _count: '200' }),
    central.search('Condition', { subject, _count: '200' }),
    central.search('Observation', { subject, category: 'vital-signs', _sort: '-date', _count: '350' }),
    central.search('Observation', { subject, category: 'laboratory', _sort: '-date', _count: '100' }),
  ])
  return { vitals: vitals.resources.length, results: results.resources.length }
}

/**
 * The data path against the in-process training central, as the workstation runs it (workspace.ts): the central
 * started by setUpCentral, a virtual card login, the census sync of the doctor's units, the heavy patient's chart
 * prefetch over HTTP, then the cache reads timed on the encrypted store and on the same data without encryption.
 */
export async function runCentralPhase(options: {
  dir: string
  log: Logger
  repeat: number
  progress: (text: string) => void
}): Promise<CentralPhaseResult> {
  const { dir, log, progress } = options
  let t = performance.now()
  const setup = await setUpCentral(loadConfig({ CHEVET_DATA_DIR: path.join(dir, 'data') }), log)
  const training = setup.training
  if (!training) throw new Error('no training central started')
  const centralStartMs = performance.now() - t
  const hospitalResources = training.hospital.resources.length + training.hospital.heavyObservationCount
  progress(`central de formation : ${hospitalResources} ressources, prête en ${Math.round(centralStartMs)} ms`)

  const encrypted = openEncrypted(dir, 'chart')
  let plain: BenchDb | null = null
  const doctor = training.hospital.staff.find((s) => s.key === 'medecin')
  if (!doctor) throw new Error('no demo doctor in the training hospital')
  t = performance.now()
  const card = await training.cards.login(`virtual:${doctor.key}`, new TextEncoder().encode(doctor.pin))
  const login = await loginAtCentral(setup, card, () => undefined, log)
  const loginMs = performance.now() - t
  try {
    const central = createCentralClient({ baseUrl: setup.fhirUrl, token: login.token, log })
    const unitIds = login.user.units.map((u) => u.id)
    const heavy = training.hospital.heavyPatientId

    // Census sync (locations, in-progress stays and their patients), exactly as a sync round starts.
    const censusResources: Resource[] = []
    const recorded = recording(central, censusResources)
    const at = new Date().toISOString()
    t = performance.now()
    const subtree = await syncLocations(encrypted.db, recorded, unitIds, at)
    const synced = await syncCensus({ db: encrypted.db, central: recorded, unitIds, subtree, now: at, log })
    const censusSyncMs = performance.now() - t
    if (!synced.patientIds.includes(heavy)) throw new Error('the heavy patient is not in the doctor’s census')
    progress(`recensement synchronisé : ${synced.patientIds.length} patients en ${Math.round(censusSyncMs)} ms`)

    // The heavy chart's prefetch queries (chart-sync.ts), every page, read once over HTTP.
    const chartResources: Resource[] = []
    t = performance.now()
    for (const { type, patientParam } of CHART_QUERIES) {
      for await (const resource of central.searchAll(type as 'Observation', { [patientParam]: `Patient/${heavy}`, _count: '1000' })) {
        chartResources.push(resource)
      }
    }
    const chartPrefetchMs = performance.now() - t
    progress(`dossier lourd lu sur la centrale : ${chartResources.length} ressources en ${Math.round(chartPrefetchMs)} ms`)

    // Sync ingest (the upsert path, 500 resources a transaction) against plain INSERTs of the same JSON, one
    // transaction, into the same encrypted database. Both serialize the resources inside the timing.
    t = performance.now()
    await ingest(encrypted.db, stream(chartResources), at)
    const syncMs = performance.now() - t
    markChartSynced(encrypted.db, heavy, at)
    encrypted.db.exec('CREATE TABLE bench_raw (id TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT')
    const insert = encrypted.db.prepare('INSERT INTO bench_raw (id, json) VALUES (?, ?)')
    t = performance.now()
    encrypted.db.transaction(() => {
      for (const r of chartResources) insert.run(`${r.resourceType}/${r.id}`, JSON.stringify(r))
    })()
    const rawInsertMs = performance.now() - t
    encrypted.db.exec('DROP TABLE bench_raw')
    progress(`ingestion : ${Math.round(syncMs)} ms ; insertions brutes : ${Math.round(rawInsertMs)} ms`)

    // The same cache without encryption.
    plain = openPlain(dir, 'chart-plain')
    upsertResources(plain.db, censusResources, { now: at })
    t = performance.now()
    await ingest(plain.db, stream(chartResources), at)
    const plainSyncMs = performance.now() - t
    markChartSynced(plain.db, heavy, at)

    const heavyObservations = encrypted.db
      .prepare("SELECT count(*) FROM health_resource WHERE patient_id = ? AND resource_type = 'Observation'")
      .pluck()
      .get(heavy) as number
    const opened = chart(encrypted.db, heavy)
    const openedPlain = chart(plain.db, heavy)
    if (!opened || opened.vitals.length !== 50 || opened.results.length === 0) throw new Error('chart check failed (encrypted)')
    if (JSON.stringify(openedPlain?.vitals) !== JSON.stringify(opened.vitals)) throw new Error('chart check failed (plain differs)')

    // Chart open as `chart.open` does it (engine.chart → cache.chart), encrypted and plain interleaved so that
    // both see the same machine load.
    const cipherTimes: number[] = []
    const plainTimes: number[] = []
    const plainDb = plain.db
    for (let round = 0; round < 3; round++) {
      chart(encrypted.db, heavy)
      chart(plainDb, heavy)
    }
    for (let round = 0; round < options.repeat * 4; round++) {
      cipherTimes.push(...timeRuns(() => chart(encrypted.db, heavy), { warmUp: 0, repeat: 1 }))
      plainTimes.push(...timeRuns(() => chart(plainDb, heavy), { warmUp: 0, repeat: 1 }))
    }
    const chartOpenCacheMs = median(cipherTimes)
    const chartOpenPlainMs = median(plainTimes)

    // The same chart from the central. The first call pays the server's scan and sort of 50,000 observations;
    // the training server then keeps each result list until the next write, so later calls are the cheaper case.
    t = performance.now()
    const fromCentral = await openFromCentral(central, heavy)
    const chartOpenCentralColdMs = performance.now() - t
    if (fromCentral.vitals === 0 || fromCentral.results === 0) throw new Error('chart check failed (central)')
    const centralTimes = await timeRunsAsync(() => openFromCentral(central, heavy), { warmUp: 1, repeat: options.repeat })
    progress(`ouverture du dossier lourd : cache ${chartOpenCacheMs.toFixed(1)} ms, centrale ${median(centralTimes).toFixed(1)} ms`)

    const trainingCensus = census(encrypted.db, unitIds)
    const trainingCensusTimes = timeRuns(() => census(encrypted.db, unitIds), { warmUp: 3, repeat: 30 })

    return {
      centralStartMs,
      hospitalResources,
      loginMs,
      censusSyncMs,
      censusPatients: synced.patientIds.length,
      chartPrefetchMs,
      heavyObservations,
      chartResources: chartResources.length,
      syncMs,
      syncResourcesPerSec: chartResources.length / (syncMs / 1000),
      rawInsertMs,
      rawInsertPerSec: chartResources.length / (rawInsertMs / 1000),
      plainSyncResourcesPerSec: chartResources.length / (plainSyncMs / 1000),
      chartOpenCacheMs,
      chartOpenPlainMs,
      cipherOverhead: chartOpenCacheMs / chartOpenPlainMs,
      chartOpenCentralMs: median(centralTimes),
      chartOpenCentralColdMs,
      trainingCensusMs: median(trainingCensusTimes),
      trainingCensusPatients: trainingCensus.length,
    }
  } finally {
    login.close()
    await card.close()
    plain?.close()
    encrypted.close()
    await training.close()
  }
}
