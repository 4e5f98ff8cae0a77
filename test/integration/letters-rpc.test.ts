import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRAINING_ESTABLISHMENT, type Services } from '../../src-main/compose'
import type { Letter, LetterContent, LetterPreview, MissingItem } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'
import { waitFor } from '../fixtures/sync/training'
import { openWorkstation, rpcOf } from '../fixtures/workstation'

// The letters' RPC against a real training central: a doctor prefills from the synced chart, saves, submits and
// previews; a secretary sees the letter in her unit's queue but cannot prefill (no access to prescriptions); an
// unsigned letter with missing items cannot be signed; every call is journaled.

let dir: string
let central: TrainingCentral
let services: Services
const log = createMemoryLogger()

const { call, value, signIn } = rpcOf(() => services, () => central)

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-letters-rpc-'))
  central = await startTrainingCentral({ dir: path.join(dir, 'central'), hospital: { pastPatients: 5, heavyObservations: 0 }, log })
  services = await openWorkstation({ central, dir, log })
}, 180_000)

afterAll(async () => {
  await services?.close()
  await central?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('letters RPC', () => {
  let letter: Letter
  let patientId = ''

  it('prefills from the synced chart, saves a draft and submits it', async () => {
    const census = await signIn('medecin')
    const cardio = census.find((e) => e.patient.unit?.name === 'Cardiologie')!
    patientId = cardio.patient.id
    type Prefill = { content: LetterContent; missing: MissingItem[] }
    let prefill: Prefill | undefined
    await waitFor(async () => {
      const answer = await value<Prefill>('letters.prefill', { patientId })
      prefill = answer
      return answer.content.treatments.length > 0
    }, 60_000, 200)
    expect(prefill!.content.patient.familyName).toBe(cardio.patient.familyName)
    expect(prefill!.content.stay.unit).toBe('Cardiologie')
    expect(prefill!.content.treatments.every((t) => t.change === 'nouveau')).toBe(true)
    // A stay in progress: no discharge date yet, among other things the doctor must give.
    expect(prefill!.missing.map((m) => m.path)).toContain('stay.dischargeDate')

    letter = await value<Letter>('letters.save', { patientId, content: prefill!.content })
    expect(letter).toMatchObject({ version: 1, status: 'brouillon', locked: false, authorName: expect.stringContaining('MARCHAND') })
    letter = await value<Letter>('letters.save', { patientId, letterId: letter.id, content: { ...letter.content, reason: 'Décompensation cardiaque' } })
    expect(letter.content.reason).toBe('Décompensation cardiaque')
    letter = await value<Letter>('letters.submit', { letterId: letter.id })
    expect(letter.status).toBe('a-valider')

    const preview = await value<LetterPreview>('letters.preview', { letterId: letter.id })
    // Training: the letterhead names the fictitious establishment (FINESS 990000010), not « non configuré ».
    expect(preview.letterhead).toMatchObject({ name: TRAINING_ESTABLISHMENT.name, finess: TRAINING_ESTABLISHMENT.finess })
    expect(preview.letter.id).toBe(letter.id)
  })

  it('refuses to sign while a required item is missing', async () => {
    const pdf = Buffer.from(`%PDF-1.7\n${'x'.repeat(200)}`).toString('base64')
    const answer = await call('letters.sign', { letterId: letter.id, pdf })
    expect(answer).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    expect((await value<Letter>('letters.get', { letterId: letter.id })).status).toBe('a-valider')
  })

  it('journals every letter call with the letter, never its text', () => {
    const rows = services.store.db
      .prepare("SELECT entity, patient_id AS patientId, detail FROM audit_journal WHERE entity LIKE 'DocumentReference/%' OR detail LIKE '%letter-prefill%' ORDER BY seq")
      .all() as { entity: string; patientId: string; detail: string }[]
    expect(rows.length).toBeGreaterThanOrEqual(5)
    expect(rows.every((r) => r.patientId === patientId)).toBe(true)
    expect(rows.some((r) => r.entity === `DocumentReference/${letter.id}`)).toBe(true)
    expect(rows.map((r) => r.detail).join('\n')).not.toContain('Décompensation')
  })

  it('puts the letter in the secretary’s queue; she may not prefill', async () => {
    await value('auth.signOut')
    await signIn('secretaire')
    const queue = await value<{ letters: Letter[] }>('letters.list', { status: ['a-valider'] })
    expect(queue.letters.map((l) => l.id)).toContain(letter.id)
    expect(await call('letters.prefill', { patientId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await call('letters.sign', { letterId: letter.id, pdf: Buffer.from(`%PDF-1.7\n${'x'.repeat(200)}`).toString('base64') })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    })
  })
})
