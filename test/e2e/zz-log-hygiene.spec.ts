import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Patient } from '@medplum/fhirtypes'
import { generateHospital } from '../../src-main/training/hospital'
import { INS_NIR_TEST_SYSTEM } from '../../src-main/training/hospital/systems'
import { DEMO_STAFF, expect, hostRpc, staffMember, test } from './fixtures'

// Issue 6, log hygiene: the application log never holds a name, an INS or clinical text. Named zz- so that it runs
// last on the worker's shared host (one worker, files in name order): the log it reads is the whole e2e run's.
// It also drives the data path itself (sign-in, census, search by name, chart), so it means something on its own.

/** The host's training central: the small hospital (workspace.ts, CHEVET_TRAINING_SIZE=small), same seed. */
function syntheticIdentities(): { names: string[]; ins: string[] } {
  const hospital = generateHospital({ pastPatients: 40, heavyObservations: 2_000 })
  const current = new Set(hospital.currentPatientIds)
  const patients = hospital.resources.filter((r): r is Patient => r.resourceType === 'Patient' && current.has(r.id ?? ''))
  const names = new Set<string>()
  const ins = new Set<string>()
  for (const patient of patients) {
    for (const name of patient.name ?? []) {
      if (name.family) names.add(name.family)
    }
    for (const identifier of patient.identifier ?? []) {
      if (identifier.system === INS_NIR_TEST_SYSTEM && identifier.value) ins.add(identifier.value)
    }
  }
  for (const member of DEMO_STAFF) names.add(member.familyName)
  return { names: [...names], ins: [...ins] }
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

test.describe('log hygiene', () => {
  test('after the e2e run, the host log names no synthetic patient, INS or demo staff member', async ({ host }) => {
    const doctor = staffMember('medecin')
    const signIn = await hostRpc(host, 'auth.signIn', { slotId: `virtual:${doctor.key}`, pin: doctor.pin })
    expect(signIn.ok, signIn.error?.message).toBe(true)
    try {
      type Census = { entries: { patient: { id: string; familyName: string } }[] }
      // The census fills with the first sync round after sign-in.
      let entries: Census['entries'] = []
      await expect
        .poll(async () => {
          const census = await hostRpc(host, 'census.list')
          entries = census.ok ? (census.value as Census).entries : []
          return entries.length
        }, { timeout: 30_000 })
        .toBeGreaterThan(0)
      const first = entries[0]!
      expect((await hostRpc(host, 'patients.search', { query: first.patient.familyName })).ok).toBe(true)
      expect((await hostRpc(host, 'chart.open', { patientId: first.patient.id })).ok).toBe(true)
    } finally {
      await hostRpc(host, 'auth.signOut')
    }

    const file = path.join(host.dataDir, 'logs', 'chevet.log')
    expect(existsSync(file), `${file} exists`).toBe(true)
    const log = readFileSync(file, 'utf8')
    const lines = log.split('\n').filter(Boolean).length
    const { names, ins } = syntheticIdentities()
    expect(names.length).toBeGreaterThan(20)
    expect(ins.length).toBeGreaterThan(5)

    // Whole words, as written in the data (family names in capitals for patients): a name is never a log word.
    const foundNames = names.filter((name) => new RegExp(`(^|[^\\p{L}])${escape(name)}($|[^\\p{L}])`, 'u').test(log))
    const foundIns = ins.filter((value) => log.includes(value))
    console.log(
      `log hygiene: ${file} — ${lines} lines, ${Buffer.byteLength(log)} bytes; searched ${names.length} family names ` +
        `(current inpatients of the small training hospital + ${DEMO_STAFF.length} demo staff) and ${ins.length} INS: ` +
        `${foundNames.length + foundIns.length} found`,
    )
    expect(lines).toBeGreaterThan(0)
    expect(foundNames, 'names in the log').toEqual([])
    expect(foundIns, 'INS in the log').toEqual([])
  })
})
