import type { Bundle, Composition, Provenance } from '@medplum/fhirtypes'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CreateNoteParams, NotesListParams } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { applyCreated, listNotes, listOutbox, NOTE_LOINC, recordNote, upsertResources, WRITE_IDENTIFIER_SYSTEM } from '../../src-main/store/cache'
import { narrativeText, noteResources } from '../../src-main/store/cache/notes'
import { replayOutbox } from '../../src-main/sync'
import { FakeCentral } from '../fixtures/sync/fake-central'
import { patient, stay, unitTree } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

let temp: TempStore
const db = () => temp.store.db
const nurse = { practitionerId: 'pr-nurse', displayName: 'Anaïs PERRIN', role: 'infirmier' as const }
const doctor = { practitionerId: 'pr-doc', displayName: 'Cécile MARCHAND', role: 'medecin' as const }
const dar = { patientId: 'p1', kind: 'transmission' as const, cible: 'Douleur', donnees: 'EVA 7 <flanc> & fièvre\n38,5 °C', actions: 'Paracétamol 1 g' }

beforeEach(() => {
  temp = openTempStore()
  upsertResources(db(), [
    ...unitTree('loc-cardio', 'Cardiologie', 1),
    patient({ id: 'p1', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14' }),
    stay('enc-1', 'p1', 'loc-cardio', 'loc-cardio-101-1'),
  ])
})

afterEach(() => temp.cleanup())

describe('note contract', () => {
  it('accepts an observation and a DAR transmission, trimmed', () => {
    expect(CreateNoteParams.parse({ patientId: 'p1', kind: 'observation', text: '  Examen normal. ' })).toEqual({ patientId: 'p1', kind: 'observation', text: 'Examen normal.' })
    expect(CreateNoteParams.parse({ ...dar, resultats: 'EVA 3' })).toMatchObject({ cible: 'Douleur', resultats: 'EVA 3' })
  })

  it('refuses a DAR without cible or without Données, an empty text, oversized parts and unknown fields', () => {
    const { cible: _c, ...withoutCible } = dar
    const { donnees: _d, ...withoutDonnees } = dar
    expect(CreateNoteParams.safeParse(withoutCible).success).toBe(false)
    expect(CreateNoteParams.safeParse(withoutDonnees).success).toBe(false)
    expect(CreateNoteParams.safeParse({ ...dar, donnees: '   ' }).success).toBe(false)
    expect(CreateNoteParams.safeParse({ ...dar, cible: 'x'.repeat(121) }).success).toBe(false)
    expect(CreateNoteParams.safeParse({ ...dar, actions: 'x'.repeat(10_001) }).success).toBe(false)
    expect(CreateNoteParams.safeParse({ patientId: 'p1', kind: 'observation', text: '' }).success).toBe(false)
    expect(CreateNoteParams.safeParse({ patientId: 'p1', kind: 'observation', text: 'x', cible: 'y' }).success).toBe(false)
    expect(CreateNoteParams.safeParse({ patientId: 'p1', kind: 'avis', text: 'x' }).success).toBe(false)
    expect(NotesListParams.safeParse({ patientId: 'p1', filters: { authorRole: 'chirurgien' } }).success).toBe(false)
  })
})

describe('FHIR mapping', () => {
  it('maps a DAR to a nurse-note Composition with D/A/R sections and a Provenance of its author', () => {
    const parsed = CreateNoteParams.parse(dar)
    const { composition, provenance } = noteResources(parsed, 'k1', {
      encounterId: 'enc-1',
      writtenAt: '2026-11-23T10:00:00.000Z',
      author: nurse,
      compositionUrl: 'urn:uuid:c',
    })
    expect(composition).toMatchObject({
      resourceType: 'Composition',
      identifier: { system: WRITE_IDENTIFIER_SYSTEM, value: 'k1-note' },
      status: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '34746-8' }] },
      subject: { reference: 'Patient/p1' },
      encounter: { reference: 'Encounter/enc-1' },
      date: '2026-11-23T10:00:00.000Z',
      author: [{ reference: 'Practitioner/pr-nurse', display: 'Anaïs PERRIN' }],
      title: 'Douleur',
    })
    expect(composition.section?.map((s) => [s.code?.coding?.[0]?.code, s.title])).toEqual([
      ['D', 'Données'],
      ['A', 'Actions'],
    ])
    // The narrative is XHTML: the user's text is escaped, and comes back as typed.
    expect(composition.section?.[0]?.text?.div).toBe('<div xmlns="http://www.w3.org/1999/xhtml">EVA 7 &lt;flanc&gt; &amp; fièvre<br/>38,5 °C</div>')
    expect(narrativeText(composition.section?.[0]?.text?.div)).toBe(dar.donnees)
    expect(provenance).toEqual({
      resourceType: 'Provenance',
      target: [{ reference: 'urn:uuid:c' }],
      recorded: '2026-11-23T10:00:00.000Z',
      activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }] },
      agent: [
        {
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' }] },
          who: { reference: 'Practitioner/pr-nurse', display: 'Anaïs PERRIN' },
        },
      ],
    })
  })

  it('maps an observation to a progress note, and an interne’s Provenance names the senior when known', () => {
    const context = { encounterId: null, writtenAt: '2026-11-23T10:00:00.000Z', compositionUrl: 'urn:uuid:c' }
    const params = CreateNoteParams.parse({ patientId: 'p1', kind: 'observation', text: 'RAS' })
    const interne = { practitionerId: 'pr-int', displayName: 'Gaël LE GOFF', role: 'interne' as const }
    const withSenior = noteResources(params, 'k', { ...context, author: { ...interne, onBehalfOf: 'pr-doc' } })
    expect(withSenior.composition.type.coding?.[0]?.code).toBe(NOTE_LOINC.observation.code)
    expect(withSenior.composition.title).toBe('Observation médicale')
    expect(withSenior.composition.encounter).toBeUndefined()
    expect(withSenior.provenance.agent[0]?.onBehalfOf).toEqual({ reference: 'Practitioner/pr-doc' })
    expect(noteResources(params, 'k', { ...context, author: interne }).provenance.agent[0]?.onBehalfOf).toBeUndefined()
    // onBehalfOf is for internes only.
    expect(noteResources(params, 'k', { ...context, author: { ...doctor, onBehalfOf: 'pr-x' } }).provenance.agent[0]?.onBehalfOf).toBeUndefined()
  })
})

