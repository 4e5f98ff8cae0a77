import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { LetterContent } from '../../src-main/contract/letters'
import { getLetter, listLetters, markSigned, moveLetter, recordDelivery, saveLetter, signedPdf } from '../../src-main/letters/repository'
import { openStore, type Store } from '../../src-main/store'

const author = { practitionerId: 'pr-1', displayName: 'Dr Test' }

function content(patientId: string, family: string): LetterContent {
  return {
    patient: { id: patientId, familyName: family, givenName: 'Anne', birthName: null, sex: 'female', birthDate: '1950-01-02', ins: null, identityStatus: 'PROV', ipp: null },
    medecinTraitant: null,
    adresseur: null,
    hospitalDoctor: null,
    stay: { encounterId: null, unit: 'Cardiologie', admissionDate: '01/11/2026', admissionMode: '', dischargeDate: '05/11/2026', dischargeMode: '' },
    reason: '',
    summary: { synthesis: '', adverseEvents: '', multiResistantOrganisms: '', bloodProducts: '', implantedDevices: '' },
    treatments: [],
    pendingResults: '',
    followUp: '',
  }
}

describe('letters in the encrypted store', () => {
  let dir: string
  let store: Store

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chevet-letters-'))
    store = openStore({ file: path.join(dir, 'chevet.db'), key: randomBytes(32) })
  })
  afterEach(() => {
    store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('updates a draft in place, and refuses to sign twice or to edit a superseded version', () => {
    const db = store.db
    const first = saveLetter(db, { patientId: 'p1', content: content('p1', 'Martin'), unitId: 'u1', author })
    expect(first).toMatchObject({ version: 1, status: 'brouillon', locked: false })
    expect(first.missing.length).toBeGreaterThan(5)
    const again = saveLetter(db, { patientId: 'p1', letterId: first.id, content: { ...content('p1', 'Martin'), reason: 'Chute' }, unitId: 'u1', author })
    expect(again).toMatchObject({ id: first.id, version: 1, content: { reason: 'Chute' } })

    expect(moveLetter(db, first.id, 'a-valider').status).toBe('a-valider')
    const signed = markSigned(db, first.id, { pdf: new TextEncoder().encode('%PDF-1.7 signed'), signedBy: 'Dr Test' })
    expect(signed).toMatchObject({ status: 'signee', locked: true, signedBy: 'Dr Test' })
    expect(new TextDecoder().decode(signedPdf(db, first.id)!)).toBe('%PDF-1.7 signed')
    expect(() => markSigned(db, first.id, { pdf: new Uint8Array([1]), signedBy: 'x' })).toThrow(/already signed/)
    expect(() => moveLetter(db, first.id, 'brouillon')).toThrow(/cannot go/)

    const second = saveLetter(db, { patientId: 'p1', letterId: first.id, content: content('p1', 'Martin'), unitId: 'u1', author })
    expect(second).toMatchObject({ setId: first.id, version: 2, status: 'brouillon' })
    expect(() => saveLetter(db, { patientId: 'p1', letterId: first.id, content: content('p1', 'Martin'), unitId: 'u1', author })).toThrow(/newer version/)
    expect(() => saveLetter(db, { patientId: 'p2', letterId: second.id, content: content('p2', 'Autre'), unitId: 'u1', author })).toThrow(/another patient/)
  })

  it('lists the queue by status and unit, newest version of each letter only', () => {
    const db = store.db
    const a = saveLetter(db, { patientId: 'p1', content: content('p1', 'Martin'), unitId: 'u1', author, now: '2026-11-01T10:00:00Z' })
    markSigned(db, a.id, { pdf: new Uint8Array([37]), signedBy: 'Dr Test', now: '2026-11-01T11:00:00Z' })
    moveLetter(db, a.id, 'a-envoyer', '2026-11-01T12:00:00Z')
    const b = saveLetter(db, { patientId: 'p2', content: content('p2', 'Bernard'), unitId: 'u1', author, now: '2026-11-02T10:00:00Z' })
    saveLetter(db, { patientId: 'p3', content: content('p3', 'Petit'), unitId: 'u2', author, now: '2026-11-03T10:00:00Z' })

    expect(listLetters(db, { unitIds: ['u1'] }).map((l) => [l.patientName, l.status])).toEqual([
      ['BERNARD Anne', 'brouillon'],
      ['MARTIN Anne', 'a-envoyer'],
    ])
    expect(listLetters(db, { status: ['a-envoyer', 'erreur'] }).map((l) => l.id)).toEqual([a.id])
    expect(listLetters(db, { unitIds: [] })).toEqual([])

    recordDelivery(db, a.id, { kind: 'medecin-traitant', address: 'a@b.mssante.fr', status: 'erreur', detail: 'relais injoignable' })
    recordDelivery(db, a.id, { kind: 'medecin-traitant', address: 'a@b.mssante.fr', status: 'envoyee', detail: null })
    expect(db.prepare('SELECT status, attempts FROM letter_delivery WHERE letter_id = ?').get(a.id)).toEqual({ status: 'envoyee', attempts: 2 })
    expect(moveLetter(db, a.id, 'envoyee').status).toBe('envoyee')

    // A new version of b moves it up the queue; the queue still shows one row for the letter.
    markSigned(db, b.id, { pdf: new Uint8Array([37]), signedBy: 'Dr Test', now: '2026-11-04T10:00:00Z' })
    const b2 = saveLetter(db, { patientId: 'p2', letterId: b.id, content: content('p2', 'Bernard'), unitId: 'u1', author, now: '2026-11-05T10:00:00Z' })
    expect(listLetters(db, { patientId: 'p2' }).map((l) => [l.id, l.version])).toEqual([[b2.id, 2]])
    expect(getLetter(db, b.id).versions.map((v) => v.status)).toEqual(['signee', 'brouillon'])
  })
})
