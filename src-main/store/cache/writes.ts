import { randomUUID } from 'node:crypto'
import type { Bundle, BundleEntry, Observation, ObservationComponent, Resource } from '@medplum/fhirtypes'
import { RecordVitalsParams, type WriteReceipt } from '../../contract'
import type { Database } from '../migration'
import { healthColumns } from './columns'
import { LOCAL_ID_PREFIX, LOINC, OBSERVATION_CATEGORY, UCUM, WRITE_IDENTIFIER_SYSTEM } from './fhir'
import { enqueue } from './outbox'
import { provenanceCondition, writeProvenance, type ProvenanceAuthor } from './provenance'
import { putHealth, readHealth } from './resources'
import { sql } from './statements'
import {
  acvpuConcept,
  CONSCIOUSNESS_CONCEPT,
  EXTRA_VITAL_CODES,
  OXYGEN_CONCEPT,
  oxygenValue,
} from '../../clinical/vital-codes'
import { VITAL_LOINC } from './vitals'

export class CacheWriteError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID',
    message: string,
  ) {
    super(message)
    this.name = 'CacheWriteError'
  }
}

export interface Author {
  /** FHIR Practitioner id of the signed-in professional. */
  practitionerId: string
}

interface VitalSpec {
  slug: string
  loinc: string
  display: string
  profile: string
  unit: string
  code: string
}

const SPECS = {
  heartRate: { slug: 'hr', loinc: VITAL_LOINC.heartRate, display: 'Fréquence cardiaque', profile: 'heartrate', unit: '/min', code: '/min' },
  temperature: { slug: 'temp', loinc: VITAL_LOINC.temperature, display: 'Température corporelle', profile: 'bodytemp', unit: '°C', code: 'Cel' },
  spo2: { slug: 'spo2', loinc: VITAL_LOINC.spo2, display: 'Saturation en oxygène (SpO2)', profile: 'oxygensat', unit: '%', code: '%' },
  respiratoryRate: { slug: 'rr', loinc: VITAL_LOINC.respiratoryRate, display: 'Fréquence respiratoire', profile: 'resprate', unit: '/min', code: '/min' },
  pain: { slug: 'pain', loinc: EXTRA_VITAL_CODES.pain, display: 'Douleur (EVA)', profile: '', unit: '{score}', code: '{score}' },
  weight: { slug: 'weight', loinc: EXTRA_VITAL_CODES.weight, display: 'Poids', profile: 'bodyweight', unit: 'kg', code: 'kg' },
  height: { slug: 'height', loinc: EXTRA_VITAL_CODES.height, display: 'Taille', profile: 'bodyheight', unit: 'cm', code: 'cm' },
} satisfies Record<string, VitalSpec>

const quantity = (value: number, unit: string, code: string) => ({ value, unit, system: UCUM, code })

function baseObservation(
  slug: string,
  key: string,
  profile: string,
  coding: { code: string; display: string }[],
  context: { patientId: string; encounterId: string | null; takenAt: string; author: Author },
): Observation {
  return {
    resourceType: 'Observation',
    // Pain, air/O2 and ACVPU have no base vital-signs profile.
    ...(profile ? { meta: { profile: [`http://hl7.org/fhir/StructureDefinition/${profile}`] } } : {}),
    identifier: [{ system: WRITE_IDENTIFIER_SYSTEM, value: `${key}-${slug}` }],
    status: 'final',
    category: [
      { coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }], text: 'Signes vitaux' },
    ],
    code: { coding: coding.map((c) => ({ system: LOINC, ...c })), text: coding[0]?.display ?? '' },
    subject: { reference: `Patient/${context.patientId}` },
    ...(context.encounterId ? { encounter: { reference: `Encounter/${context.encounterId}` } } : {}),
    effectiveDateTime: context.takenAt,
    performer: [{ reference: `Practitioner/${context.author.practitionerId}` }],
  }
}

/** The FHIR Observations of one vital-sign set (vital-signs profiles: LOINC codes, UCUM units), without ids. */
export function vitalObservations(
  params: RecordVitalsParams,
  key: string,
  context: { encounterId: string | null; takenAt: string; author: Author },
): Observation[] {
  const ctx = { ...context, patientId: params.patientId }
  const out: Observation[] = []
  if (params.systolic !== undefined && params.diastolic !== undefined) {
    const bp = baseObservation('bp', key, 'bp', [{ code: VITAL_LOINC.bloodPressure, display: 'Pression artérielle' }], ctx)
    const component = (code: string, display: string, value: number): ObservationComponent => ({
      code: { coding: [{ system: LOINC, code, display }], text: display },
      valueQuantity: quantity(value, 'mm[Hg]', 'mm[Hg]'),
    })
    bp.component = [
      component(VITAL_LOINC.systolic, 'Pression artérielle systolique', params.systolic),
      component(VITAL_LOINC.diastolic, 'Pression artérielle diastolique', params.diastolic),
    ]
    out.push(bp)
  }
  for (const [field, spec] of Object.entries(SPECS) as [keyof typeof SPECS, VitalSpec][]) {
    const value = params[field]
    if (value === undefined) continue
    const coding = [{ code: spec.loinc, display: spec.display }]
    // The base oxygensat profile wants 2708-6 beside the pulse-oximetry code.
    if (field === 'spo2') coding.push({ code: VITAL_LOINC.spo2Arterial, display: 'Saturation en oxygène du sang artériel' })
    const observation = baseObservation(spec.slug, key, spec.profile, coding, ctx)
    observation.valueQuantity = quantity(value, spec.unit, spec.code)
    out.push(observation)
  }
  out.push(...oxygenAndConsciousness(params, key, ctx))
  return out
}

