import type { AuditEvent } from '@medplum/fhirtypes'

/** Our AuditEvent subtypes for break the glass (the grant is h1's, the review is ours). */
export const CHEVET_AUDIT_SYSTEM = 'urn:chevet:audit'
export const BTG_GRANT_CODE = 'btg-grant'
export const BTG_REVIEW_CODE = 'btg-review'
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason'
/** BTG, and ETREAT (emergency treatment) which a workstation's journal export used for break the glass. */
const BTG_PURPOSES: ReadonlySet<string> = new Set(['BTG', 'ETREAT'])
/** Detail on a patient entity naming the unit (Location id) the patient's stay was in at the time of the access. */
export const UNIT_DETAIL = 'unit'

export type AccessAction = 'read' | 'search' | 'create' | 'update' | 'delete' | 'other'
export type Purpose = 'care' | 'btg'

/** One access to patient data as the review sees it, whichever side (central or workstation) recorded it. */
export interface AccessRecord {
  id: string
  recorded: string
  actorId: string | null
  actorRole: string | null
  patientIds: string[]
  /** `Type/id` (or `Type` for a chart section) of the resources reached, patients excluded. */
  resources: string[]
  action: AccessAction
  purpose: Purpose
  outcome: 'success' | 'failure'
  source: 'central' | 'poste'
  /** Units of the patients' stays at the time, when the event says (keyed by patient id). */
  unitsAtAccess: Record<string, string>
}

export interface BtgGrant {
  id: string
  recorded: string
  actorId: string | null
  patientId: string | null
  reason: string | null
  justification: string | null
  expires: string | null
}

export const BTG_VERDICTS = ['justifie', 'a-instruire'] as const
export type BtgVerdict = (typeof BTG_VERDICTS)[number]

export interface BtgReview {
  id: string
  grantId: string
  recorded: string
  reviewerId: string | null
  verdict: BtgVerdict
  comment: string
}

const idOf = (reference: string | undefined, type: string): string | null =>
  reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1) : null

function subtypeCode(event: AuditEvent): string | null {
  return event.subtype?.find((s) => s.system === CHEVET_AUDIT_SYSTEM)?.code ?? null
}

export function isBtgGrant(event: AuditEvent): boolean {
  return subtypeCode(event) === BTG_GRANT_CODE
}

export function isBtgReview(event: AuditEvent): boolean {
  return subtypeCode(event) === BTG_REVIEW_CODE
}

function purposeOf(event: AuditEvent): Purpose {
  const codes = (event.purposeOfEvent ?? []).flatMap((p) => (p.coding ?? []).filter((c) => c.system === ACT_REASON).map((c) => c.code))
  return codes.some((code) => code !== undefined && BTG_PURPOSES.has(code)) ? 'btg' : 'care'
}

const ACTIONS: Record<string, AccessAction> = { R: 'read', C: 'create', U: 'update', D: 'delete' }

function actionOf(event: AuditEvent): AccessAction {
  const interaction = event.subtype?.find((s) => s.system === 'http://hl7.org/fhir/restful-interaction')?.code
  if (interaction === 'search-type') return 'search'
  return ACTIONS[event.action ?? ''] ?? 'other'
}

function detailValue(details: { type?: string; valueString?: string }[] | undefined, type: string): string | null {
  return details?.find((d) => d.type === type)?.valueString ?? null
}

/** The access an AuditEvent records; null for events that are not accesses to patient data (BTG grant, review). */
export function toAccessRecord(event: AuditEvent): AccessRecord | null {
  if (!event.id || isBtgGrant(event) || isBtgReview(event)) return null
  const patientIds = new Set<string>()
  const resources: string[] = []
  const unitsAtAccess: Record<string, string> = {}
  for (const entity of event.entity ?? []) {
    const reference = entity.what?.reference
    const patientId = idOf(reference, 'Patient')
    if (patientId) {
      patientIds.add(patientId)
      const unit = detailValue(entity.detail, UNIT_DETAIL)
      if (unit) unitsAtAccess[patientId] = unit
    } else if (reference) resources.push(reference)
    else if (entity.what?.type) resources.push(entity.what.type)
  }
  if (patientIds.size === 0) return null
  const agent = event.agent?.[0]
  return {
    id: event.id,
    recorded: event.recorded,
    actorId: idOf(agent?.who?.reference, 'Practitioner'),
    actorRole: agent?.role?.[0]?.text ?? null,
    patientIds: [...patientIds],
    resources,
    action: actionOf(event),
    purpose: purposeOf(event),
    outcome: event.outcome === '0' || event.outcome === undefined ? 'success' : 'failure',
    source: event.source?.type?.some((t) => t.code === '4') ? 'central' : 'poste',
    unitsAtAccess,
  }
}

export function toBtgGrant(event: AuditEvent): BtgGrant | null {
  if (!event.id || !isBtgGrant(event)) return null
  const patient = event.entity?.find((e) => idOf(e.what?.reference, 'Patient'))
  return {
    id: event.id,
    recorded: event.recorded,
    actorId: idOf(event.agent?.[0]?.who?.reference, 'Practitioner'),
    patientId: idOf(patient?.what?.reference, 'Patient'),
    reason: detailValue(patient?.detail, 'reason'),
    justification: detailValue(patient?.detail, 'justification'),
    expires: detailValue(patient?.detail, 'expires'),
  }
}

export function toBtgReview(event: AuditEvent): BtgReview | null {
  if (!event.id || !isBtgReview(event)) return null
  const grantId = event.entity?.map((e) => idOf(e.what?.reference, 'AuditEvent')).find((id) => id !== null)
  const [verdict, ...rest] = (event.outcomeDesc ?? '').split('\n')
  if (!grantId || !BTG_VERDICTS.includes(verdict as BtgVerdict)) return null
  return {
    id: event.id,
    grantId,
    recorded: event.recorded,
    reviewerId: idOf(event.agent?.[0]?.who?.reference, 'Practitioner'),
    verdict: verdict as BtgVerdict,
    comment: rest.join('\n'),
  }
}

/** The latest review of each grant (by `recorded`, then id): a later review replaces an earlier one. */
export function latestReviews(reviews: readonly BtgReview[]): Map<string, BtgReview> {
  const latest = new Map<string, BtgReview>()
  for (const review of reviews) {
    const current = latest.get(review.grantId)
    if (!current || review.recorded > current.recorded || (review.recorded === current.recorded && review.id > current.id)) {
      latest.set(review.grantId, review)
    }
  }
  return latest
}

/** The AuditEvent that stores one review at the central: outcomeDesc = verdict, newline, comment. */
export function btgReviewEvent(input: { grantId: string; reviewerId: string; reviewerRole: string; verdict: BtgVerdict; comment: string; recorded: string }): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110100', display: 'Application Activity' },
    subtype: [{ system: CHEVET_AUDIT_SYSTEM, code: BTG_REVIEW_CODE, display: 'Revue d’un bris de glace' }],
    action: 'U',
    recorded: input.recorded,
    outcome: '0',
    outcomeDesc: `${input.verdict}\n${input.comment}`,
    agent: [{ who: { reference: `Practitioner/${input.reviewerId}` }, role: [{ text: input.reviewerRole }], requestor: true }],
    source: { observer: { display: 'Chevet — revue des accès' } },
    entity: [{ what: { reference: `AuditEvent/${input.grantId}` }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' } }],
  }
}
