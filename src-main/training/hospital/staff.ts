import type { CodeableConcept, Practitioner, PractitionerRole } from '@medplum/fhirtypes'
import type { Role } from '../../contract/session'
import { asciiLower, coding, concept, ref } from './fhir'
import { idNatFromRpps, rppsWithKey } from './identifiers'
import { deriveSeed, Rng } from './random'
import { ORGANIZATION_ID, unitId } from './structure'
import { SUPERVISOR_EXTENSION } from '../../records/supervisor'
import {
  CHEVET_ROLE_SYSTEM,
  FR_CORE_IDENTIFIER_TYPE,
  IDNPS_SYSTEM,
  PROFESSION_SYSTEM,
  RPPS_SYSTEM,
} from './systems'
import type { GeneralPractitioner, StaffKey, StaffMember, UnitCode } from './types'

interface PersonSpec {
  given: string
  family: string
  gender: 'male' | 'female'
  birthDate: string
}

interface DemoSpec extends PersonSpec {
  key: StaffKey
  role: Role
  profession: string
  units: readonly UnitCode[]
  pin: string
  doctor?: boolean
}

const ALL_UNITS: readonly UnitCode[] = ['CARDIO', 'MEDINT', 'CHIR', 'PEDIA']

/**
 * The demo staff, one virtual card each. The brief of the training environment gives every member an RPPS
 * number so that all cards have the same shape; in real life a secretary or a DPO holds a CPE card whose
 * idNat is '3' + FINESS + '/' + a local number, not an RPPS.
 */
const DEMO_STAFF: readonly DemoSpec[] = [
  { key: 'medecin', role: 'medecin', given: 'Cécile', family: 'MARCHAND', gender: 'female', birthDate: '1974-04-12', profession: 'Médecin', units: ['CARDIO', 'MEDINT'], pin: '1234', doctor: true },
  { key: 'interne', role: 'interne', given: 'Gaël', family: 'LE GOFF', gender: 'male', birthDate: '1998-09-30', profession: 'Interne en médecine', units: ['CARDIO'], pin: '2345', doctor: true },
  { key: 'infirmier', role: 'infirmier', given: 'Anaïs', family: 'PERRIN', gender: 'female', birthDate: '1988-06-03', profession: 'Infirmière', units: ['CARDIO'], pin: '3456' },
  { key: 'secretaire', role: 'secretaire', given: 'Noël', family: 'BERTIN', gender: 'male', birthDate: '1969-12-24', profession: 'Secrétaire médical', units: ['CARDIO', 'MEDINT'], pin: '4567' },
  { key: 'pharmacien', role: 'pharmacien', given: 'François', family: 'GAUTIER', gender: 'male', birthDate: '1981-02-17', profession: 'Pharmacien', units: ALL_UNITS, pin: '5678' },
  { key: 'dpo', role: 'dpo', given: 'Éloïse', family: 'RENAUD', gender: 'female', birthDate: '1985-11-08', profession: 'Déléguée à la protection des données', units: [], pin: '6789' },
  { key: 'cadre', role: 'cadre', given: 'Zoé', family: 'FONTAINE', gender: 'female', birthDate: '1979-07-21', profession: 'Cadre de santé', units: ['CARDIO'], pin: '7890' },
  { key: 'pediatre', role: 'medecin', given: 'Maëlle', family: 'KERMARREC', gender: 'female', birthDate: '1983-03-05', profession: 'Médecin', units: ['PEDIA'], pin: '8901', doctor: true },
  { key: 'aide-soignant', role: 'aide-soignant', given: 'Théo', family: 'PRÉVOST', gender: 'male', birthDate: '1995-05-14', profession: 'Aide-soignant', units: ['MEDINT'], pin: '9012' },
]

/** Other hospital staff, without cards, who sign and perform the care of the units without a demo member. */
const UNIT_STAFF: readonly (PersonSpec & { id: string; unit: UnitCode; role: Role; profession: string })[] = [
  { id: 'pra-chir-1', unit: 'CHIR', role: 'medecin', profession: 'Médecin', given: 'Benoît', family: 'GRÉGOIRE', gender: 'male', birthDate: '1970-10-02' },
  { id: 'pra-chir-2', unit: 'CHIR', role: 'infirmier', profession: 'Infirmier', given: 'Joël', family: 'MÉNARD', gender: 'male', birthDate: '1991-01-19' },
  { id: 'pra-medint-1', unit: 'MEDINT', role: 'infirmier', profession: 'Infirmière', given: 'Océane', family: 'HÉBERT', gender: 'female', birthDate: '1993-08-27' },
  { id: 'pra-pedia-1', unit: 'PEDIA', role: 'infirmier', profession: 'Infirmière', given: 'Léonie', family: 'ROUSSEL', gender: 'female', birthDate: '1990-04-11' },
]

const GPS: readonly (PersonSpec & { id: string; town: string; postalCode: string })[] = [
  { id: 'pra-gp-1', given: 'Marie-Noëlle', family: 'DUPRÉ', gender: 'female', birthDate: '1966-02-02', town: 'Orléans', postalCode: '45000' },
  { id: 'pra-gp-2', given: 'Jean-François', family: 'BÉNARD', gender: 'male', birthDate: '1972-09-15', town: 'Olivet', postalCode: '45160' },
  { id: 'pra-gp-3', given: 'Inès', family: 'HADDAD', gender: 'female', birthDate: '1984-06-23', town: 'Saint-Jean-de-Braye', postalCode: '45800' },
]

const PROFESSION_BY_ROLE: Partial<Record<Role, [string, string]>> = {
  medecin: ['10', 'Médecin'],
  interne: ['10', 'Médecin'],
  pharmacien: ['21', 'Pharmacien'],
  'sage-femme': ['50', 'Sage-Femme'],
  infirmier: ['60', 'Infirmier'],
  // A cadre de santé is a nurse by profession who manages the unit.
  cadre: ['60', 'Infirmier'],
}

