import type { AuditEvent, Location, Patient, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes'
import { sensitivityOf } from '../access/sensitivity'
import type { CentralClient } from '../central/types'
import type { AccessRow, AnomalyRow, BtgQueueItem, ReviewFilters } from '../contract'
import { RpcFailure } from '../rpc/failure'
import type { FeatureContext, FeatureHandlers } from '../rpc/feature'
import {
  BTG_GRANT_CODE,
  BTG_REVIEW_CODE,
  CHEVET_AUDIT_SYSTEM,
  btgReviewEvent,
  latestReviews,
  toAccessRecord,
  toBtgGrant,
  toBtgReview,
  type AccessRecord,
} from './access-records'
import { RULE_LABELS, detectAnomalies, type PatientInfo, type Sensitivity, type StaffInfo } from './anomalies'
import { toCsv } from './csv'

/** One review reads at most this many AuditEvents (10 pages of 1000): beyond, it says so and asks for filters. */
const MAX_PAGES = 10
const PAGE = '1000'
const DAY = 86_400_000

interface Directory {
  staff: Map<string, StaffInfo>
  patients: Map<string, PatientInfo & { name: string }>
  unitNames: Map<string, string>
}

async function collect<T extends Resource>(central: CentralClient, type: T['resourceType'], params: Record<string, string>): Promise<{ items: T[]; truncated: boolean }> {
  const items: T[] = []
  for await (const resource of central.searchAll(type, { ...params, _count: PAGE }, { maxPages: MAX_PAGES })) items.push(resource as T)
  return { items, truncated: items.length >= MAX_PAGES * Number(PAGE) }
}

function humanName(resource: Patient | Practitioner): { family: string; given: string; families: string[] } {
  const names = resource.name ?? []
  const main = names.find((n) => n.use === 'usual') ?? names.find((n) => n.use === 'official') ?? names[0]
  return { family: main?.family ?? '', given: (main?.given ?? []).join(' '), families: names.map((n) => n.family ?? '').filter(Boolean) }
}

/** The review's words for the flags of access/sensitivity.ts; a VIP (also confidential) is named once, as VIP. */
function reviewSensitivity(patient: Patient): Sensitivity[] {
  const flags = sensitivityOf(patient.meta)
  const out: Sensitivity[] = []
  if (flags.includes('vip')) out.push('vip')
  else if (flags.includes('restricted')) out.push('confidentiel')
  if (flags.includes('penitentiary')) out.push('penitentiaire')
  return out
}

const identityKey = (r: Patient | Practitioner) => {
  const n = humanName(r)
  return r.birthDate ? `${n.family.toUpperCase()}|${n.given.split(' ')[0]?.toUpperCase()}|${r.birthDate}` : null
}

async function directory(central: CentralClient, patientIds: Iterable<string>): Promise<Directory> {
  const [practitioners, roles, locations] = await Promise.all([
    collect<Practitioner>(central, 'Practitioner', {}),
    collect<PractitionerRole>(central, 'PractitionerRole', {}),
    collect<Location>(central, 'Location', { 'physical-type': 'wa' }),
  ])
  const unitNames = new Map(locations.items.map((l) => [l.id ?? '', l.name ?? l.id ?? '']))
  const unitsOf = new Map<string, string[]>()
  for (const role of roles.items) {
    const id = role.practitioner?.reference?.replace(/^Practitioner\//, '')
    if (!id) continue
    const units = (role.location ?? []).map((l) => l.reference?.replace(/^Location\//, '') ?? '').filter(Boolean)
    unitsOf.set(id, [...(unitsOf.get(id) ?? []), ...units])
  }
  const staff = new Map<string, StaffInfo>()
  const staffByIdentity = new Map<string, string>()
  for (const p of practitioners.items) {
    if (!p.id) continue
    const n = humanName(p)
    const role = roles.items.find((r) => r.practitioner?.reference === `Practitioner/${p.id}`)?.code?.[0]?.coding?.find((c) => c.system?.includes('role'))?.code ?? null
    staff.set(p.id, { familyName: n.family, displayName: `${n.given} ${n.family}`.trim(), role, units: unitsOf.get(p.id) ?? [] })
    const key = identityKey(p)
    if (key) staffByIdentity.set(key, p.id)
  }
  const patients = new Map<string, PatientInfo & { name: string }>()
  const ids = [...new Set(patientIds)]
  for (let i = 0; i < ids.length; i += 100) {
    const { items } = await collect<Patient>(central, 'Patient', { _id: ids.slice(i, i + 100).join(',') })
    for (const p of items) {
      if (!p.id) continue
      const n = humanName(p)
      const key = identityKey(p)
      patients.set(p.id, {
        name: `${n.family} ${n.given}`.trim(),
        familyNames: n.families,
        sensitivity: reviewSensitivity(p),
        staffPractitionerId: key ? (staffByIdentity.get(key) ?? null) : null,
      })
    }
  }
  return { staff, patients, unitNames }
}

/** The period asked for, as instants; without `from`, no lower bound (the newest events are read first). */
function period(filters: ReviewFilters): { from: string | null; to: string | null } {
  const from = filters.from ? new Date(Date.parse(`${filters.from}T00:00:00Z`)).toISOString() : null
  const to = filters.to ? new Date(Date.parse(`${filters.to}T00:00:00Z`) + DAY).toISOString() : null
  return { from, to }
}

/**
 * The review's own identity lookups (the DPO's `Patient?_id=` searches, audited by the central) stay in the journal
 * but not in the review: shown, each review would add an access to every patient it names, and trip the bulk rule.
 */
function isReviewLookup(record: AccessRecord): boolean {
  return record.actorRole === 'dpo' && record.action === 'search' && record.resources.every((r) => r.startsWith('Patient/'))
}

interface Review {
  records: AccessRecord[]
  anomalies: AnomalyRow[]
  btg: BtgQueueItem[]
  dir: Directory
  /** Labels of the rules each access record triggered (the CSV's last column). */
  flags: Map<string, string[]>
  truncated: boolean
}

/** Reads the central's journal for these filters and judges it: accesses, anomalies, break-the-glass queue. */
export async function loadReview(central: CentralClient, filters: ReviewFilters): Promise<Review> {
  const { from, to } = period(filters)
  // Newest first: when more than the bound match, the review holds the most recent ones (and says it is truncated).
  const params: Record<string, string> = { _sort: '-date', ...(from ? { date: `ge${from}` } : {}) }
  if (filters.actorId) params.agent = `Practitioner/${filters.actorId}`
  if (filters.patientId) params.patient = `Patient/${filters.patientId}`
  const [events, grantEvents, reviewEvents] = await Promise.all([
    collect<AuditEvent>(central, 'AuditEvent', params),
    collect<AuditEvent>(central, 'AuditEvent', { subtype: `${CHEVET_AUDIT_SYSTEM}|${BTG_GRANT_CODE}` }),
    collect<AuditEvent>(central, 'AuditEvent', { subtype: `${CHEVET_AUDIT_SYSTEM}|${BTG_REVIEW_CODE}` }),
  ])
  const records = events.items
    .filter((e) => to === null || e.recorded < to)
    .reverse()
    .map(toAccessRecord)
    .filter((r): r is AccessRecord => r !== null && !isReviewLookup(r) && (!filters.purpose || r.purpose === filters.purpose))
  const grants = grantEvents.items.map(toBtgGrant).filter((g) => g !== null)
  const reviews = latestReviews(reviewEvents.items.map(toBtgReview).filter((r) => r !== null))
  const dir = await directory(central, [...records.flatMap((r) => r.patientIds), ...grants.flatMap((g) => (g.patientId ? [g.patientId] : []))])
  const staffName = (id: string | null) => (id ? (dir.staff.get(id)?.displayName ?? null) : null)
  const patientName = (id: string) => dir.patients.get(id)?.name ?? id
  const detected = detectAnomalies(records, grants, reviews, dir)
  const flags = new Map<string, string[]>()
  for (const a of detected) for (const id of a.recordIds) flags.set(id, [...new Set([...(flags.get(id) ?? []), RULE_LABELS[a.rule]])])
  const anomalies = detected.map((a) => ({
    rule: a.rule,
    ruleLabel: RULE_LABELS[a.rule],
    key: a.key,
    at: a.at,
    actorName: staffName(a.actorId),
    patientNames: a.patientIds.map(patientName),
    grantId: a.grantId,
    explanation: a.explanation,
  }))
  const btg = grants
    .sort((a, b) => b.recorded.localeCompare(a.recorded))
    .map((g) => {
      const review = reviews.get(g.id)
      return {
        grantId: g.id,
        at: g.recorded,
        actorName: staffName(g.actorId),
        patientId: g.patientId,
        patientName: g.patientId ? patientName(g.patientId) : null,
        reason: g.reason,
        justification: g.justification,
        expires: g.expires,
        review: review ? { verdict: review.verdict, comment: review.comment, at: review.recorded, reviewerName: staffName(review.reviewerId) } : null,
      }
    })
  return { records, anomalies, btg, dir, flags, truncated: events.truncated || grantEvents.truncated }
}

function row(record: AccessRecord, dir: Directory): AccessRow {
  return {
    id: record.id,
    at: record.recorded,
    actorId: record.actorId,
    actorName: record.actorId ? (dir.staff.get(record.actorId)?.displayName ?? null) : null,
    actorRole: record.actorRole,
    patientIds: record.patientIds,
    patientNames: record.patientIds.map((id) => dir.patients.get(id)?.name ?? id),
    resources: record.resources,
    action: record.action,
    purpose: record.purpose,
    outcome: record.outcome,
    source: record.source,
  }
}

export const CSV_HEADER = ['Date (UTC)', 'Professionnel', 'Rôle', 'Patient', 'Action', 'Ressources', 'Motif', 'Résultat', 'Source', 'Anomalies'] as const

/** The access review of the DPO / référent (DESIGN.md §9): reads and writes the central's AuditEvents only. */
export function reviewHandlers(ctx: FeatureContext): FeatureHandlers<'review.search' | 'review.submitBtg' | 'review.exportCsv' | 'review.patientHistory'> {
  return {
    'review.search': async (params) => {
      const review = await loadReview(ctx.active().central, params.filters ?? {})
      const newest = [...review.records].reverse()
      const offset = params.offset ?? 0
      return {
        accesses: newest.slice(offset, offset + (params.limit ?? 50)).map((r) => row(r, review.dir)),
        total: newest.length,
        anomalies: review.anomalies,
        btg: review.btg,
        truncated: review.truncated,
      }
    },
    'review.submitBtg': async (params) => {
      const { central, user } = ctx.active()
      const grant = await central.read<AuditEvent>('AuditEvent', params.grantId).catch(() => null)
      if (!grant || !toBtgGrant(grant)) throw new RpcFailure('NOT_FOUND', 'no such break-the-glass grant')
      const event = btgReviewEvent({
        grantId: params.grantId,
        reviewerId: user.practitionerId,
        reviewerRole: user.role,
        verdict: params.verdict,
        comment: params.comment ?? '',
        recorded: new Date().toISOString(),
      })
      const { resource } = await central.create(event)
      return { reviewId: resource.id ?? '' }
    },
    'review.exportCsv': async (params) => {
      const review = await loadReview(ctx.active().central, params.filters ?? {})
      const rows = review.records.map((r) => {
        const a = row(r, review.dir)
        return [a.at, a.actorName ?? a.actorId, a.actorRole, a.patientNames.join(', '), a.action, a.resources.join(' '), a.purpose === 'btg' ? 'bris de glace' : 'soins', a.outcome === 'success' ? 'succès' : 'échec', a.source, (review.flags.get(r.id) ?? []).join(' | ')]
      })
      const day = new Date().toISOString().slice(0, 10)
      return { filename: `revue-acces-${day}.csv`, csv: toCsv(CSV_HEADER, rows), rows: rows.length }
    },
    'review.patientHistory': async (params) => {
      const review = await loadReview(ctx.active().central, { patientId: params.patientId, from: '2000-01-01' })
      return {
        patientId: params.patientId,
        patientName: review.dir.patients.get(params.patientId)?.name ?? null,
        generatedAt: new Date().toISOString(),
        entries: [...review.records].reverse().map((r) => {
          const a = row(r, review.dir)
          return { at: a.at, actorName: a.actorName, actorRole: a.actorRole, action: a.action, resources: a.resources, purpose: a.purpose, outcome: a.outcome }
        }),
        truncated: review.truncated,
      }
    },
  }
}
