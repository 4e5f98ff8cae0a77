import type { AuditEvent, AuditEventEntity } from '@medplum/fhirtypes'
import type { TrainingUser } from './access'
import type { Touched, TouchAction } from './scoped-repository'

/** The REST interactions of http://hl7.org/fhir/restful-interaction the server audits. */
export type AuditedInteraction =
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'search-type'
  | 'create'
  | 'update'
  | 'delete'
  | 'batch'
  | 'transaction'

const ACTION: Record<AuditedInteraction, NonNullable<AuditEvent['action']>> = {
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'search-type': 'E',
  create: 'C',
  update: 'U',
  delete: 'D',
  batch: 'E',
  transaction: 'E',
}

const LIFECYCLE: Record<TouchAction, { code: string; display: string }> = {
  create: { code: '1', display: 'Origination / Creation' },
  update: { code: '3', display: 'Amendment' },
  delete: { code: '14', display: 'Logical deletion' },
  read: { code: '6', display: 'Access / Use' },
  search: { code: '6', display: 'Access / Use' },
}

const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type'
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role'
const LIFECYCLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle'

export interface AuditInput {
  user: TrainingUser
  interaction: AuditedInteraction
  status: number
  touched: Touched[]
  /** What was asked for when nothing was reached (a refused or missing resource): `Type/id`. */
  target?: string
  /** Search query string, recorded as a query entity. */
  query?: string
  remoteAddress?: string
  recorded: string
}

function outcomeOf(status: number): NonNullable<AuditEvent['outcome']> {
  if (status < 400) return '0'
  return status < 500 ? '4' : '8'
}

/**
 * One AuditEvent per request (IHE BALP style): the agent is the professional, each resource reached is an entity
 * with its lifecycle, and each patient concerned is an entity of role Patient so that `AuditEvent?patient=` finds
 * every access to a chart. No names, no clinical content: references and codes only.
 */
export function buildAuditEvent(input: AuditInput): AuditEvent {
  const entity: AuditEventEntity[] = []
  const seen = new Set<string>()
  const patients = new Set<string>()
  for (const item of input.touched) {
    const key = `${item.reference}|${item.action}`
    if (!seen.has(key)) {
      seen.add(key)
      entity.push({
        what: { reference: item.reference },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        role: { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' },
        lifecycle: { system: LIFECYCLE_SYSTEM, ...LIFECYCLE[item.action] },
      })
    }
    for (const patientId of item.patients) patients.add(patientId)
  }
  if (input.target && input.touched.length === 0) {
    entity.push({
      what: { reference: input.target },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    })
  }
  const named = new Set(entity.map((e) => e.what?.reference))
  for (const patientId of patients) {
    if (named.has(`Patient/${patientId}`)) continue
    entity.push({
      what: { reference: `Patient/${patientId}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    })
  }
  if (input.query !== undefined) {
    entity.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(input.query, 'utf8').toString('base64'),
    })
  }

  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: input.interaction }],
    action: ACTION[input.interaction],
    recorded: input.recorded,
    outcome: outcomeOf(input.status),
    ...(input.status >= 400 ? { outcomeDesc: `HTTP ${input.status}` } : {}),
    ...(input.user.purposeOfUse === 'BTG'
      ? { purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' }] }] }
      : {}),
    agent: [
      {
        who: { reference: `Practitioner/${input.user.id}` },
        role: [{ text: input.user.role }],
        requestor: true,
        ...(input.remoteAddress ? { network: { address: input.remoteAddress, type: '2' as const } } : {}),
      },
    ],
    source: {
      observer: { display: 'Chevet — central de formation' },
      type: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
          code: '4',
          display: 'Application Server',
        },
      ],
    },
    ...(entity.length ? { entity } : {}),
  }
}
