import type { Encounter, Location, Resource } from '@medplum/fhirtypes'
import { CentralError, type CentralClient } from '../central/types'
import type { Logger } from '../log'
import type { Database } from '../store'
import { cachedStaysIn, forgetEncounters, recordCensus, saveQueryState, upsertResources } from '../store/cache'
import type { RefusedResource } from '../store/cache/resources'

/**
 * One warning per refusal kind and type: what IT needs to ask the central's editor about (the resource type and
 * why), never an id nor any of the content.
 */
export function logRefused(log: Logger, refused: readonly RefusedResource[]): void {
  const counts = new Map<string, { resourceType: string; reason: string; count: number }>()
  for (const { resourceType, reason } of refused) {
    const key = `${resourceType} ${reason}`
    const entry = counts.get(key) ?? { resourceType, reason, count: 0 }
    entry.count += 1
    counts.set(key, entry)
  }
  for (const entry of counts.values()) log.warn('sync.resource.refused', entry)
}

/** Upserts streamed resources in batches: one transaction per batch keeps the write rate high. */
export async function ingest(
  db: Database,
  stream: AsyncIterable<Resource>,
  now: string,
  onBatch?: (resources: Resource[]) => void,
): Promise<{ count: number; patientIds: Set<string>; maxLastUpdated: string | null; refused: RefusedResource[] }> {
  const out = { count: 0, patientIds: new Set<string>(), maxLastUpdated: null as string | null, refused: [] as RefusedResource[] }
  let batch: Resource[] = []
  const flush = (): void => {
    if (batch.length === 0) return
    onBatch?.(batch)
    const result = upsertResources(db, batch, { now })
    out.count += batch.length
    out.refused.push(...result.refused)
    for (const id of result.patientIds) out.patientIds.add(id)
    if (result.maxLastUpdated && (!out.maxLastUpdated || result.maxLastUpdated > out.maxLastUpdated)) {
      out.maxLastUpdated = result.maxLastUpdated
    }
    batch = []
  }
  for await (const resource of stream) {
    batch.push(resource)
    if (batch.length >= 500) flush()
  }
  flush()
  return out
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * The Location tree below the user's units (unit → rooms → beds, through `partof`), so that a stay recorded at
 * any level is placed, and beds have their labels. Returns every location id of each unit's subtree.
 */
export async function syncLocations(
  db: Database,
  central: CentralClient,
  unitIds: readonly string[],
  now: string,
): Promise<Map<string, string[]>> {
  const subtree = new Map<string, string[]>(unitIds.map((u) => [u, [u]]))
  const rootOf = new Map<string, string>(unitIds.map((u) => [u, u]))
  const all: Location[] = []
  for (const ids of chunks(unitIds, 50)) {
    for await (const r of central.searchAll<Location>('Location', { _id: ids.join(','), _count: '1000' })) all.push(r as Location)
  }
  let level = [...unitIds]
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const next: string[] = []
    for (const ids of chunks(level, 50)) {
      for await (const resource of central.searchAll<Location>('Location', { partof: ids.join(','), _count: '1000' })) {
        const location = resource as Location
        const parent = location.partOf?.reference?.split('/').pop()
        const root = parent ? rootOf.get(parent) : undefined
        if (!location.id || !root || rootOf.has(location.id)) continue
        rootOf.set(location.id, root)
        subtree.get(root)?.push(location.id)
        all.push(location)
        next.push(location.id)
      }
    }
    level = next
  }
  upsertResources(db, all, { now })
  return subtree
}

/**
 * The census of the user's units: every in-progress Encounter located in a unit, a room or a bed below it, with
 * its Patient (`_include`). Always a full query (a discharge takes a stay out of the result; an incremental query
 * would never say so). Stays the cache still places in these units but the central no longer lists are re-read;
 * those that cannot be read any more are forgotten. Then the departure clock of every other cached patient starts.
 */
export async function syncCensus(options: {
  db: Database
  central: CentralClient
  unitIds: readonly string[]
  subtree: Map<string, string[]>
  now: string
  log: Logger
  /**
   * Stays of these units that ended after this instant are read too (with their patients): the unit still cares for
   * those patients — the letter to send, the results that come back — even on a workstation that never saw them.
   */
  dischargedSince?: string
}): Promise<{ patientIds: string[]; changed: Set<string>; count: number }> {
  const { db, central, unitIds, subtree, now, log } = options
  const present = new Set<string>()
  const encounters = new Set<string>()
  const changed = new Set<string>()
  let count = 0
  for (const unitId of unitIds) {
    const locations = subtree.get(unitId) ?? [unitId]
    for (const ids of chunks(locations, 60)) {
      const stream = central.searchAll<Encounter>('Encounter', {
        status: 'in-progress',
        location: ids.join(','),
        _include: 'Encounter:subject',
        _count: '1000',
      })
      const result = await ingest(db, stream, now, (batch) => {
        for (const resource of batch) {
          if (resource.resourceType !== 'Encounter' || resource.status !== 'in-progress') continue
          encounters.add(resource.id as string)
          const patientId = resource.subject?.reference?.match(/Patient\/([A-Za-z0-9\-.]+)$/)?.[1]
          if (patientId) present.add(patientId)
        }
      })
      count += result.count
      logRefused(log, result.refused)
      for (const id of result.patientIds) changed.add(id)
    }
  }
  if (options.dischargedSince) {
    for (const unitId of unitIds) {
      for (const ids of chunks(subtree.get(unitId) ?? [unitId], 60)) {
        const stream = central.searchAll<Encounter>('Encounter', {
          status: 'finished',
          location: ids.join(','),
          date: `ge${options.dischargedSince}`,
          _include: 'Encounter:subject',
          _count: '1000',
        })
        const result = await ingest(db, stream, now)
        count += result.count
        logRefused(log, result.refused)
        for (const id of result.patientIds) changed.add(id)
      }
    }
  }
  const stale = cachedStaysIn(db, unitIds).filter((s) => !encounters.has(s.encounterId))
  const unreadable: string[] = []
  for (const stay of stale) {
    try {
      const fresh = await central.read<Encounter>('Encounter', stay.encounterId)
      for (const id of upsertResources(db, [fresh], { now }).patientIds) changed.add(id)
    } catch (error) {
      if (error instanceof CentralError && error.retryable) throw error
      unreadable.push(stay.encounterId)
    }
    changed.add(stay.patientId)
  }
  if (unreadable.length > 0) {
    log.info('sync.census.forgotten-stays', { count: unreadable.length })
    forgetEncounters(db, unreadable, now)
  }
  recordCensus(db, [...present], now)
  for (const unitId of unitIds) saveQueryState(db, `census:${unitId}`, { cursor: null, syncedAt: now })
  return { patientIds: [...present], changed, count }
}
