import { randomUUID } from 'node:crypto'
import type { AllergyIntolerance, BundleEntry, Composition, MedicationRequest, Observation, Provenance, Resource } from '@medplum/fhirtypes'
import { EXTRA_VITAL_CODES } from '../clinical/vital-codes'
import type { Order, OrderInput, PrescriptionAlert, PrescriptionsList, WriteReceipt } from '../contract'
import type { Database } from '../store'
import { firstCode, WRITE_IDENTIFIER_SYSTEM, conceptLabel } from '../store/cache/fhir'
import { readHealth } from '../store/cache/resources'
import { sql } from '../store/cache/statements'
import { CacheWriteError, putLocalCreate, queueCreates } from '../store/cache/writes'
import { checkOrder, type ActiveOrder } from './checks'
import { findDrug } from './drugs'
import { dcOf, substancesOf } from './fhir'
import { buildOrder, intakesPer24h, reviewsByOrder, toOrder, type Override, type Prescriber } from './orders'
import { classifyForm } from '../formulary/forms'
import type { DemoDrug } from '../formulary/demo'

/*
 * Orders over the encrypted cache: read the patient's MedicationRequests (ours and the hospital's), check a new one,
 * queue it with its Provenance in the outbox (one transaction Bundle), like notes and vital signs.
 */

const PROVENANCE_PARTICIPANT = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type'
const DATA_OPERATION = 'http://terminology.hl7.org/CodeSystem/v3-DataOperation'
const INACTIVE = new Set(['inactive', 'resolved', 'remission'])
const NOT_TRUE = new Set(['entered-in-error', 'refuted'])
const ORDER_LIMIT = 500
const LIVE = new Set(['active', 'draft', 'on-hold'])

export class PrescribingError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID' | 'CONFLICT',
    message: string,
  ) {
    super(message)
    this.name = 'PrescribingError'
  }
}

function rows<T extends Resource>(db: Database, patientId: string, type: string, limit: number): { resource: T; pending: boolean }[] {
  return (
    sql(db, `SELECT json, pending FROM health_resource WHERE patient_id = ? AND resource_type = ? ORDER BY effective_at DESC LIMIT ?`).all(
      patientId,
      type,
      limit,
    ) as { json: string; pending: number }[]
  ).map((row) => ({ resource: JSON.parse(row.json) as T, pending: row.pending === 1 }))
}

export function latestWeightKg(db: Database, patientId: string): number | null {
  const json = sql(
    db,
    `SELECT json FROM health_resource WHERE patient_id = ? AND resource_type = 'Observation' AND code = ? ORDER BY effective_at DESC LIMIT 1`,
  )
    .pluck()
    .get(patientId, EXTRA_VITAL_CODES.weight) as string | undefined
  const observation = json ? (JSON.parse(json) as Observation) : null
  const quantity = observation?.valueQuantity
  if (!quantity?.value) return null
  return quantity.unit === 'g' || quantity.code === 'g' ? quantity.value / 1000 : quantity.value
}

export function activeAllergies(db: Database, patientId: string): string[] {
  return rows<AllergyIntolerance>(db, patientId, 'AllergyIntolerance', 200)
    .map((row) => row.resource)
    .filter((a) => !INACTIVE.has(firstCode(a.clinicalStatus) ?? '') && !NOT_TRUE.has(firstCode(a.verificationStatus) ?? ''))
    .map((a) => conceptLabel(a.code) ?? '')
    .filter((label) => label !== '')
}

/** Every order of the patient as the contract shows it: live ones first, newest first. */
export function listOrders(db: Database, patientId: string): PrescriptionsList {
  const reviews = reviewsByOrder(rows<Composition>(db, patientId, 'Composition', 1000).map((row) => row.resource))
  const orders = rows<MedicationRequest & { id: string }>(db, patientId, 'MedicationRequest', ORDER_LIMIT)
    .filter((row) => row.resource.status !== 'entered-in-error')
    .map((row) => toOrder(row.resource, row.pending, reviews.get(row.resource.id)))
  const rank = (order: Order): number => (LIVE.has(order.status) ? 0 : 1)
  orders.sort((a, b) => rank(a) - rank(b) || (b.authoredOn ?? '').localeCompare(a.authoredOn ?? ''))
  return { orders, weightKg: latestWeightKg(db, patientId) }
}

function activeOrdersFor(db: Database, patientId: string): ActiveOrder[] {
  return rows<MedicationRequest & { id: string }>(db, patientId, 'MedicationRequest', ORDER_LIMIT)
    .map((row) => row.resource)
    .filter((r) => LIVE.has(r.status))
    .map((r) => {
      const dc = dcOf(r)
      const substances = substancesOf(r)
      // The hospital's orders carry their DC only: the formulary gives its substances.
      const known = substances.length > 0 ? substances : (dc ? (findDrug(dc)?.substances ?? []) : [])
      return { id: r.id, dc, substances: known, label: r.medicationCodeableConcept?.text ?? dc ?? '' }
    })
}

export function resolveDrug(input: OrderInput): DemoDrug {
  const drug = findDrug(input.dc)
  if (!drug) throw new PrescribingError('INVALID', 'DC not in the formulary')
  const form = drug.forms.find((f) => f.form === input.form)
  if (!form) throw new PrescribingError('INVALID', 'form not in the formulary for this DC')
  if (!drug.routes.includes(input.route)) throw new PrescribingError('INVALID', 'route not in the formulary for this DC')
  return drug
}

