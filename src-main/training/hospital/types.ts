import type { Address, Observation, Resource } from '@medplum/fhirtypes'
import type { Role } from '../../contract/session'

export type UnitCode = 'CARDIO' | 'PEDIA' | 'MEDINT' | 'CHIR'

export interface Unit {
  /** Location id of the ward. */
  id: string
  name: string
  code: UnitCode
}

export type StaffKey =
  | 'medecin'
  | 'interne'
  | 'infirmier'
  | 'secretaire'
  | 'pharmacien'
  | 'dpo'
  | 'cadre'
  | 'pediatre'
  | 'aide-soignant'

/** A demo staff member: the people who get a virtual card in the training environment. */
export interface StaffMember {
  key: StaffKey
  practitionerId: string
  roleId: string
  /** idNat_PS: '8' + RPPS (TRE_G08). */
  idNat: string
  rpps: string
  givenName: string
  familyName: string
  gender: 'male' | 'female'
  birthDate: string
  /** Profession as shown to users, e.g. 'Médecin', 'Infirmière'. */
  profession: string
  role: Role
  /** Location ids of the units the member works in. */
  units: string[]
  /** Fixed 4-digit PIN of the virtual card (training data, printed in the training guide). */
  pin: string
}

export interface GeneralPractitioner {
  practitionerId: string
  givenName: string
  familyName: string
  mssante: string
}

export interface CurrentStay {
  patientId: string
  encounterId: string
  unitId: string
  roomId: string
  bedId: string
}

export interface TrainingHospital {
  seed: number
  /** The instant the data are built around (admissions are "n days ago" from it). */
  now: string
  establishment: { name: string; finess: string; address: Address; organizationId: string }
  /** Every resource except the heavy series, ids set, in loading order (referenced resources first). */
  resources: Resource[]
  staff: StaffMember[]
  generalPractitioners: GeneralPractitioner[]
  units: Unit[]
  currentPatientIds: string[]
  pastPatientIds: string[]
  currentStays: CurrentStay[]
  /** A current inpatient of médecine interne with years of history (benchmarks). */
  heavyPatientId: string
  /**
   * The heavy patient's long series is NOT in `resources`: it is produced on demand by heavyObservations(), so
   * that a small hospital (tests) stays fast and loaders can stream it. Each call restarts the same sequence.
   */
  heavyObservationCount: number
  heavyObservations: () => Iterable<Observation>
  /** Staff members who are also patients here (a colleague's record). */
  staffPatients: { staffKey: StaffKey; patientId: string }[]
  sensitivePatients: { restricted: string[]; vip: string[]; penitentiary: string[] }
  /** Current inpatients whose latest vital signs give a NEWS2 of 7 or more. */
  highNews2PatientIds: string[]
}