export interface StaffBuild {
  staff: StaffMember[]
  generalPractitioners: GeneralPractitioner[]
  practitioners: Practitioner[]
  roles: PractitionerRole[]
  /** Who signs and who performs care in each unit (practitioner ids). */
  doctorsByUnit: Record<UnitCode, string[]>
  nursesByUnit: Record<UnitCode, string[]>
}

/** The role's CodeableConcept: TRE_G15 profession when there is one, and Chevet's role code always. */
export function roleConcept(role: Role, label: string): CodeableConcept {
  const profession = PROFESSION_BY_ROLE[role]
  const codings = profession ? [coding(PROFESSION_SYSTEM, profession[0], profession[1])] : []
  codings.push(coding(CHEVET_ROLE_SYSTEM, role, label))
  return { coding: codings, text: label }
}

function practitioner(id: string, person: PersonSpec, rpps: string, doctor: boolean, email?: string): Practitioner {
  return {
    resourceType: 'Practitioner',
    id,
    identifier: [
      { use: 'official', type: concept(FR_CORE_IDENTIFIER_TYPE, 'IDNPS', 'Identifiant National de Professionnel de Santé'), system: IDNPS_SYSTEM, value: idNatFromRpps(rpps) },
      { use: 'official', type: concept(FR_CORE_IDENTIFIER_TYPE, 'RPPS', 'N° RPPS'), system: RPPS_SYSTEM, value: rpps },
    ],
    active: true,
    name: [{ use: 'official', family: person.family, given: [person.given], ...(doctor ? { prefix: ['Dr'] } : {}) }],
    gender: person.gender,
    birthDate: person.birthDate,
    ...(email ? { telecom: [{ system: 'email' as const, value: email, use: 'work' as const }] } : {}),
  }
}

export function buildStaff(seed: number): StaffBuild {
  const rng = new Rng(deriveSeed(seed, 'staff'))
  const issued = new Set<string>()
  // 199… is far above the RPPS numbers issued so far (10…), so no real professional shares one.
  const nextRpps = (): string => {
    for (;;) {
      const rpps = rppsWithKey('199' + String(rng.int(0, 9_999_999)).padStart(7, '0'))
      if (!issued.has(rpps)) {
        issued.add(rpps)
        return rpps
      }
    }
  }
  const practitioners: Practitioner[] = []
  const roles: PractitionerRole[] = []
  const staff: StaffMember[] = []
  const doctorsByUnit: Record<UnitCode, string[]> = { CARDIO: [], MEDINT: [], CHIR: [], PEDIA: [] }
  const nursesByUnit: Record<UnitCode, string[]> = { CARDIO: [], MEDINT: [], CHIR: [], PEDIA: [] }

  const addRole = (id: string, practitionerId: string, role: Role, label: string, units: readonly UnitCode[]): void => {
    roles.push({
      resourceType: 'PractitionerRole',
      id,
      active: true,
      practitioner: ref('Practitioner', practitionerId),
      organization: ref('Organization', ORGANIZATION_ID),
      code: [roleConcept(role, label)],
      location: units.map((u) => ref('Location', unitId(u))),
    })
    for (const u of units) {
      if (role === 'medecin') doctorsByUnit[u].push(practitionerId)
      if (role === 'infirmier') nursesByUnit[u].push(practitionerId)
    }
  }

  for (const spec of DEMO_STAFF) {
    const practitionerId = `pra-${spec.key}`
    const roleId = `prr-${spec.key}`
    const rpps = nextRpps()
    const email = spec.doctor ? `${asciiLower(spec.given)}.${asciiLower(spec.family)}@ch-chevet.mssante.fr` : undefined
    practitioners.push(practitioner(practitionerId, spec, rpps, spec.doctor === true, email))
    addRole(roleId, practitionerId, spec.role, spec.profession, spec.units)
    staff.push({
      key: spec.key,
      practitionerId,
      roleId,
      idNat: idNatFromRpps(rpps),
      rpps,
      givenName: spec.given,
      familyName: spec.family,
      gender: spec.gender,
      birthDate: spec.birthDate,
      profession: spec.profession,
      role: spec.role,
      units: spec.units.map(unitId),
      pin: spec.pin,
    })
  }
  // The interne of cardiologie works under the senior of cardiologie: the link his writes' Provenance names
  // (onBehalfOf, src-main/records/supervisor.ts).
  const internRole = roles.find((r) => r.id === 'prr-interne')
  if (internRole) {
    internRole.extension = [{ url: SUPERVISOR_EXTENSION, valueReference: ref('Practitioner', 'pra-medecin') }]
  }
  for (const spec of UNIT_STAFF) {
    practitioners.push(practitioner(spec.id, spec, nextRpps(), spec.role === 'medecin'))
    addRole(spec.id.replace(/^pra-/, 'prr-'), spec.id, spec.role, spec.profession, [spec.unit])
  }
  const generalPractitioners: GeneralPractitioner[] = []
  for (const spec of GPS) {
    const mssante = `${asciiLower(spec.given)}.${asciiLower(spec.family)}@medecin.mssante.fr`
    const gp = practitioner(spec.id, spec, nextRpps(), true, mssante)
    gp.address = [{ use: 'work', line: ['Cabinet médical', '3 rue de la Poste'], city: spec.town, postalCode: spec.postalCode, country: 'FRA' }]
    practitioners.push(gp)
    generalPractitioners.push({ practitionerId: spec.id, givenName: spec.given, familyName: spec.family, mssante })
  }
  return { staff, generalPractitioners, practitioners, roles, doctorsByUnit, nursesByUnit }
}
