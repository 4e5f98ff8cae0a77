import type { Patient } from '@medplum/fhirtypes'
import { generateHospital } from '../../../src-main/training/hospital'
import { INS_NIR_TEST_SYSTEM } from '../../../src-main/training/hospital/systems'

/** Family names and INS of the current inpatients of the host's training central (the small hospital, same seed). */
export function currentInpatientIdentities(): { names: string[]; ins: string[] } {
  const hospital = generateHospital({ pastPatients: 40, heavyObservations: 2_000 })
  const current = new Set(hospital.currentPatientIds)
  const names = new Set<string>()
  const ins = new Set<string>()
  for (const resource of hospital.resources) {
    if (resource.resourceType !== 'Patient' || !current.has(resource.id ?? '')) continue
    const patient = resource as Patient
    for (const name of patient.name ?? []) if (name.family) names.add(name.family)
    for (const identifier of patient.identifier ?? []) {
      if (identifier.system === INS_NIR_TEST_SYSTEM && identifier.value) ins.add(identifier.value)
    }
  }
  return { names: [...names], ins: [...ins] }
}
