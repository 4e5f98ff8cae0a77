import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseSearchRequest } from '@medplum/core'
import type { Composition, MedicationRequest, Provenance } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Services } from '../../src-main/compose'
import type { OrderInput, PaediatricFormReport, PrescribeResult, PrescriptionsList, QueueEntry } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { OVERRIDE_EXTENSION } from '../../src-main/prescribing/fhir'
import { ageInYears } from '../../src-main/prescribing/checks'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'
import { waitFor } from '../fixtures/sync/training'
import { openWorkstation, rpcOf } from '../fixtures/workstation'

// Prescribing end to end against a real training central: the paediatrician prescribes a tablet to a child under
// 6, is blocked by the galenic alert, overrides it with a justification; the order and its Provenance reach the
// central with the justification; the journal records the override; the pharmacist validates it from the queue;
// the establishment report is computed by the central on the training hospital.

let dir: string
let central: TrainingCentral
let services: Services
const log = createMemoryLogger()
const today = new Date().toISOString().slice(0, 10)

const { call, value, signIn } = rpcOf(() => services, () => central)

function centralSearch<T>(query: string): T[] {
  return central.fhir.repo.searchPage(parseSearchRequest(query)).matches as T[]
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-rx-'))
  central = await startTrainingCentral({ dir: path.join(dir, 'central'), hospital: { pastPatients: 40, heavyObservations: 0 }, log })
  services = await openWorkstation({ central, dir, log })
}, 180_000)