/** The alerts of an order for a cached patient (NOT_FOUND when the cache does not hold the patient). */
export function checkForPatient(db: Database, input: OrderInput, now: Date, replacing: string | null = null): PrescriptionAlert[] {
  const drug = resolveDrug(input)
  const birthDate = sql(db, 'SELECT birth_date FROM identity WHERE patient_id = ?').pluck().get(input.patientId) as string | null | undefined
  if (birthDate === undefined) throw new PrescribingError('NOT_FOUND', 'patient not in the cache')
  const form = drug.forms.find((f) => f.form === input.form)
  return checkOrder(
    {
      drug,
      form: input.form,
      category: form ? classifyForm(form.form, form.routes).category : null,
      dose: input.dose,
      intakesPer24h: intakesPer24h(input),
    },
    {
      // Without a birth date the patient is treated as an adult for the dose checks; the galenic rule cannot apply.
      birthDate: birthDate ?? '1900-01-01',
      weightKg: latestWeightKg(db, input.patientId),
      allergies: activeAllergies(db, input.patientId),
      activeOrders: activeOrdersFor(db, input.patientId),
    },
    now.toISOString().slice(0, 10),
    replacing,
  )
}

function provenanceEntry(targetUrl: string, by: Prescriber, at: string, activity: 'CREATE' | 'UPDATE', reason?: string): BundleEntry {
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: targetUrl }],
    recorded: at,
    activity: { coding: [{ system: DATA_OPERATION, code: activity, display: activity.toLowerCase() }] },
    ...(reason ? { reason: [{ text: reason }] } : {}),
    agent: [
      {
        type: { coding: [{ system: PROVENANCE_PARTICIPANT, code: 'author', display: 'Author' }] },
        who: { reference: `Practitioner/${by.practitionerId}`, display: by.displayName },
      },
    ],
  }
  return {
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: provenance,
    // No identifier on a Provenance in R4: its author and instant make the replay idempotent (as for notes).
    request: { method: 'POST', url: 'Provenance', ifNoneExist: `agent=Practitioner/${by.practitionerId}&recorded=ge${at}&recorded=le${at}` },
  }
}

export interface RecordOrderOptions {
  prescriber: Prescriber
  override: Override | null
  replaces: string | null
  seniorRequired: boolean
  now: Date
  idempotencyKey?: string
}

/** Queues a new order and its Provenance (one outbox entry); the order is in the chart at once, pending. */
export function recordOrder(db: Database, input: OrderInput, options: RecordOrderOptions): WriteReceipt {
  const drug = resolveDrug(input)
  const at = options.now.toISOString()
  const key = options.idempotencyKey ?? randomUUID()
  return queueCreates(db, { key, kind: 'prescriptions.create', patientId: input.patientId, now: at }, (encounterId) => {
    const order = buildOrder(input, drug, {
      key,
      encounterId,
      authoredOn: at,
      prescriber: options.prescriber,
      override: options.override,
      replaces: options.replaces,
      seniorRequired: options.seniorRequired,
    })
    const writeId = `${key}-order`
    putLocalCreate(db, order, writeId, at)
    const orderUrl = `urn:uuid:${randomUUID()}`
    return [
      { fullUrl: orderUrl, resource: order, request: { method: 'POST', url: 'MedicationRequest', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}` } },
      provenanceEntry(orderUrl, options.prescriber, at, 'CREATE', options.override ? options.override.justification : undefined),
    ]
  })
}

/** Queues a Provenance for a change already queued on an order the central has (stop, senior validation). */
export function recordChangeProvenance(db: Database, patientId: string, orderId: string, by: Prescriber, now: Date, reason?: string): WriteReceipt {
  const at = now.toISOString()
  return queueCreates(db, { key: randomUUID(), kind: 'prescriptions.provenance', patientId, now: at }, () => [
    provenanceEntry(`MedicationRequest/${orderId}`, by, at, 'UPDATE', reason),
  ])
}

/** A pharmacist's review (Composition) and its Provenance, queued like a note. */
export function recordReview(db: Database, patientId: string, review: (key: string, encounterId: string | null) => Composition, by: Prescriber, now: Date): WriteReceipt {
  const at = now.toISOString()
  const key = randomUUID()
  return queueCreates(db, { key, kind: 'prescriptions.review', patientId, now: at }, (encounterId) => {
    const composition = review(key, encounterId)
    putLocalCreate(db, composition, `${key}-review`, at)
    const url = `urn:uuid:${randomUUID()}`
    return [
      { fullUrl: url, resource: composition, request: { method: 'POST', url: 'Composition', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${key}-review` } },
      provenanceEntry(url, by, at, 'CREATE'),
    ]
  })
}

/** A cached order the central already has (a pending one cannot be stopped, validated or reviewed yet). */
export function centralOrder(db: Database, patientId: string, orderId: string): MedicationRequest & { id: string } {
  const row = readHealth<MedicationRequest & { id: string }>(db, 'MedicationRequest', orderId)
  if (!row || row.patientId !== patientId) throw new PrescribingError('NOT_FOUND', 'order not in the cache')
  if (row.resource.id.startsWith('local-')) throw new PrescribingError('CONFLICT', 'order not yet at the central')
  return row.resource
}

export { CacheWriteError }
