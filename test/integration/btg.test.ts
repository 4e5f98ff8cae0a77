import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AuditEvent, Bundle, Patient } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCardAssertion } from '../../src-main/auth/assertion'
import type { Services } from '../../src-main/compose'
import type { BtgGrant, CensusEntry, PatientSummary } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { exportJournal } from '../../src-main/audit/export'
import { btgReviewEvent } from '../../src-main/audit/access-records'
import { loadReview } from '../../src-main/audit/review-service'
import { createCentralClient } from '../../src-main/central'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'
import { waitFor } from '../fixtures/sync/training'
import { openWorkstation, rpcOf } from '../fixtures/workstation'

// Break the glass end to end: a workstation (composeServices) signed in with the nurse's virtual card against a
// real training central over HTTP. The nurse (CARDIO) searches a patient of MEDINT, is refused, breaks the glass
// with a reason; the central gives a BTG token that alone reads that patient; the chart opens; the journal flags
// every access 'btg'; the grant reaches the central as the btg-grant AuditEvent; after expiry the chart is refused.

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const BTG_SECONDS = 12

let dir: string
let central: TrainingCentral
let services: Services
const log = createMemoryLogger()
const started = Date.now()

const { call, value } = rpcOf(() => services, () => central)

async function tokenOf(key: string): Promise<string> {
  const member = central.hospital.staff.find((s) => s.key === key)!
  const session = await central.cards.login(`virtual:${key}`, new TextEncoder().encode(member.pin))
  try {
    const assertion = await createCardAssertion({ session, audience: central.tokenUrl })
    const response = await fetch(central.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }),
    })
    return ((await response.json()) as { access_token: string }).access_token
  } finally {
    await session.close()
  }
}

function patientNamed(family: string): Patient {
  const found = central.hospital.resources.find(
    (r): r is Patient => r.resourceType === 'Patient' && (r as Patient).name?.some((n) => n.family === family) === true,
  )
  if (!found) throw new Error(`no patient ${family}`)
  return found
}

async function readPatient(id: string, token: string): Promise<number> {
  const response = await fetch(`${central.fhirUrl}/Patient/${id}`, { headers: { Authorization: `Bearer ${token}` } })
  await response.body?.cancel()
  return response.status
}

function journal(): { patient_id: string | null; purpose: string; detail: string }[] {
  return services.store.db.prepare('SELECT patient_id, purpose, detail FROM audit_journal ORDER BY seq').all() as never
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-btg-'))
  central = await startTrainingCentral({ dir: path.join(dir, 'central'), hospital: { pastPatients: 40, heavyObservations: 0 }, log })
  services = await openWorkstation({ central, dir, log, config: { btgHours: BTG_SECONDS / 3600 } })
  const nurse = central.hospital.staff.find((s) => s.key === 'infirmier')!
  await value('auth.signIn', { slotId: 'virtual:infirmier', pin: nurse.pin })
  await waitFor(async () => (await value<{ entries: CensusEntry[] }>('census.list', {})).entries.length > 0, 60_000, 200)
}, 180_000)

