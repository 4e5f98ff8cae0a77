import type { Extractor, ExtractContext, Touch } from '../audit/extractors'
import type { MethodName, PrescribeResult } from '../contract'
import { LOCAL_ID_PREFIX } from '../store/cache/fhir'

/*
 * What the access journal keeps of each prescribing call (src-main/audit/extractors.ts spreads these in): element
 * names, never values. An override is journaled by its alert codes (`extra.override`); its justification stays on
 * the order, which is patient data.
 */

function written(patientId: string, writeId: string, context: ExtractContext, extra: Record<string, string>): Touch[] {
  const resources = context.written(writeId)
  if (resources.length === 0) return [{ patientId, entity: null, elements: [], extra: { writeId, ...extra } }]
  return resources.map((resource) => ({
    patientId,
    entity: resource.writeId ? `${resource.resourceType}/${LOCAL_ID_PREFIX}${resource.writeId}` : resource.resourceType,
    elements: resource.codes,
    extra: { writeId, ...extra },
  }))
}

function placed(patientId: string, result: PrescribeResult, context: ExtractContext, replaced?: string): Touch[] {
  const codes = result.alerts.map((alert) => alert.code).join(',')
  if (result.outcome === 'blocked') return [{ patientId, entity: null, elements: [], extra: { outcome: 'blocked', alerts: codes } }]
  const blocking = result.alerts.filter((alert) => alert.blocking).map((alert) => alert.code)
  const extra: Record<string, string> = { alerts: codes, ...(blocking.length > 0 ? { override: blocking.join(',') } : {}) }
  return [
    ...(replaced ? [{ patientId, entity: `MedicationRequest/${replaced}`, elements: ['status', 'statusReason'], extra: { outcome: 'stopped' } }] : []),
    ...written(patientId, result.writeId, context, extra),
  ]
}

const orderChange = (elements: string[]) =>
  ({
    action: 'update',
    patientOf: (params: { patientId: string }) => params.patientId,
    touched: (params: { patientId: string; orderId: string }, result: { writeId: string }) => [
      { patientId: params.patientId, entity: `MedicationRequest/${params.orderId}`, elements, extra: { writeId: result.writeId } },
    ],
  }) as const

type PrescribingMethod = Extract<MethodName, `prescriptions.${string}`>

export const PRESCRIBING_EXTRACTORS: { readonly [M in PrescribingMethod]: Extractor<M> } = {
  'prescriptions.list': {
    action: 'read',
    patientOf: (params) => params.patientId,
    touched: (params, result) =>
      result.orders.map((order) => ({ patientId: params.patientId, entity: `MedicationRequest/${order.id}`, elements: ['medication', 'dosage', 'status'] })),
  },
  'prescriptions.check': {
    action: 'read',
    patientOf: (params) => params.order.patientId,
    touched: (params, result) => [
      {
        patientId: params.order.patientId,
        entity: null,
        elements: ['allergies', 'age', 'weight', 'activeOrders'],
        extra: { alerts: result.alerts.map((alert) => alert.code).join(',') },
      },
    ],
  },
  'prescriptions.create': {
    action: 'create',
    patientOf: (params) => params.order.patientId,
    touched: (params, result, context) => placed(params.order.patientId, result, context),
  },
  'prescriptions.modify': {
    action: 'update',
    patientOf: (params) => params.order.patientId,
    touched: (params, result, context) => placed(params.order.patientId, result, context, params.orderId),
  },
  'prescriptions.stop': orderChange(['status', 'statusReason']),
  'prescriptions.countersign': orderChange(['status', 'seniorValidation']),
  'prescriptions.review': {
    action: 'create',
    patientOf: (params) => params.patientId,
    touched: (params, result, context) => [
      { patientId: params.patientId, entity: `MedicationRequest/${params.orderId}`, elements: ['pharmacyReview'], extra: { decision: params.decision } },
      ...written(params.patientId, result.writeId, context, {}),
    ],
  },
  'prescriptions.queue': {
    action: 'read',
    patientOf: () => null,
    touched: (_params, result) =>
      result.entries.map((entry) => ({ patientId: entry.patientId, entity: `MedicationRequest/${entry.order.id}`, elements: ['medication', 'dosage'] })),
  },
  'prescriptions.report': {
    action: 'read',
    patientOf: () => null,
    touched: (params, result) => [
      { patientId: null, entity: null, elements: ['report'], count: result.lines, extra: { report: 'paediatric-oral-forms', from: params.from, to: params.to } },
    ],
  },
}