/** Air/O2 and ACVPU, coded as src-main/clinical/vital-codes.ts explains. */
function oxygenAndConsciousness(
  params: RecordVitalsParams,
  key: string,
  ctx: { patientId: string; encounterId: string | null; takenAt: string; author: Author },
): Observation[] {
  const out: Observation[] = []
  if (params.supplementalOxygen !== undefined) {
    const o2 = baseObservation('o2', key, '', [], ctx)
    o2.code = OXYGEN_CONCEPT
    Object.assign(o2, oxygenValue(params.supplementalOxygen, params.oxygenFlow))
    out.push(o2)
  }
  if (params.consciousness !== undefined) {
    const acvpu = baseObservation('acvpu', key, '', [], ctx)
    acvpu.code = CONSCIOUSNESS_CONCEPT
    acvpu.valueCodeableConcept = acvpuConcept(params.consciousness)
    out.push(acvpu)
  }
  return out
}

function writeIdOf(observation: Observation): string {
  return observation.identifier?.[0]?.value as string
}

/** Stores a resource created here, before the central has it: pending, under a local id made of its write id. */
export function putLocalCreate(db: Database, resource: Resource, writeId: string, now: string): void {
  const local: Resource = { ...resource, id: `${LOCAL_ID_PREFIX}${writeId}` }
  putHealth(db, local, healthColumns(local), { pending: true, now })
}

/**
 * One queued write of new resources for a cached patient, in ONE SQLite transaction: `entries` gets the patient's
 * current encounter, stores its pending rows and returns the creates, which are queued as ONE transaction Bundle
 * (one outbox entry under `key`). NOT_FOUND, and nothing written, for a patient the cache does not hold.
 */
export function queueCreates(
  db: Database,
  write: { key: string; kind: string; patientId: string; now: string },
  entries: (encounterId: string | null) => BundleEntry[],
): WriteReceipt {
  db.transaction(() => {
    const placed = sql(
      db,
      'SELECT i.patient_id, a.encounter_id FROM identity i LEFT JOIN administrative a ON a.patient_id = i.patient_id WHERE i.patient_id = ?',
    ).get(write.patientId) as { patient_id: string; encounter_id: string | null } | undefined
    if (!placed) throw new CacheWriteError('NOT_FOUND', `patient ${write.patientId} is not in the cache`)
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: entries(placed.encounter_id) }
    enqueue(
      db,
      { idempotencyKey: write.key, kind: write.kind, method: 'TRANSACTION', resourceType: 'Bundle', patientId: write.patientId, body: bundle },
      write.now,
    )
  })()
  return { writeId: write.key, state: 'queued' }
}

/**
 * Observations per transaction Bundle: medplum (the training central) refuses a transaction of more than 8 entries
 * once one is a conditional create, and each Bundle also carries its Provenance.
 */
const OBSERVATIONS_PER_BUNDLE = 7

/**
 * Records a vital-sign set: the Observations are stored in the cache marked pending, and the outbox gets a
 * transaction Bundle of conditional creates (`If-None-Exist: identifier=urn:chevet:write|<key>-<part>`) with the
 * set's Provenance (who, when, on whose behalf for an interne; conditional on its write-id tag), in the same
 * SQLite transaction. A set larger than OBSERVATIONS_PER_BUNDLE goes as several entries (`<key>`, `<key>-2`…),
 * each with the Provenance of its Observations. A replay after a crash between sending and acknowledging creates
 * nothing twice. Returns once committed: the write is durable, and its receipt says `queued`.
 */
