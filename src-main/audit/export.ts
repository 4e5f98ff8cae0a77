import type { AuditEvent, AuditEventEntity, Bundle, ResourceType } from '@medplum/fhirtypes'
import { CentralError, type CentralClient } from '../central/types'
import type { Logger } from '../log'
import type { Database } from '../store'
import { LOCAL_ID_PREFIX, WRITE_IDENTIFIER_SYSTEM } from '../store/cache/fhir'
import { chainHead, type JournalRow } from './chain'

/** Our codes on the journal entity of each exported AuditEvent. */
export const AUDIT_JOURNAL_SYSTEM = 'urn:chevet:audit-journal'

const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type'
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role'
const ACTION = { read: 'R', create: 'C', update: 'U' } as const
/** v3 ActReason: TREAT for care, BTG (break the glass) for an access under a break the glass. */
const PURPOSE = { care: 'TREAT', btg: 'BTG' } as const
/** Subtype of the AuditEvent that records a break the glass itself (the DPO's review queue is built on it). */
export const BTG_GRANT_SUBTYPE = { system: 'urn:chevet:audit', code: 'btg-grant' } as const

export type { JournalRow }

function detail(type: string, value: string | number) {
  return { type, valueString: String(value) }
}

/** The resource an entry names: a reference, or for a write not yet acknowledged, its idempotency identifier. */
function what(entity: string): AuditEventEntity['what'] | undefined {
  const [type, id] = entity.split('/')
  if (!type || !id) return undefined
  if (id.startsWith(LOCAL_ID_PREFIX)) {
    return { type: type as ResourceType, identifier: { system: WRITE_IDENTIFIER_SYSTEM, value: id.slice(LOCAL_ID_PREFIX.length) } }
  }
  return { reference: entity }
}

/**
 * One journal entry as a FHIR R4 AuditEvent (no names, no values: references, element names, codes). The chain is
 * carried by a journal entity whose details give seq, hash, prev_hash and the chain head at export, so the
 * central holds what is needed to notice a workstation journal rewritten after export.
 */
export function toAuditEvent(row: JournalRow, head: string): AuditEvent {
  const info = (row.detail ? JSON.parse(row.detail) : {}) as {
    method?: string
    outcome?: string
    elements?: string[]
    count?: number
    section?: string
    btgGrant?: string
    reason?: string
    justification?: string
    expires?: string
    granted?: string
  }
  const grant = info.btgGrant === 'true' && (info.outcome ?? 'success') === 'success'
  const outcome = info.outcome ?? 'success'
  const entity: AuditEventEntity[] = []
  if (row.entity) {
    const target = what(row.entity)
    entity.push({
      ...(target ? { what: target } : { name: row.entity }),
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
      ...(info.section ? { description: info.section } : {}),
      detail: [
        detail('elements', (info.elements ?? []).join(',') || '-'),
        ...(info.count !== undefined ? [detail('count', info.count)] : []),
      ],
    })
  }
  if (grant && entity[0]) {
    // The grant's reason, free text and end, for the DPO's review (the text is the user's justification, no chart data).
    entity[0].detail = [
      detail('reason', info.reason ?? ''),
      detail('justification', info.justification ?? ''),
      detail('expires', info.expires ?? ''),
    ]
  }
  if (row.patient_id && row.entity !== `Patient/${row.patient_id}`) {
    entity.push({
      what: { reference: `Patient/${row.patient_id}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    })
  }
  entity.push({
    type: { system: AUDIT_JOURNAL_SYSTEM, code: 'entry', display: 'Entrée du journal des accès du poste' },
    detail: [
      detail('seq', row.seq),
      detail('hash', row.hash),
      detail('prev_hash', row.prev_hash),
      detail('chain_head', head),
      ...(info.method ? [detail('method', info.method)] : []),
    ],
  })
  const purpose = PURPOSE[row.purpose as keyof typeof PURPOSE]
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110', display: 'Patient Record' },
    ...(grant ? { subtype: [{ ...BTG_GRANT_SUBTYPE, display: 'Bris de glace' }] } : {}),
    action: ACTION[row.action as keyof typeof ACTION] ?? 'E',
    recorded: grant && info.granted ? info.granted : row.recorded_at,
    outcome: outcome === 'success' ? '0' : outcome === 'INTERNAL' ? '8' : '4',
    ...(outcome === 'success' ? {} : { outcomeDesc: outcome }),
    ...(purpose ? { purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: purpose }] }] } : {}),
    agent: [
      {
        // An actor that is not a practitioner id (a call refused without a session) is named, not referenced.
        who: /^[A-Za-z0-9\-.]{1,64}$/.test(row.actor) && row.actor_role ? { reference: `Practitioner/${row.actor}` } : { display: row.actor },
        ...(row.actor_role ? { role: [{ text: row.actor_role }] } : {}),
        requestor: true,
      },
    ],
    source: {
      site: row.workstation ?? 'unknown',
      observer: { display: `Chevet — poste ${row.workstation ?? 'inconnu'}` },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '1', display: 'End-user display device, diagnostic display' }],
    },
    entity,
  }
}

export interface ExportReport {
  exported: number
  /** Entries still waiting (a refusal or an unreachable central stops the export until the next round). */
  remaining: number
  error: string | null
}

/**
 * Sends unexported entries, oldest first, as transaction Bundles of AuditEvent creates, and marks each batch
 * exported once the central accepted it (exported_at is the one column the journal's trigger lets change). Never
 * throws: a refusal or an unreachable central leaves the entries for the next round. A response lost after the
 * central committed sends the batch again next time (at least once): duplicates carry the same hash.
 */
export async function exportJournal(options: {
  db: Database
  central: CentralClient
  log: Logger
  batchSize?: number
  /** Bounds one round's work; the rest goes next round. */
  maxBatches?: number
  now?: () => Date
}): Promise<ExportReport> {
  const { db, central, log } = options
  const batchSize = options.batchSize ?? 50
  const maxBatches = options.maxBatches ?? 20
  const now = options.now ?? (() => new Date())
  const pending = db.prepare('SELECT * FROM audit_journal WHERE exported_at IS NULL ORDER BY seq LIMIT ?')
  const mark = db.prepare('UPDATE audit_journal SET exported_at = ? WHERE seq = ? AND exported_at IS NULL')
  const count = db.prepare('SELECT count(*) FROM audit_journal WHERE exported_at IS NULL').pluck()
  const report: ExportReport = { exported: 0, remaining: 0, error: null }
  try {
    for (let batch = 0; batch < maxBatches; batch++) {
      const rows = pending.all(batchSize) as JournalRow[]
      if (rows.length === 0) break
      const head = chainHead(db)
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: rows.map((row) => ({ resource: toAuditEvent(row, head), request: { method: 'POST', url: 'AuditEvent' } })),
      }
      await central.transaction(bundle)
      const at = now().toISOString()
      db.transaction(() => {
        for (const row of rows) mark.run(at, row.seq)
      })()
      report.exported += rows.length
    }
  } catch (error) {
    report.error = error instanceof CentralError ? error.code : 'INTERNAL'
    if (!(error instanceof CentralError)) log.error('audit.export.bug', { error: error instanceof Error ? error.name : typeof error })
  }
  report.remaining = count.get() as number
  if (report.exported > 0 || report.error) {
    log.info('audit.exported', { entries: report.exported, remaining: report.remaining, error: report.error })
  }
  return report
}
