import type { AllergyIntolerance, Condition, Provenance } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { listDocuments } from '../../src-main/records/documents'
import type { RecordAuthor } from '../../src-main/records/fhir'
import { patientRecords, recordAllergy, recordProblem, setAllergyStatus, setSpo2Scale } from '../../src-main/records/store'
import { supervisorOf } from '../../src-main/records/supervisor'
import { census, chart, listOutbox, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer, TrainingUser } from '../../src-main/training/fhir-server'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral } from '../fixtures/sync/training'

// Problems, allergies and the SpO2 scale written by an interne of cardiologie, replayed to the training central
// over real HTTP (medplum validates them), read back there with their Provenance naming the supervising senior.

let hospital: TrainingHospital
let intern: TrainingUser
let server: FhirServer
let temp: TempStore
let engine: SyncEngine
let author: RecordAuthor
const log = createMemoryLogger()

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 5, heavyObservations: 0 })
  const staff = hospital.staff.find((s) => s.key === 'interne')!
  intern = { id: staff.practitionerId, units: staff.units, role: 'interne' }
  server = await startTrainingCentral({ hospital, user: intern })
  temp = openTempStore('chevet-records-')
  engine = createSyncEngine({
    db: temp.store.db,
    central: clientFor(server.url),
    user: { practitionerId: staff.practitionerId, units: staff.units },
    log,
    events: new EventBus(),
  })
  expect((await engine.syncNow()).ok).toBe(true)
  const user = { idNat: staff.idNat, practitionerId: staff.practitionerId, displayName: 'Gaël LE GOFF', role: 'interne' as const, units: staff.units.map((id) => ({ id, name: id })) }
  author = { practitionerId: staff.practitionerId, displayName: 'Gaël LE GOFF', role: 'interne', onBehalfOf: await supervisorOf(user, clientFor(server.url), log) }
})

afterAll(async () => {
  await engine?.stop()
  await server?.close()
  temp?.cleanup()
})

async function provenanceOf(type: string, id: string): Promise<Provenance[]> {
  return (await clientFor(server.url).search<Provenance>('Provenance', { target: `${type}/${id}` })).resources
}

describe('records against the training central', () => {
  it('finds the interne’s senior in the directory of the central', () => {
    expect(author.onBehalfOf).toBe('pra-medecin')
  })

  it('sends a CIM-10 problem and an allergy with their Provenance; both are read back over FHIR', async () => {
    const db = temp.store.db
    const patientId = census(db, intern.units)[0]!.patient.id
    const problem = recordProblem(db, { patientId, kind: 'antecedent-medical', code: 'E11.9', onset: '2015', note: 'Sous metformine' }, author)
    const allergy = recordAllergy(db, { patientId, substance: 'amoxicilline', fromFormulary: true, manifestation: 'Urticaire', severity: 'mild', criticality: 'low' }, author)
    // Pending in the cache before the central has them.
    expect(patientRecords(db, patientId).problems.find((p) => p.code === 'E11.9')).toMatchObject({ pending: true, kind: 'antecedent-medical' })
    await engine.flushOutbox()
    expect(listOutbox(db).map((e) => [e.kind, e.state])).toEqual([
      ['records.problems.create', 'sent'],
      ['records.allergies.create', 'sent'],
    ])

    const central = clientFor(server.url)
    const conditions = await central.search<Condition>('Condition', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${problem.writeId}-cond` })
    expect(conditions.resources).toHaveLength(1)
    const condition = conditions.resources[0]!
    expect(condition).toMatchObject({
      subject: { reference: `Patient/${patientId}` },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'E11.9', display: 'Diabète sucré de type 2, sans complication' }] },
      onsetDateTime: '2015',
      recorder: { reference: `Practitioner/${intern.id}` },
    })
    const [conditionProvenance] = await provenanceOf('Condition', condition.id!)
    expect(conditionProvenance?.agent[0]).toMatchObject({ who: { reference: `Practitioner/${intern.id}` }, onBehalfOf: { reference: 'Practitioner/pra-medecin' } })

    const allergies = await central.search<AllergyIntolerance>('AllergyIntolerance', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${allergy.writeId}-alg` })
    expect(allergies.resources).toHaveLength(1)
    const stored = allergies.resources[0]!
    expect(stored).toMatchObject({ code: { text: 'amoxicilline' }, criticality: 'low', reaction: [{ manifestation: [{ text: 'Urticaire' }], severity: 'mild' }] })
    const allergyProvenance = await provenanceOf('AllergyIntolerance', stored.id!)
    expect(allergyProvenance).toHaveLength(1)
    expect(allergyProvenance[0]?.agent[0]?.onBehalfOf).toEqual({ reference: 'Practitioner/pra-medecin' })

    // The cache holds the central's copies, no longer pending; the banner's allergies list it.
    const records = patientRecords(db, patientId)
    expect(records.problems.find((p) => p.code === 'E11.9')).toMatchObject({ id: condition.id, pending: false })
    expect(records.allergies.find((a) => a.substance === 'amoxicilline')).toMatchObject({ id: stored.id, pending: false })
    expect(chart(db, patientId)?.allergies.map((a) => a.substance)).toContain('amoxicilline')

    // A status change is a versioned update followed by its Provenance.
    setAllergyStatus(db, { patientId, allergyId: stored.id!, verificationStatus: 'refuted' }, author)
    await engine.flushOutbox()
    const updated = await central.read<AllergyIntolerance>('AllergyIntolerance', stored.id!)
    expect(updated.verificationStatus?.coding?.[0]?.code).toBe('refuted')
    expect(await provenanceOf('AllergyIntolerance', stored.id!)).toHaveLength(2)
    expect(chart(db, patientId)?.allergies.map((a) => a.substance)).not.toContain('amoxicilline')
  })

  it('sets SpO2 scale 2 for a patient, which the chart and the census use, and back to 1', async () => {
    const db = temp.store.db
    const patientId = census(db, intern.units)[1]!.patient.id
    expect(chart(db, patientId)?.spo2Scale).toBe(1)
    setSpo2Scale(db, { patientId, scale: 2 }, author)
    expect(chart(db, patientId)?.spo2Scale).toBe(2)
    await engine.flushOutbox()
    expect(chart(db, patientId)?.spo2Scale).toBe(2)
    const entry = census(db, intern.units).find((e) => e.patient.id === patientId)!
    if (entry.news2) expect(entry.news2.spo2Scale).toBe(2)
    // Asking again changes nothing.
    expect(setSpo2Scale(db, { patientId, scale: 2 }, author)).toBeNull()
    setSpo2Scale(db, { patientId, scale: 1 }, author)
    await engine.flushOutbox()
    expect(chart(db, patientId)?.spo2Scale).toBe(1)
    expect(listOutbox(db, ['failed', 'conflict'])).toEqual([])
  })

  it('lists a patient’s documents from the central, readable, and keeps them for offline', async () => {
    const db = temp.store.db
    const withLetters = hospital.currentStays.find((s) => intern.units.includes(s.unitId) && hospital.resources.some((r) => r.resourceType === 'DocumentReference' && JSON.stringify(r).includes(`"Patient/${s.patientId}"`)))!
    const listed = await listDocuments(db, clientFor(server.url), withLetters.patientId)
    expect(listed.fromCache).toBe(false)
    expect(listed.documents.length).toBeGreaterThan(0)
    expect(listed.documents.every((d) => d.text?.includes('Données fictives'))).toBe(true)
    const offline = await listDocuments(db, clientFor('http://127.0.0.1:9/fhir'), withLetters.patientId)
    expect(offline).toEqual({ documents: listed.documents, fromCache: true })
  })
})