describe('recordNote and listNotes', () => {
  it('stores the note pending and queues ONE transaction (note + Provenance, both conditional) in the same commit', () => {
    const receipt = recordNote(db(), dar, nurse, { now: new Date('2026-11-23T10:00:00Z') })
    expect(receipt.state).toBe('queued')
    const [entry, ...rest] = listOutbox(db())
    expect(rest).toHaveLength(0)
    expect(entry).toMatchObject({ idempotencyKey: receipt.writeId, kind: 'notes.create', method: 'TRANSACTION', patientId: 'p1', state: 'pending' })
    const bundle = entry!.body as Bundle
    expect(bundle.type).toBe('transaction')
    const [note, provenance] = bundle.entry!
    expect(note!.request).toEqual({ method: 'POST', url: 'Composition', ifNoneExist: `identifier=${WRITE_IDENTIFIER_SYSTEM}|${receipt.writeId}-note` })
    expect(provenance!.request).toEqual({
      method: 'POST',
      url: 'Provenance',
      ifNoneExist: 'agent=Practitioner/pr-nurse&recorded=ge2026-11-23T10:00:00.000Z&recorded=le2026-11-23T10:00:00.000Z',
    })
    expect((provenance!.resource as Provenance).target).toEqual([{ reference: note!.fullUrl }])

    expect(listNotes(db(), { patientId: 'p1' })).toEqual({
      cibles: ['Douleur'],
      notes: [
        {
          id: `local-${receipt.writeId}-note`,
          kind: 'transmission',
          authorName: 'Anaïs PERRIN',
          authorRole: 'infirmier',
          writtenAt: '2026-11-23T10:00:00.000Z',
          cible: 'Douleur',
          text: null,
          donnees: dar.donnees,
          actions: 'Paracétamol 1 g',
          resultats: null,
          pending: true,
        },
      ],
    })
  })

  it('rolls the local note back when its outbox entry cannot be queued, and refuses an unknown patient', () => {
    recordNote(db(), dar, nurse, { idempotencyKey: 'same' })
    expect(() => recordNote(db(), { ...dar, cible: 'Chute' }, nurse, { idempotencyKey: 'same' })).toThrow()
    expect(() => recordNote(db(), { ...dar, patientId: 'nobody' }, nurse)).toThrow(/not in the cache/)
    expect(listOutbox(db())).toHaveLength(1)
    expect(listNotes(db(), { patientId: 'p1' }).notes.map((n) => n.cible)).toEqual(['Douleur'])
  })

  it('lists newest first, filtered by author role and by cible (accents and case ignored)', () => {
    recordNote(db(), { patientId: 'p1', kind: 'observation', text: 'Examen clinique' }, doctor, { now: new Date('2026-11-23T08:00:00Z') })
    recordNote(db(), dar, nurse, { now: new Date('2026-11-23T09:00:00Z') })
    recordNote(db(), { ...dar, cible: 'Élimination', donnees: 'Pas de selles depuis 3 j' }, nurse, { now: new Date('2026-11-23T10:00:00Z') })
    expect(listNotes(db(), { patientId: 'p1' }).notes.map((n) => n.cible ?? n.text)).toEqual(['Élimination', 'Douleur', 'Examen clinique'])
    expect(listNotes(db(), { patientId: 'p1', filters: { authorRole: 'medecin' } }).notes.map((n) => n.kind)).toEqual(['observation'])
    expect(listNotes(db(), { patientId: 'p1', filters: { cible: 'elimin' } }).notes.map((n) => n.donnees)).toEqual(['Pas de selles depuis 3 j'])
    expect(listNotes(db(), { patientId: 'p1', filters: { authorRole: 'medecin', cible: 'douleur' } }).notes).toEqual([])
    expect(listNotes(db(), { patientId: 'p1' }).cibles).toEqual(['Douleur', 'Élimination'])
    expect(listNotes(db(), { patientId: 'p2' }).notes).toEqual([])
  })

  it('swaps the pending note for the central’s copy once the transaction is acknowledged', async () => {
    const receipt = recordNote(db(), dar, nurse)
    const central = new FakeCentral()
    const report = await replayOutbox({ db: db(), central, log: createMemoryLogger(), now: () => new Date() })
    expect(report.sent).toBe(1)
    const notes = listNotes(db(), { patientId: 'p1' }).notes
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatchObject({ cible: 'Douleur', pending: false })
    expect(notes[0]!.id.startsWith('local-')).toBe(false)
    // The same note again from the chart sync (same write identifier) does not make a second one.
    const stored = [...central.store.values()].find((r) => r.resourceType === 'Composition') as Composition
    applyCreated(db(), { ...stored, meta: { versionId: '2', lastUpdated: new Date().toISOString() } })
    expect(listNotes(db(), { patientId: 'p1' }).notes).toHaveLength(1)
    expect(stored.identifier?.value).toBe(`${receipt.writeId}-note`)
  })
})
