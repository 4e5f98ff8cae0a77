import type { Resource } from '@medplum/fhirtypes'
import type { PatientSummary } from '../../src-main/contract'
import { census, fold, parseQuery, patientSummary, searchPatients, upsertResources } from '../../src-main/store/cache'
import type { Database } from '../../src-main/store'
import { BEDS_PER_UNIT, CENSUS_UNIT, locations, population, unitId, type Sample } from './population'
import { median, percentile, timeRuns } from './stats'

export interface SearchPhaseResult {
  patients: number
  resources: number
  buildMs: number
  queries: number
  searchP95Ms: number
  searchMedianMs: number
  /** The same mix restricted to two units, as `patients.search` runs it for a user (engine.search). */
  searchUnitsP95Ms: number
  searchScanP95Ms: number
  searchScanMedianMs: number
  /** Queries whose result set (under the limit) is the same by index and by scan. */
  agreement: string
  censusMs: number
  censusPatients: number
}

const DATE_FR = (iso: string): string => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`
const spaced = (ins: string): string => `${ins.slice(0, 1)} ${ins.slice(1, 3)} ${ins.slice(3, 5)} ${ins.slice(5, 7)} ${ins.slice(7, 10)} ${ins.slice(10, 13)} ${ins.slice(13)}`

/** What a ward types in the search box: name prefixes with and without accents, dates, INS, IPP, beds, misses. */
export function queryMix(samples: readonly Sample[]): string[] {
  const queries = ['helene dur', 'Hélène DURAND', 'lefevre', 'LEFÈV', 'muller', "n'diaye", 'ndiaye', 'martin', 'ma', 'jean-franc', 'de la font', 'beauch']
  const some = samples.filter((_, i) => i % 4 === 0).slice(0, 10)
  for (const s of some) {
    const [given, family] = [fold(s.given).split(' ')[0] ?? '', fold(s.family).replace(/ /g, '')]
    queries.push(`${given.slice(0, 4)} ${family.slice(0, 4)}`, `${s.family} ${s.given}`)
  }
  for (const s of samples.slice(1, 5)) queries.push(DATE_FR(s.birthDate))
  for (const s of samples.slice(5, 7)) queries.push(s.birthDate)
  for (const s of samples.slice(7, 10)) queries.push(`${fold(s.family).split(' ')[0]} ${DATE_FR(s.birthDate)}`)
  const qualified = samples.filter((s) => s.ins)
  for (const s of qualified.slice(0, 4)) queries.push(s.ins as string)
  for (const s of qualified.slice(4, 6)) queries.push(spaced(s.ins as string))
  for (const s of samples.slice(10, 14)) queries.push(s.ipp)
  queries.push('101-1', 'lit 2503-2', '1207-1', 'zzyzx', 'qwerty 01/01/1900')
  return queries
}

/**
 * The baseline without the product's indexes: one row per patient with its folded names, identifiers and bed, no
 * index at all, queried with LIKE '% word%' per word. The cheapest full scan there is (no JavaScript per row), so
 * the gap to the indexed search is the index's doing alone.
 */
function buildScanTable(db: Database): void {
  db.exec(`
    DROP TABLE IF EXISTS bench_scan;
    CREATE TABLE bench_scan (patient_id TEXT, sort_key TEXT, names TEXT, birth_date TEXT, ins TEXT, ipp TEXT, bed_key TEXT);
    INSERT INTO bench_scan
      SELECT i.patient_id, i.sort_key,
             ' ' || (SELECT group_concat(t.token, ' ') FROM identity_token t WHERE t.patient_id = i.patient_id) || ' ',
             i.birth_date, CASE WHEN i.identity_status = 'QUAL' THEN i.ins END, a.ipp, a.bed_key
      FROM identity i LEFT JOIN administrative a ON a.patient_id = i.patient_id;
  `)
}

function scanSearch(db: Database, query: string, limit = 20): PatientSummary[] {
  const parsed = parseQuery(query)
  const named = parsed.words.length > 0 || parsed.birthDate !== null
  const nameConditions = [
    ...parsed.words.map(() => `names LIKE ?`),
    ...(parsed.birthDate ? ['birth_date = ?'] : []),
  ]
  const text = `SELECT patient_id FROM bench_scan
    WHERE ins = ? OR ipp = ? OR bed_key = ? ${named ? `OR (${nameConditions.join(' AND ')})` : ''}
    ORDER BY sort_key LIMIT ?`
  const params: unknown[] = [parsed.ins, parsed.exact, parsed.bed, ...parsed.words.map((w) => `% ${w}%`)]
  if (parsed.birthDate) params.push(parsed.birthDate)
  params.push(limit)
  const ids = db.prepare(text).pluck().all(...params) as string[]
  return ids.map((id) => patientSummary(db, id)).filter((p): p is PatientSummary => p !== null)
}

function sameSet(a: readonly PatientSummary[], b: readonly PatientSummary[]): boolean {
  const ids = new Set(a.map((p) => p.id))
  return a.length === b.length && b.every((p) => ids.has(p.id))
}

/** Transactions of the population load: setup, not a measure, so larger than the sync's 500 (about 1.6× faster). */
const LOAD_BATCH = 5000

/** Fills the cache with `count` patients through the cache's upsert path, then times search and census on it. */
export function runSearchPhase(db: Database, options: { patients: number; repeat: number; progress: (text: string) => void }): SearchPhaseResult {
  const samples: Sample[] = []
  const started = performance.now()
  const now = new Date().toISOString()
  upsertResources(db, locations(), { now })
  let batch: Resource[] = []
  let loaded = 0
  for (const resource of population(options.patients, samples)) {
    batch.push(resource)
    if (batch.length < LOAD_BATCH) continue
    loaded += upsertResources(db, batch, { now }).written
    batch = []
  }
  loaded += upsertResources(db, batch, { now }).written
  const buildMs = performance.now() - started
  options.progress(`cache de recherche : ${options.patients} patients (${loaded} ressources) en ${Math.round(buildMs)} ms`)
  db.pragma('optimize')

  const queries = queryMix(samples)
  const helene = searchPatients(db, 'helene dur')
  if (!helene.some((p) => p.familyName === 'DURAND' && p.givenName === 'Hélène')) throw new Error('search check failed: helene dur')
  const withIns = samples.find((s) => s.ins)
  if (withIns && searchPatients(db, withIns.ins as string)[0]?.id !== withIns.id) throw new Error('search check failed: INS')

  const units = [unitId(0), unitId(1)]
  const indexed: number[] = []
  const restricted: number[] = []
  for (const query of queries) {
    indexed.push(...timeRuns(() => searchPatients(db, query), { warmUp: 1, repeat: options.repeat }))
    restricted.push(...timeRuns(() => searchPatients(db, query, { allowedUnitIds: units }), { warmUp: 1, repeat: options.repeat }))
  }
  options.progress(`recherche indexée : ${queries.length} requêtes × ${options.repeat}`)

  buildScanTable(db)
  const scanned: number[] = []
  let comparable = 0
  let agree = 0
  for (const query of queries) {
    const byIndex = searchPatients(db, query)
    const byScan = scanSearch(db, query)
    if (byIndex.length < 20 && byScan.length < 20) {
      comparable++
      if (sameSet(byIndex, byScan)) agree++
    }
    scanned.push(...timeRuns(() => scanSearch(db, query), { warmUp: 0, repeat: Math.max(1, Math.ceil(options.repeat / 2)) }))
  }
  db.exec('DROP TABLE bench_scan')
  options.progress(`recherche par balayage : ${queries.length} requêtes`)

  const entries = census(db, [CENSUS_UNIT])
  if (entries.length !== BEDS_PER_UNIT || entries.some((e) => !e.lastVitals)) {
    throw new Error(`census check failed: ${entries.length} patients, ${entries.filter((e) => e.lastVitals).length} with vital signs`)
  }
  const censusTimes = timeRuns(() => census(db, [CENSUS_UNIT]), { warmUp: 3, repeat: 30 })

  return {
    patients: options.patients,
    resources: loaded,
    buildMs,
    queries: queries.length,
    searchP95Ms: percentile(indexed, 95),
    searchMedianMs: median(indexed),
    searchUnitsP95Ms: percentile(restricted, 95),
    searchScanP95Ms: percentile(scanned, 95),
    searchScanMedianMs: median(scanned),
    agreement: `${agree}/${comparable}`,
    censusMs: median(censusTimes),
    censusPatients: entries.length,
  }
}
