// `npm run bench [-- --json] [-- --quick]`: the data-path benchmarks of issue 4, on the real code (encrypted store,
// cache, sync, FHIR client, in-process training central on 127.0.0.1). A program, not a test: it prints figures and
// says which targets are met. With --json, stdout carries one JSON object and nothing else; progress goes to stderr.
import os from 'node:os'
import { createLogger } from '../../src-main/log'
import { runCentralPhase } from './central-phase'
import { runSearchPhase } from './search-phase'
import { formatTable, round, target, type Row, type Target } from './stats'
import { createScratch, openEncrypted } from './stores'

const args = new Set(process.argv.slice(2))
if (args.has('--help') || args.has('-h')) {
  process.stdout.write(
    'npm run bench [-- --json] [-- --quick]\n' +
      '  --json   un seul objet JSON sur la sortie standard (la progression sur la sortie d’erreur)\n' +
      '  --quick  petit hôpital (2 000 observations lourdes) et 10 000 patients : pour vérifier le programme, pas pour mesurer\n' +
      'Pour un JSON seul sur la sortie standard : npm run -s bench -- --json (sans -s, npm y écrit sa bannière).\n',
  )
  process.exit(0)
}
const json = args.has('--json')
const quick = args.has('--quick')
const unknown = [...args].filter((a) => !['--json', '--quick'].includes(a))
if (unknown.length > 0) {
  process.stderr.write(`bench : option inconnue ${unknown.join(' ')} (voir --help)\n`)
  process.exit(2)
}
// Libraries that print with console.log must not spoil the JSON on stdout.
if (json) console.log = console.info = (...items: unknown[]) => console.error(...items)
// setUpCentral reads the hospital size from the environment, as the workstation does.
if (quick) process.env.CHEVET_TRAINING_SIZE = 'small'
else delete process.env.CHEVET_TRAINING_SIZE

const started = performance.now()
const progress = (text: string): void => {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)} s] ${text}\n`)
}
const scratch = createScratch()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    scratch.cleanup()
    process.exit(130)
  })
}

try {
  const central = await runCentralPhase({ dir: scratch.dir, log: createLogger({}), repeat: quick ? 3 : 10, progress })
  const searchStore = openEncrypted(scratch.dir, 'search')
  const search = (() => {
    try {
      return runSearchPhase(searchStore.db, { patients: quick ? 10_000 : 100_000, repeat: quick ? 2 : 5, progress })
    } finally {
      searchStore.close()
    }
  })()
  const rssMb = process.memoryUsage().rss / 1024 / 1024

  const speedup = central.chartOpenCentralMs / central.chartOpenCacheMs
  const syncRatio = central.syncResourcesPerSec / central.rawInsertPerSec
  const targets: Record<string, Target> = {
    chartOpenCache: target('Dossier depuis le cache (ms)', central.chartOpenCacheMs, '<', 100),
    chartOpenSpeedup: target('Cache / centrale (× plus rapide)', speedup, '>=', 10),
    searchP95: target('Recherche p95 (ms)', search.searchP95Ms, '<', 10),
    cipherOverhead: target('Surcoût SQLCipher (×)', central.cipherOverhead, '<=', 1.15),
    census: target('Recensement 40 patients (ms)', search.censusMs, '<', 50),
    syncVsRaw: target('Sync / insertion brute (×)', syncRatio, '>=', 0.3),
  }

  const report = {
    chartOpenCacheMs: round(central.chartOpenCacheMs),
    chartOpenCentralMs: round(central.chartOpenCentralMs),
    chartOpenCentralColdMs: round(central.chartOpenCentralColdMs),
    chartOpenPlainMs: round(central.chartOpenPlainMs),
    searchP95Ms: round(search.searchP95Ms),
    searchMedianMs: round(search.searchMedianMs),
    searchUnitsP95Ms: round(search.searchUnitsP95Ms),
    searchScanMs: round(search.searchScanP95Ms),
    searchScanMedianMs: round(search.searchScanMedianMs),
    cipherOverhead: round(central.cipherOverhead),
    censusMs: round(search.censusMs),
    syncResourcesPerSec: Math.round(central.syncResourcesPerSec),
    rawInsertPerSec: Math.round(central.rawInsertPerSec),
    plainSyncResourcesPerSec: Math.round(central.plainSyncResourcesPerSec),
    rssMb: Math.round(rssMb),
    targets: Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, { value: t.value, target: t.target, rule: t.rule, met: t.met }])),
    allTargetsMet: Object.values(targets).every((t) => t.met),
    context: {
      quick,
      heavyObservations: central.heavyObservations,
      chartResources: central.chartResources,
      chartPrefetchMs: Math.round(central.chartPrefetchMs),
      centralStartMs: Math.round(central.centralStartMs),
      hospitalResources: central.hospitalResources,
      loginMs: Math.round(central.loginMs),
      censusSyncMs: Math.round(central.censusSyncMs),
      censusSyncPatients: central.censusPatients,
      trainingCensusMs: round(central.trainingCensusMs),
      trainingCensusPatients: central.trainingCensusPatients,
      searchPatients: search.patients,
      searchCacheResources: search.resources,
      searchCacheBuildMs: Math.round(search.buildMs),
      searchQueries: search.queries,
      searchIndexScanAgreement: search.agreement,
      censusPatients: search.censusPatients,
      node: process.version,
      cpus: os.cpus().length,
      durationMs: Math.round(performance.now() - started),
    },
  }

  if (json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  } else {
    const rows: Row[] = [
      { label: 'Dossier lourd depuis le cache (médiane)', value: report.chartOpenCacheMs, unit: `ms (${central.heavyObservations} observations)` },
      { label: 'Même dossier depuis la centrale (médiane)', value: report.chartOpenCentralMs, unit: 'ms' },
      { label: 'Même dossier depuis la centrale (1er appel)', value: report.chartOpenCentralColdMs, unit: 'ms' },
      { label: 'Dossier lourd, SQLite non chiffré', value: report.chartOpenPlainMs, unit: 'ms' },
      { label: 'Surcoût SQLCipher', value: report.cipherOverhead, unit: '×' },
      { label: `Recherche p95 (${search.patients} patients)`, value: report.searchP95Ms, unit: `ms (${search.queries} requêtes)` },
      { label: 'Recherche médiane', value: report.searchMedianMs, unit: 'ms' },
      { label: 'Recherche p95 limitée à 2 unités', value: report.searchUnitsP95Ms, unit: 'ms' },
      { label: 'Mêmes requêtes par balayage, p95', value: report.searchScanMs, unit: 'ms' },
      { label: 'Recensement (40 patients, dernières constantes)', value: report.censusMs, unit: 'ms' },
      { label: 'Synchronisation (ingestion)', value: report.syncResourcesPerSec, unit: 'ressources/s' },
      { label: 'Insertions brutes, une transaction', value: report.rawInsertPerSec, unit: 'lignes/s' },
      { label: 'Mémoire (RSS en fin de course)', value: report.rssMb, unit: 'Mo' },
      { label: 'Durée totale', value: Math.round(report.context.durationMs / 1000), unit: 's' },
    ]
    process.stdout.write(formatTable(rows, targets))
    if (quick) process.stdout.write('(--quick : chiffres indicatifs seulement)\n')
  }
} finally {
  scratch.cleanup()
}