export function recordVitals(
  db: Database,
  input: RecordVitalsParams,
  author: Author & Omit<ProvenanceAuthor, 'practitionerId'>,
  options: { now?: Date; idempotencyKey?: string } = {},
): WriteReceipt {
  const params = RecordVitalsParams.parse(input)
  const now = (options.now ?? new Date()).toISOString()
  const key = options.idempotencyKey ?? randomUUID()
  const takenAt = params.takenAt ? new Date(params.takenAt).toISOString() : now
  return db.transaction((): WriteReceipt => {
    let observations: Observation[] = []
    const receipt = queueCreates(db, { key, kind: 'vitals.record', patientId: params.patientId, now }, (encounterId) => {
      observations = vitalObservations(params, key, { encounterId, takenAt, author })
      return vitalEntries(db, observations.slice(0, OBSERVATIONS_PER_BUNDLE), key, { now, author })
    })
    for (let part = 1; part * OBSERVATIONS_PER_BUNDLE < observations.length; part++) {
      const partKey = `${key}-${part + 1}`
      const chunk = observations.slice(part * OBSERVATIONS_PER_BUNDLE, (part + 1) * OBSERVATIONS_PER_BUNDLE)
      queueCreates(db, { key: partKey, kind: 'vitals.record', patientId: params.patientId, now }, () => vitalEntries(db, chunk, partKey, { now, author }))
    }
    return receipt
  })()
}

/** The Bundle entries of some Observations of a set (stored pending here) and of their Provenance. */
function vitalEntries(db: Database, observations: Observation[], key: string, context: { now: string; author: ProvenanceAuthor }): BundleEntry[] {
  const entries: BundleEntry[] = observations.map((observation) => {
    const writeId = writeIdOf(observation)
    putLocalCreate(db, observation, writeId, context.now)
    return {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: observation,
      request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${writeId}` },
    }
  })
  const provenanceId = `${key}-prov`
  const provenance = writeProvenance({
    targets: entries.map((e) => e.fullUrl as string),
    recorded: context.now,
    author: context.author,
    activity: 'CREATE',
    writeId: provenanceId,
  })
  entries.push({
    fullUrl: `urn:uuid:${randomUUID()}`,
    resource: provenance,
    request: { method: 'POST', url: 'Provenance', ifNoneExist: provenanceCondition(provenanceId) },
  })
  return entries
}

/**
 * A local change to a cached resource: stored pending and queued as a versioned update (`If-Match` on the version
 * it was made on). A second change before the first is sent replaces the queued body (same entry, same key): the
 * newest state carries both, and the central still sees one update on the version the user started from.
 */
export function updateLocal<T extends Resource & { id: string }>(
  db: Database,
  resource: T,
  options: { kind: string; now?: Date; idempotencyKey?: string },
): WriteReceipt {
  const now = (options.now ?? new Date()).toISOString()
  return db.transaction((): WriteReceipt => {
    const cached = readHealth(db, resource.resourceType, resource.id)
    if (!cached) throw new CacheWriteError('NOT_FOUND', `${resource.resourceType}/${resource.id} is not in the cache`)
    const queued = sql(
      db,
      `SELECT seq, idempotency_key FROM outbox WHERE state = 'pending' AND method = 'PUT' AND resource_type = ? AND resource_id = ?
       ORDER BY seq DESC LIMIT 1`,
    ).get(resource.resourceType, resource.id) as { seq: number; idempotency_key: string } | undefined
    // A pending row keeps the version its change was made on, so a later change is based on the same one.
    const baseVersion = cached.resource.meta?.versionId ?? null
    const body = { ...resource, meta: { ...(resource.meta ?? {}), versionId: baseVersion ?? undefined } }
    const c = healthColumns(body)
    putHealth(db, body, c, { pending: true, now })
    if (queued) {
      sql(db, 'UPDATE outbox SET body = ?, updated_at = ? WHERE seq = ?').run(JSON.stringify(resource), now, queued.seq)
      return { writeId: queued.idempotency_key, state: 'queued' }
    }
    const key = options.idempotencyKey ?? randomUUID()
    enqueue(
      db,
      {
        idempotencyKey: key,
        kind: options.kind,
        method: 'PUT',
        resourceType: resource.resourceType,
        resourceId: resource.id,
        ifMatch: baseVersion,
        patientId: c.patientId,
        body: resource,
      },
      now,
    )
    return { writeId: key, state: 'queued' }
  })()
}

/**
 * The central acknowledged a create: its copy (with the central's id and version) replaces the local pending row
 * that carried the same write identifier.
 */
export function applyCreated(db: Database, central: Resource, now = new Date().toISOString()): void {
  const c = healthColumns(central)
  db.transaction(() => {
    if (c.writeId) {
      sql(db, 'DELETE FROM health_resource WHERE write_id = ? AND resource_type = ? AND id != ?').run(
        c.writeId,
        central.resourceType,
        central.id,
      )
    }
    putHealth(db, central, c, { pending: false, now })
  })()
}

/** The central accepted an update: the row is no longer pending and takes the central's version. */
export function applyUpdated(db: Database, central: Resource, now = new Date().toISOString()): void {
  putHealth(db, central, healthColumns(central), { pending: false, now })
}
