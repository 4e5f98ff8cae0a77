import type { Composition, Provenance } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventBus } from '../../src-main/events'
import { createMemoryLogger } from '../../src-main/log'
import { census, listOutbox, NOTE_LOINC, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { createSyncEngine, type SyncEngine } from '../../src-main/sync'
import type { FhirServer, TrainingUser } from '../../src-main/training/fhir-server'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'
import { openTempStore, type TempStore } from '../fixtures/sync/store'
import { clientFor, startTrainingCentral } from '../fixtures/sync/training'

// Notes against the training central over real HTTP: the Composition and its Provenance are accepted (medplum
// validates them), exist there after replay, are found by patient and date, are not created twice when the same
// transaction is replayed, and a note written on another workstation reaches this one's chart.

let hospital: TrainingHospital
let nurse: TrainingUser
let server: FhirServer
let temp: TempStore
let other: TempStore
let engine: SyncEngine
let otherEngine: SyncEngine
const log = createMemoryLogger()

beforeAll(async () => {
  hospital = generateHospital({ pastPatients: 5, heavyObservations: 0 })
  const staff = hospital.staff.find((s) => s.key === 'infirmier')!
  nurse = { id: staff.practitionerId, units: staff.units, role: 'infirmier' }
  server = await startTrainingCentral({ hospital, user: nurse })
  temp = openTempStore('chevet-notes-')
  other = openTempStore('chevet-notes-other-')
  const make = (db: TempStore) =>
    createSyncEngine({
      db: db.store.db,
      central: clientFor(server.url),
      user: { practitionerId: staff.practitionerId, units: staff.units },
      log,
      events: new EventBus(),
    })
  engine = make(temp)
  otherEngine = make(other)
  expect((await engine.syncNow()).ok).toBe(true)
  expect((await otherEngine.syncNow()).ok).toBe(true)
})

afterAll(async () => {
  await engine?.stop()
  await otherEngine?.stop()
  await server?.close()
  temp?.cleanup()
  other?.cleanup()
})

const author = { displayName: 'Anaïs PERRIN', role: 'infirmier' as const }

describe('notes against the training central', () => {
  it('sends a DAR note with its Provenance in one transaction; both are read back over FHIR', async () => {
    const patientId = census(temp.store.db, nurse.units)[0]!.patient.id
    const receipt = await engine.recordNote(
      { patientId, kind: 'transmission', cible: 'Douleur', donnees: 'EVA 7 au flanc droit', actions: 'Paracétamol 1 g IV', resultats: 'EVA 3 à 1 h' },
      author,
    )
    await engine.flushOutbox()
    expect(listOutbox(temp.store.db).map((e) => [e.kind, e.state])).toEqual([['notes.create', 'sent']])

    const central = clientFor(server.url)
    const found = await central.search<Composition>('Composition', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-note` })
    expect(found.resources).toHaveLength(1)
    const note = found.resources[0]!
    expect(note).toMatchObject({
      title: 'Douleur',
      subject: { reference: `Patient/${patientId}` },
      author: [{ reference: `Practitioner/${nurse.id}`, display: 'Anaïs PERRIN' }],
      type: { coding: [{ code: NOTE_LOINC.transmission.code }] },
    })
    expect(note.section?.map((s) => s.title)).toEqual(['Données', 'Actions', 'Résultats'])

    // Searchable by patient and date, as a chart at the central would list it.
    const day = note.date.slice(0, 10)
    const byPatient = await central.search<Composition>('Composition', { subject: `Patient/${patientId}`, date: `ge${day}` })
    expect(byPatient.resources.map((c) => c.id)).toContain(note.id)

    const provenance = await central.search<Provenance>('Provenance', { target: `Composition/${note.id}` })
    expect(provenance.resources).toHaveLength(1)
    expect(provenance.resources[0]).toMatchObject({
      recorded: note.date,
      agent: [{ who: { reference: `Practitioner/${nurse.id}` } }],
    })

    // The cache now holds the central's copy, no longer pending.
    const listed = engine.notes({ patientId })
    expect(listed.notes[0]).toMatchObject({ id: note.id, cible: 'Douleur', authorName: 'Anaïs PERRIN', authorRole: 'infirmier', pending: false })
  })

  it('creates neither the note nor its Provenance twice when the same transaction is replayed', async () => {
    const patientId = census(temp.store.db, nurse.units)[1]!.patient.id
    const receipt = await engine.recordNote({ patientId, kind: 'observation', text: 'Patient calme, pas de plainte.' }, author)
    const entry = listOutbox(temp.store.db).find((e) => e.idempotencyKey === receipt.writeId)!
    await engine.flushOutbox()
    // A crash after the central stored it but before the acknowledgement: the same body goes again.
    const central = clientFor(server.url)
    await central.transaction(structuredClone(entry.body) as never)
    const notes = await central.search<Composition>('Composition', { identifier: `${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-note` })
    expect(notes.resources).toHaveLength(1)
    const provenance = await central.search<Provenance>('Provenance', { target: `Composition/${notes.resources[0]!.id}` })
    expect(provenance.resources).toHaveLength(1)
  })

  it('brings a note written on another workstation into this chart at the next sync', async () => {
    const patientId = census(temp.store.db, nurse.units)[0]!.patient.id
    await otherEngine.recordNote({ patientId, kind: 'transmission', cible: 'Chute', donnees: 'Retrouvé au sol à 3 h' }, author)
    await otherEngine.flushOutbox()
    expect(engine.notes({ patientId }).notes.some((n) => n.cible === 'Chute')).toBe(false)
    expect((await engine.syncNow()).ok).toBe(true)
    const listed = engine.notes({ patientId, filters: { cible: 'chute' } })
    expect(listed.notes).toHaveLength(1)
    expect(listed.notes[0]).toMatchObject({ donnees: 'Retrouvé au sol à 3 h', actions: null, pending: false })
    expect(listed.cibles).toEqual(['Chute', 'Douleur'])
  })
})