afterAll(async () => {
  await services?.close()
  await central?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('break the glass', () => {
  it('issues a BTG token for one patient: only that token reads him at the central, and its audit says BTG', async () => {
    const outside = patientNamed('BÉGUIN').id!
    const token = await tokenOf('infirmier')
    expect(await readPatient(outside, token)).toBe(403)
    const response = await fetch(central.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        purpose_of_use: 'BTG',
        patient: outside,
        requested_lifetime: '60',
      }),
    })
    const body = (await response.json()) as { access_token: string; expires_in: number; purpose_of_use: string; patient: string }
    expect(response.status).toBe(200)
    expect(body).toMatchObject({ purpose_of_use: 'BTG', patient: outside, expires_in: 60 })
    expect(await readPatient(outside, body.access_token)).toBe(200)
    // Scoped to that one patient: another MEDINT patient stays out of reach.
    const other = patientNamed('DIALLO').id!
    expect(await readPatient(other, token)).toBe(403)
    expect(await readPatient(other, body.access_token)).toBe(403)

    // Only this test's reads (the training data seed older AuditEvents, for the DPO's review).
    const nurseRef = `Practitioner/${central.hospital.staff.find((s) => s.key === 'infirmier')!.practitionerId}`
    const reads = (await auditEventsAbout(outside)).filter(
      (e) => e.agent[0]?.who?.reference === nurseRef && Date.parse(e.recorded) >= started && e.subtype?.[0]?.code === 'read' && e.entity?.some((x) => x.what?.reference === `Patient/${outside}`) && e.outcome === '0',
    )
    expect(reads.length).toBeGreaterThan(0)
    expect(reads.every((e) => e.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG')).toBe(true)

    // A BTG token cannot be exchanged again for another patient.
    const again = await fetch(central.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: body.access_token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        purpose_of_use: 'BTG',
        patient: patientNamed('DIALLO').id!,
      }),
    })
    expect(again.status).toBe(400)
  })

  it('search shows a minimal identity outside care; BTG admits the patient until expiry, journaled, exported and reviewed by the DPO', async () => {
    const outside = patientNamed('BÉGUIN').id!
    const { results } = await value<{ results: PatientSummary[] }>('patients.search', { query: 'beguin' })
    const found = results.find((p) => p.id === outside)
    expect(found).toMatchObject({ access: 'outside', familyName: 'BÉGUIN', ins: null, ipp: null, unit: null, bed: null, admittedAt: null })
    expect(found?.birthDate).toBe('2001-12-01')

    const refused = await call('chart.open', { patientId: outside })
    expect(refused).toMatchObject({ ok: false, error: { code: 'BREAK_GLASS_REQUIRED' } })

    expect(await call('btg.begin', { patientId: outside, reason: 'autre' })).toMatchObject({ ok: false, error: { code: 'INVALID' } })
    const grant = await value<BtgGrant>('btg.begin', { patientId: outside, reason: 'continuite-des-soins', justification: 'Patiente connue, appel du service' })
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt)).toBe(BTG_SECONDS * 1000)

    const chart = await value<{ patient: PatientSummary }>('chart.open', { patientId: outside })
    expect(chart.patient.familyName).toBe('BÉGUIN')
    const status = await value<{ grant: BtgGrant | null }>('btg.status', { patientId: outside })
    expect(status.grant?.reason).toBe('continuite-des-soins')

    const entries = journal().filter((e) => e.patient_id === outside)
    const grantEntry = entries.find((e) => JSON.parse(e.detail).method === 'btg.begin')
    expect(grantEntry).toBeDefined()
    expect(JSON.parse(grantEntry!.detail)).toMatchObject({ reason: 'continuite-des-soins', justification: 'Patiente connue, appel du service' })
    const chartEntries = entries.filter((e) => ['chart.open', 'btg.status'].includes(JSON.parse(e.detail).method) && JSON.parse(e.detail).outcome === 'success')
    expect(chartEntries.length).toBeGreaterThan(0)
    expect(chartEntries.every((e) => e.purpose === 'btg')).toBe(true)
    // The refusal before the grant was ordinary care: nothing was reached.
    expect(entries.find((e) => JSON.parse(e.detail).outcome === 'BREAK_GLASS_REQUIRED')?.purpose).toBe('care')

    // The grant as the DPO's review reads it at the central.
    const report = await exportJournal({ db: services.store.db, central: createCentralClient({ baseUrl: central.fhirUrl, token: () => tokenOf('infirmier'), log }), log })
    expect(report.error).toBeNull()
    const dpo = await tokenOf('dpo')
    const bundle = (await (
      await fetch(`${central.fhirUrl}/AuditEvent?patient=Patient/${outside}&_count=200`, { headers: { Authorization: `Bearer ${dpo}` } })
    ).json()) as Bundle<AuditEvent>
    const grants = (bundle.entry ?? [])
      .map((e) => e.resource!)
      .filter((e) => Date.parse(e.recorded) >= started && e.subtype?.some((s) => s.system === 'urn:chevet:audit' && s.code === 'btg-grant'))
    // At least once: the background round and this export may both send the entry; the same hash says it is one.
    const hashOf = (e: AuditEvent) => e.entity?.flatMap((x) => x.detail ?? []).find((d) => d.type === 'hash')?.valueString
    expect(new Set(grants.map(hashOf)).size).toBe(1)
    const exported = grants[0]!
    const nurseId = central.hospital.staff.find((s) => s.key === 'infirmier')!.practitionerId
    expect(exported.purposeOfEvent).toEqual([{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' }] }])
    expect(exported.agent[0]).toMatchObject({ who: { reference: `Practitioner/${nurseId}` }, role: [{ text: 'infirmier' }] })
    expect(exported.recorded).toBe(grant.grantedAt)
    const patientEntity = exported.entity?.find((e) => e.what?.reference === `Patient/${outside}`)
    expect(patientEntity?.detail).toEqual([
      { type: 'reason', valueString: 'continuite-des-soins' },
      { type: 'justification', valueString: 'Patiente connue, appel du service' },
      { type: 'expires', valueString: grant.expiresAt },
    ])
    const underBtg = (bundle.entry ?? []).map((e) => e.resource!).filter((e) => e.entity?.some((x) => x.detail?.some((d) => d.type === 'method' && d.valueString === 'chart.open')))
    expect(underBtg.some((e) => e.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG')).toBe(true)

    // The DPO's review: the grant waits as « bris de glace non revu », is reviewed « justifié », and leaves that list.
    const dpoClient = createCentralClient({ baseUrl: central.fhirUrl, token: () => tokenOf('dpo'), log })
    const today = new Date().toISOString().slice(0, 10)
    const pending = (await loadReview(dpoClient, { from: today, to: today, patientId: outside })).btg.filter(
      // The training data also holds older grants for this patient (seeded for the review): only this test's count here.
      (g) => g.patientId === outside && Date.parse(g.at) >= started,
    )
    expect(pending.length).toBeGreaterThan(0)
    expect(pending.every((g) => g.review === null && g.reason === 'continuite-des-soins')).toBe(true)
    const dpoId = central.hospital.staff.find((s) => s.key === 'dpo')!.practitionerId
    for (const item of pending) {
      await dpoClient.create(
        btgReviewEvent({ grantId: item.grantId, reviewerId: dpoId, reviewerRole: 'dpo', verdict: 'justifie', comment: 'Appel du service confirmé', recorded: new Date().toISOString() }),
      )
    }
    const reviewed = await loadReview(dpoClient, { from: today, to: today, patientId: outside })
    expect(reviewed.btg.filter((g) => pending.some((p) => p.grantId === g.grantId)).every((g) => g.review?.verdict === 'justifie')).toBe(true)
    expect(reviewed.anomalies.some((a) => a.rule === 'btg-non-revu' && pending.some((g) => g.grantId === a.grantId))).toBe(false)

    // Expiry: refused again, and the cached chart forgotten.
    await waitFor(() => Date.now() > Date.parse(grant.expiresAt) + 200, 20_000)
    expect(await call('chart.open', { patientId: outside })).toMatchObject({ ok: false, error: { code: 'BREAK_GLASS_REQUIRED' } })
    await waitFor(() => services.store.db.prepare('SELECT 1 FROM identity WHERE patient_id = ?').get(outside) === undefined, 5_000)
    expect(services.store.db.prepare('SELECT count(*) FROM health_resource WHERE patient_id = ?').pluck().get(outside)).toBe(0)
  }, 60_000)

  it('masks a sensitive patient in the census and journals accesses to him as sensitive', async () => {
    const vip = patientNamed('LEFÈVRE').id!
    const { entries } = await value<{ entries: CensusEntry[] }>('census.list', {})
    const masked = entries.find((e) => e.patient.id === vip)?.patient
    expect(masked).toMatchObject({ masked: true, familyName: '', givenName: '', birthDate: null, ins: null })
    expect(masked?.sensitivity).toContain('vip')
    expect(masked?.bed).not.toBeNull()
    const others = entries.filter((e) => e.patient.id !== vip)
    expect(others.every((e) => !e.patient.masked && e.patient.familyName.length > 0)).toBe(true)

    const chart = await value<{ patient: PatientSummary }>('chart.open', { patientId: vip })
    expect(chart.patient.familyName).toBe('LEFÈVRE')
    const status = await value<{ sensitivity: string[] }>('btg.status', { patientId: vip })
    expect(status.sensitivity).toEqual(['restricted', 'vip'])
    const vipEntries = journal().filter((e) => e.patient_id === vip)
    expect(vipEntries.length).toBeGreaterThan(0)
    expect(vipEntries.every((e) => JSON.parse(e.detail).sensitive === true)).toBe(true)
    expect(journal().filter((e) => e.patient_id !== vip && e.patient_id).some((e) => JSON.parse(e.detail).sensitive)).toBe(false)
  })
})

async function auditEventsAbout(patientId: string): Promise<AuditEvent[]> {
  const dpo = await tokenOf('dpo')
  const bundle = (await (
    await fetch(`${central.fhirUrl}/AuditEvent?patient=Patient/${patientId}&_count=200`, { headers: { Authorization: `Bearer ${dpo}` } })
  ).json()) as Bundle<AuditEvent>
  return (bundle.entry ?? []).map((e) => e.resource!)
}
