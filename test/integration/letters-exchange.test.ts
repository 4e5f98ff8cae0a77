import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseSearchRequest } from '@medplum/core'
import type { DocumentReference, Encounter, Provenance } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Services } from '../../src-main/compose'
import type { CensusEntry, Letter, LetterContent, LetterSummary, MissingItem } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'
import { samplePdf } from '../fixtures/sample-pdf'
import { waitFor } from '../fixtures/sync/training'
import { openWorkstation, rpcOf } from '../fixtures/workstation'

// Two workstations on one training central, each with its own encrypted store: the doctor signs a lettre de liaison
// on the ward's workstation and the patient goes home; the secretary's workstation, which never saw the patient
// nor the draft, finds the signed letter in her queue — the very PDF that was signed — and may send it: a patient
// discharged from her unit is still in its care. Another patient sent home without a letter is on her daily list.
// The central holds the letter once, with its Provenance.

let dir: string
let central: TrainingCentral
let wardServices: Services
let officeServices: Services
const log = createMemoryLogger()

const ward = rpcOf(() => wardServices, () => central)
const office = rpcOf(() => officeServices, () => central)

/** What the doctor types for an item the chart did not give (the e2e does it in the form). */
function complete(content: LetterContent, missing: MissingItem[]): LetterContent {
  const filled = structuredClone(content) as unknown as Record<string, unknown>
  const doctor = { name: 'Dr Cécile MARCHAND', rpps: null, mssante: null, detail: null }
  for (const { path: itemPath } of missing) {
    const keys = itemPath.split('.')
    let target = filled as Record<string, unknown>
    for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>
    const last = keys.at(-1)!
    target[last] =
      itemPath === 'medecinTraitant' || itemPath === 'hospitalDoctor'
        ? doctor
        : itemPath.endsWith('Date')
          ? '23/11/2026'
          : itemPath.endsWith('.discharge')
            ? '1 comprimé le matin'
            : itemPath.endsWith('.reason')
              ? 'Adaptation à la fonction rénale'
              : 'Aucun.'
  }
  return filled as unknown as LetterContent
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-letters-exchange-'))
  central = await startTrainingCentral({ dir: path.join(dir, 'central'), hospital: { pastPatients: 5, heavyObservations: 0 }, log })
  wardServices = await openWorkstation({ central, dir, dataDir: 'ward', log })
  officeServices = await openWorkstation({ central, dir, dataDir: 'office', log })
}, 180_000)

afterAll(async () => {
  await wardServices?.close()
  await officeServices?.close()
  await central?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('letters between workstations', () => {
  let signed: Letter
  /** Another patient of the unit, sent home with no letter written. */
  let forgotten = ''

  function centralSearch<T>(query: string): T[] {
    return central.fhir.repo.searchPage(parseSearchRequest(query)).matches as T[]
  }

  it('the doctor signs on the ward’s workstation: the signed version is published to the central with its Provenance', async () => {
    const census = await ward.signIn('medecin')
    const cardiology = census.filter((e) => e.patient.unit?.name === 'Cardiologie' && !e.patient.sensitivity?.length)
    const patientId = cardiology[0]!.patient.id
    forgotten = cardiology[1]!.patient.id
    type Prefill = { content: LetterContent; missing: MissingItem[] }
    let prefill: Prefill | undefined
    await waitFor(async () => (prefill = await ward.value<Prefill>('letters.prefill', { patientId })).content.treatments.length > 0, 60_000, 200)
    const draft = await ward.value<Letter>('letters.save', { patientId, content: complete(prefill!.content, prefill!.missing) })
    expect(draft.missing).toEqual([])
    signed = await ward.value<Letter>('letters.sign', { letterId: draft.id, pdf: Buffer.from(await samplePdf('Lettre de liaison à la sortie')).toString('base64') })
    expect(signed.status).toBe('signee')

    const search = `DocumentReference?subject=Patient/${patientId}&_tag=urn:chevet:tag|lettre-de-liaison-circuit`
    await waitFor(() => centralSearch(search).length > 0, 30_000, 200)
    const documents = centralSearch<DocumentReference>(search)
    expect(documents).toHaveLength(1)
    expect(documents[0]).toMatchObject({
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '11490-0' }] },
      authenticator: { reference: 'Practitioner/pra-medecin' },
    })
    expect(documents[0]!.content.map((c) => c.attachment.contentType)).toEqual(['application/pdf', 'application/vnd.chevet.letter+json'])
    const provenance = centralSearch<Provenance>(`Provenance?target=DocumentReference/${documents[0]!.id}`)
    expect(provenance).toHaveLength(1)
    expect(provenance[0]!.agent[0]!.who?.reference).toBe('Practitioner/pra-medecin')
  })

  it('the secretary’s workstation, which never saw the patient, lists the signed letter once he went home', async () => {
    // The discharges, as the central's admissions would record them.
    for (const patientId of [signed.patientId, forgotten]) {
      const stay = centralSearch<Encounter>(`Encounter?subject=Patient/${patientId}&status=in-progress`)[0]!
      await central.fhir.repo.updateResource<Encounter>({
        ...stay,
        status: 'finished',
        period: { ...stay.period, end: new Date().toISOString() },
        location: (stay.location ?? []).map((place) => ({ ...place, status: 'completed' as const })),
      })
    }
    await office.signIn('secretaire')
    const census = await office.value<{ entries: CensusEntry[] }>('census.list', {})
    expect(census.entries.map((e) => e.patient.id)).not.toContain(signed.patientId)
    // Her first sync round reads the stays that ended lately; the queue then brings the letter from the central.
    let mine: LetterSummary | undefined
    await waitFor(async () => (mine = (await office.value<{ letters: LetterSummary[] }>('letters.list', {})).letters.find((l) => l.id === signed.id)) !== undefined, 30_000, 500)
    expect(mine).toMatchObject({ status: 'signee', version: 1, patientId: signed.patientId, signedBy: signed.signedBy })
    const here = await office.value<{ pdf: string }>('letters.signedPdf', { letterId: signed.id })
    const there = await ward.value<{ pdf: string }>('letters.signedPdf', { letterId: signed.id })
    expect(here.pdf).toBe(there.pdf)
    const recipients = await office.value<{ recipients: { kind: string }[] }>('letters.recipients', { letterId: signed.id })
    expect(recipients.recipients.map((r) => r.kind)).toContain('medecin-traitant')
    // The daily list: the patient sent home with no letter is named; the one whose letter exists is judged by the queue.
    const { discharges } = await office.value<{ discharges: { patientId: string; familyName: string | null; dischargedAt: string }[] }>('letters.discharges', {})
    expect(discharges.map((d) => d.patientId)).toContain(forgotten)
    expect(discharges.map((d) => d.patientId)).not.toContain(signed.patientId)
    expect(discharges.find((d) => d.patientId === forgotten)!.familyName).toBeTruthy()
    // The doctor's workstation, once its census has seen the discharge, still opens the letter of her patient.
    await waitFor(async () => !(await ward.value<{ entries: CensusEntry[] }>('census.list', {})).entries.some((e) => e.patient.id === signed.patientId), 60_000, 500)
    expect((await ward.value<Letter>('letters.get', { letterId: signed.id })).status).toBe('signee')
    // Listing again imports nothing new and keeps one entry per letter.
    const again = await office.value<{ letters: LetterSummary[] }>('letters.list', {})
    expect(again.letters.filter((l) => l.id === signed.id)).toHaveLength(1)
  })
})
