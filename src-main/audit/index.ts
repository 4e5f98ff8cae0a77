export { GENESIS_HASH, canonicalJson, chainHead, entryHash, verifyChain, type ChainBreak, type ChainReport } from './chain'
export { EXTRACTORS, extractorFor, type Extractor, type JournalAction, type Touch } from './extractors'
export {
  JournalUnavailable,
  NO_SESSION_ACTOR,
  appendEntries,
  createAccessJournal,
  workstationId,
  type AccessJournalOptions,
  type Caller,
  type JournalEntry,
  type Outcome,
  type Purpose,
} from './journal'
export { AUDIT_JOURNAL_SYSTEM, exportJournal, toAuditEvent, type ExportReport } from './export'
