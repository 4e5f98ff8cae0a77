import type { Patient } from '@medplum/fhirtypes'
import type { CentralClient } from '../central/types'
import type { Logger } from '../log'
import type { Database } from '../store'
import { upsertResources } from '../store/cache'
import { syncCharts } from './chart-sync'
import { ingest } from './census-sync'

/**
 * Fetches one patient's chart into the cache (break the glass: with the BTG token, whose central grants that one
 * patient): identity, the stay in progress with its places, then the chart's resources as the prefetch does for
 * the census. Throws the central's error (FORBIDDEN, OFFLINE…) when the identity itself cannot be read.
 */
export async function prefetchPatient(options: {
  db: Database
  central: CentralClient
  patientId: string
  now: string
  log: Logger
  /** Whose view of the central this is (the role), as for the census prefetch. */
  view: string
}): Promise<{ resources: number }> {
  const { db, central, patientId, now, log, view } = options
  const patient = await central.read<Patient>('Patient', patientId)
  upsertResources(db, [patient], { now })
  const stays = await ingest(
    db,
    central.searchAll('Encounter', { subject: `Patient/${patientId}`, status: 'in-progress', _include: 'Encounter:location', _count: '100' }),
    now,
  )
  const charts = await syncCharts({ db, central, patientIds: [patientId], now, log, view })
  return { resources: 1 + stays.count + charts.resources }
}

/**
 * Forgets one patient's cached data (a break the glass that ended), like the departure purge: nothing a user was
 * told is saved is dropped, so a patient with a write still to send, refused or in conflict is kept.
 */
export function forgetPatient(db: Database, patientId: string): boolean {
  return db.transaction(() => {
    const waiting = db
      .prepare("SELECT 1 FROM outbox WHERE patient_id = ? AND state IN ('pending', 'failed', 'conflict') LIMIT 1")
      .get(patientId)
    if (waiting) return false
    for (const table of ['conflict_task', 'outbox', 'health_resource', 'encounter', 'document', 'sync_state', 'identity', 'administrative']) {
      db.prepare(`DELETE FROM ${table} WHERE patient_id = ?`).run(patientId)
    }
    return true
  })()
}