afterAll(async () => {
  await services?.close()
  await central?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('prescribing against the training central', () => {
  let patientId = ''
  let orderId = ''
  const justification = 'Enfant habitué aux comprimés, refuse la suspension (avis des parents).'

  it('blocks a tablet for a child under 6, then records it with the justification, which reaches the central', async () => {
    const census = await signIn('pediatre')
    const child = census.find((e) => e.patient.birthDate && ageInYears(e.patient.birthDate, today) >= 2 && ageInYears(e.patient.birthDate, today) < 6)
    expect(child, 'a child of 2 to 5 years in PEDIA').toBeDefined()
    patientId = child!.patient.id
    await waitFor(async () => (await value<PrescriptionsList>('prescriptions.list', { patientId })).orders.length > 0, 60_000, 200)

    const order: OrderInput = {
      patientId,
      dc: 'paracétamol',
      form: 'comprimé',
      strength: '500 mg',
      dose: { value: 200, unit: 'mg' },
      route: 'orale',
      frequency: { kind: 'every', hours: 6 },
      asNeeded: false,
      durationDays: 3,
    }
    const blocked = await value<PrescribeResult>('prescriptions.create', { order })
    expect(blocked.outcome).toBe('blocked')
    const galenic = blocked.alerts.find((a) => a.code === 'galenic-child')
    expect(galenic?.blocking).toBe(true)
    expect(galenic?.suggestions.map((s) => s.form)).toContain('suspension buvable')
    // Nothing was written for the blocked attempt.
    expect((await value<PrescriptionsList>('prescriptions.list', { patientId })).orders.some((o) => o.form === 'comprimé' && o.dc === 'paracétamol')).toBe(false)

    const tooShort = await call('prescriptions.create', { order, justification: 'non' })
    expect(tooShort.ok ? null : tooShort.error.code).toBe('INVALID')

    const recorded = await value<PrescribeResult>('prescriptions.create', { order, justification })
    expect(recorded.outcome).toBe('recorded')

    let atCentral: MedicationRequest | undefined
    await waitFor(() => {
      atCentral = centralSearch<MedicationRequest>(`MedicationRequest?subject=Patient/${patientId}`).find((m) =>
        m.identifier?.some((i) => i.value?.startsWith(recorded.outcome === 'recorded' ? recorded.writeId : '?')),
      )
      return atCentral !== undefined
    }, 30_000, 100)
    orderId = atCentral!.id!
    const override = atCentral!.extension?.find((e) => e.url === OVERRIDE_EXTENSION)
    expect(override?.extension?.find((e) => e.url === 'justification')?.valueString).toBe(justification)
    expect(override?.extension?.filter((e) => e.url === 'alert').map((e) => e.valueCode)).toContain('galenic-child')
    expect(atCentral!.requester?.reference).toBe(`Practitioner/${central.hospital.staff.find((s) => s.key === 'pediatre')!.practitionerId}`)
    const provenance = centralSearch<Provenance>(`Provenance?target=MedicationRequest/${orderId}`)
    expect(provenance).toHaveLength(1)

    // The journal records the override by its alert codes.
    const rows = services.store.db.prepare("SELECT detail FROM audit_journal WHERE action = 'create' AND patient_id = ?").all(patientId) as { detail: string }[]
    expect(rows.some((r) => r.detail.includes('"override":"galenic-child'))).toBe(true)

    await waitFor(async () => (await value<PrescriptionsList>('prescriptions.list', { patientId })).orders.some((o) => o.id === orderId), 30_000, 200)
    const shown = (await value<PrescriptionsList>('prescriptions.list', { patientId })).orders.find((o) => o.id === orderId)!
    expect(shown).toMatchObject({ status: 'active', formCategory: 'oral-solid', override: { justification }, pharmacy: { status: 'a-valider' } })
    expect(shown.frequency).toEqual({ kind: 'every', hours: 6 })
  }, 180_000)

  it('the prescriber may not review; the pharmacist validates from the queue and the decision reaches the central', async () => {
    const refused = await call('prescriptions.review', { patientId, orderId, decision: 'validee' })
    expect(refused.ok ? null : refused.error.code).toBe('FORBIDDEN')
    await value('auth.signOut')

    await signIn('pharmacien')
    let entries: QueueEntry[] = []
    await waitFor(async () => (entries = (await value<{ entries: QueueEntry[] }>('prescriptions.queue', {})).entries).some((e) => e.order.id === orderId), 90_000, 500)
    expect(entries[0]?.order.id).toBe(orderId)

    await value('prescriptions.review', { patientId, orderId, decision: 'validee', comment: 'Forme acceptée au vu de la justification.' })
    await waitFor(() => centralSearch<Composition>(`Composition?subject=Patient/${patientId}`).some((c) => c.section?.[0]?.entry?.[0]?.reference === `MedicationRequest/${orderId}`), 30_000, 100)
    const order = (await value<PrescriptionsList>('prescriptions.list', { patientId })).orders.find((o) => o.id === orderId)!
    expect(order.pharmacy).toMatchObject({ status: 'validee', comment: 'Forme acceptée au vu de la justification.' })
    expect((await value<{ entries: QueueEntry[] }>('prescriptions.queue', {})).entries.some((e) => e.order.id === orderId)).toBe(false)
  }, 180_000)

  it('the central computes the paediatric galenic-form report on the training hospital', async () => {
    const from = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10)
    const report = await value<PaediatricFormReport>('prescriptions.report', { from, to: today })
    expect(report.children).toBeGreaterThanOrEqual(10)
    // At least the asthmatic child's orodispersible tablet and the order above.
    expect(report.childrenWithOralSolid).toBeGreaterThanOrEqual(2)
    expect(report.percent).toBe(Math.round((report.childrenWithOralSolid / report.children) * 1000) / 10)
    expect(report.unclassifiedLines).toBeGreaterThanOrEqual(1)
    expect(report.unclassified.every((u) => u.label.includes('préparation hospitalière'))).toBe(true)
    expect(report.dcs.find((d) => d.dc === 'paracétamol')?.oralSolidLines).toBeGreaterThanOrEqual(1)
    expect(report.lines).toBe(report.dcs.reduce((sum, d) => sum + d.lines, 0))

    const empty = await value<PaediatricFormReport>('prescriptions.report', { from: '2000-01-01', to: '2000-01-31' })
    expect(empty).toMatchObject({ children: 0, percent: null, lines: 0 })
    await value('auth.signOut')
    await signIn('pediatre')
    const refused = await call('prescriptions.report', { from, to: today })
    expect(refused.ok ? null : refused.error.code).toBe('FORBIDDEN')
  }, 180_000)

  it('a modification stops the line with its reason and signs its replacement; a stop keeps its reason', async () => {
    const liquid: OrderInput = {
      patientId,
      dc: 'paracétamol',
      form: 'suspension buvable',
      strength: '2,4 % (24 mg/mL)',
      dose: { value: 150, unit: 'mg' },
      route: 'orale',
      frequency: { kind: 'perDay', times: 4 },
      asNeeded: true,
      maxIntakesPer24h: 4,
    }
    const justification = 'Poids à reprendre ce soir, dose usuelle pour l’âge en attendant.'
    const modified = await value<PrescribeResult>('prescriptions.modify', { orderId, order: liquid, reason: 'Passage à la forme buvable', justification })
    expect(modified.outcome).toBe('recorded')
    // The hospital's own paracetamol line is the same substance: a duplicate warning, not a block.
    expect(modified.alerts.map((a) => a.code)).toContain('duplicate')
    await waitFor(() => (central.fhir.repo.current('MedicationRequest', orderId) as MedicationRequest).status === 'stopped', 30_000, 100)
    const previous = central.fhir.repo.current('MedicationRequest', orderId) as MedicationRequest
    expect(previous.statusReason?.text).toBe('Passage à la forme buvable')
    let replacement: MedicationRequest | undefined
    await waitFor(() => (replacement = centralSearch<MedicationRequest>(`MedicationRequest?subject=Patient/${patientId}`).find((m) => m.priorPrescription?.reference === `MedicationRequest/${orderId}`)) !== undefined, 30_000, 100)
    expect(replacement!.dosageInstruction?.[0]?.asNeededBoolean).toBe(true)

    await waitFor(async () => (await value<PrescriptionsList>('prescriptions.list', { patientId })).orders.some((o) => o.id === replacement!.id), 30_000, 200)
    const list = await value<PrescriptionsList>('prescriptions.list', { patientId })
    expect(list.orders.find((o) => o.id === orderId)).toMatchObject({ status: 'stopped', stopReason: 'Passage à la forme buvable' })
    expect(list.orders.find((o) => o.id === replacement!.id)).toMatchObject({ status: 'active', replaces: orderId, asNeeded: true, maxIntakesPer24h: 4, formCategory: 'oral-liquid' })

    await value('prescriptions.stop', { patientId, orderId: replacement!.id, reason: 'Apyrexie' })
    await waitFor(() => (central.fhir.repo.current('MedicationRequest', replacement!.id!) as MedicationRequest).status === 'stopped', 30_000, 100)
    expect(centralSearch<Provenance>(`Provenance?target=MedicationRequest/${replacement!.id}`).length).toBe(2)
  }, 180_000)
})
