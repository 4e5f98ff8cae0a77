import { CentralError, type CentralClient } from '../central/types'
import type { Logger } from '../log'
import type { Database } from '../store'
import { markChartSynced, queryState, saveQueryState } from '../store/cache'
import { ingest, logRefused } from './census-sync'

/** What a chart needs kept warm, and the search parameter that names the patient for each. */
export const CHART_QUERIES: readonly { type: string; patientParam: string }[] = [
  { type: 'Observation', patientParam: 'subject' },
  { type: 'Condition', patientParam: 'subject' },
  { type: 'AllergyIntolerance', patientParam: 'patient' },
  { type: 'DiagnosticReport', patientParam: 'subject' },
  { type: 'MedicationRequest', patientParam: 'subject' },
  { type: 'Composition', patientParam: 'subject' },
  { type: 'CarePlan', patientParam: 'subject' },
  { type: 'Procedure', patientParam: 'subject' },
]

/**
 * The key of one (type, patient) query's cursor. The central answers each search according to the token's role (the
 * habilitation matrix: a cadre de santé reads vital signs, not laboratory results), and the cache is shared by
 * everyone who signs in on the workstation: a cursor moved by one view must not make another skip what it was never
 * given. So each view — the role — keeps cursors of its own; '' is the view of a caller that names none.
 */
export function chartQueryKey(type: string, patientId: string, view = ''): string {
  return view ? `${type}@${view}:Patient/${patientId}` : `${type}:Patient/${patientId}`
}

export interface ChartSyncReport {
  resources: number
  changed: Set<string>
  /** Patients whose chart could not be fetched (refused, gone): tried again at the next round. */
  skipped: string[]
}

/**
 * Prefetches the charts of these patients, type by type, incrementally: each (type, patient) query keeps the
 * newest `meta.lastUpdated` it received and asks only for `_lastUpdated=gt<cursor>` next time. Patients sharing a
 * cursor are asked together (`subject=Patient/a,Patient/b…`, `chunkSize` at a time); the cursors move only once
 * a query was read to its last page. A chunk refused as a whole is retried patient by patient, so that one patient
 * who just left the unit does not hold the others back.
 */
export async function syncCharts(options: {
  db: Database
  central: CentralClient
  patientIds: readonly string[]
  now: string
  log: Logger
  /** Whose view of the central this is (the role): cursors are kept per view, see chartQueryKey. */
  view?: string
  chunkSize?: number
  pageSize?: number
}): Promise<ChartSyncReport> {
  const { db, central, now, log } = options
  const view = options.view ?? ''
  const chunkSize = options.chunkSize ?? 20
  const pageSize = String(options.pageSize ?? 1000)
  const report: ChartSyncReport = { resources: 0, changed: new Set(), skipped: [] }
  const failed = new Set<string>()

  async function run(type: string, param: string, patients: string[], cursor: string | null): Promise<void> {
    const params: Record<string, string> = { [param]: patients.map((p) => `Patient/${p}`).join(','), _count: pageSize }
    if (cursor) params._lastUpdated = `gt${cursor}`
    const result = await ingest(db, central.searchAll(type as 'Observation', params), now)
    report.resources += result.count
    logRefused(log, result.refused)
    for (const id of result.patientIds) report.changed.add(id)
    const next = result.maxLastUpdated ?? cursor
    db.transaction(() => {
      for (const patientId of patients) saveQueryState(db, chartQueryKey(type, patientId, view), { patientId, cursor: next, syncedAt: now })
    })()
  }

  /**
   * The patient is out of reach (left the unit, gone): his other types are not asked either. Any other refusal
   * (a query the central cannot answer for this type) leaves that one type behind — its cursor stays, so it is asked
   * again next round — and the rest of the chart still comes.
   */
  function refused(patientId: string, error: CentralError): void {
    if (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND' || error.code === 'BREAK_GLASS_REQUIRED') failed.add(patientId)
  }

  for (const { type, patientParam } of CHART_QUERIES) {
    const byCursor = new Map<string, string[]>()
    for (const patientId of options.patientIds) {
      if (failed.has(patientId)) continue
      const cursor = queryState(db, chartQueryKey(type, patientId, view))?.cursor ?? ''
      byCursor.set(cursor, [...(byCursor.get(cursor) ?? []), patientId])
    }
    for (const [cursor, patients] of byCursor) {
      for (let i = 0; i < patients.length; i += chunkSize) {
        const chunk = patients.slice(i, i + chunkSize)
        try {
          await run(type, patientParam, chunk, cursor || null)
        } catch (error) {
          if (!(error instanceof CentralError) || error.retryable || error.code === 'UNAUTHENTICATED') throw error
          for (const patientId of chunk.length > 1 ? chunk : []) {
            try {
              await run(type, patientParam, [patientId], cursor || null)
            } catch (single) {
              if (!(single instanceof CentralError) || single.retryable || single.code === 'UNAUTHENTICATED') throw single
              refused(patientId, single)
            }
          }
          if (chunk.length === 1) refused(chunk[0] as string, error)
          log.info('sync.charts.refused', { type, code: error.code, patients: chunk.length })
        }
      }
    }
  }
  db.transaction(() => {
    for (const patientId of options.patientIds) if (!failed.has(patientId)) markChartSynced(db, patientId, now)
  })()
  report.skipped = [...failed]
  return report
}
