// The patient cache over the encrypted store (DESIGN.md §5, §8): FHIR resources in segmented tables, read
// models in the contract's shapes, the durable outbox and its conflict tasks, sync bookkeeping and retention.
export { census } from './census'
export { chart, type ChartLimits } from './chart'
export { createConflictTask, conflictTask, markResolved, openConflictCount, openConflictTasks, type ConflictRecord, type Resolution } from './conflicts'
export { LOCAL_ID_PREFIX, WRITE_IDENTIFIER_SYSTEM } from './fhir'
export { fold, foldWords, nameTokens } from './fold'
export {
  enqueue,
  listOutbox,
  markDiscarded,
  markFailed,
  markSent,
  nextPending,
  outboxCounts,
  outboxEntry,
  recordAttempt,
  requeue,
  type OutboxCounts,
  type OutboxEntry,
  type OutboxMethod,
  type OutboxState,
  type OutboxWrite,
} from './outbox'
export { listNotes, noteResources, NOTE_LOINC, recordNote, type NoteAuthor } from './notes'
export { normalizeIns } from './patient-traits'
export { provenanceCondition, provenanceWriteId, writeProvenance, type ProvenanceAuthor } from './provenance'
export { DEFAULT_RETENTION_HOURS, purgeDeparted } from './purge'
export { readHealth, upsertResources, type UpsertResult } from './resources'
export { nameQuery, parseQuery, searchPatients, type SearchOptions } from './search'
export { patientSummary } from './summary'
export {
  cachedStaysIn,
  forgetEncounters,
  markChartSynced,
  oldestSync,
  queryState,
  recordCensus,
  saveQueryState,
  type QueryState,
} from './sync-state'
export { latestVitalSets, VITAL_LOINC } from './vitals'
export { applyCreated, applyUpdated, CacheWriteError, recordVitals, updateLocal, vitalObservations, type Author } from './writes'
