import type { Address, Location, Organization } from '@medplum/fhirtypes'
import { concept, coding, ref } from './fhir'
import {
  FINESS_SYSTEM,
  FR_CORE_IDENTIFIER_TYPE,
  LOCATION_PHYSICAL_TYPE,
  UNIT_CODE_SYSTEM,
} from './systems'
import type { Unit, UnitCode } from './types'

export const ORGANIZATION_ID = 'org-chevet'
export const ESTABLISHMENT_NAME = 'Centre hospitalier de formation Chevet'
/** Same value as TRAINING_ESTABLISHMENT in src-main/compose.ts; department 99 does not exist. */
export const ESTABLISHMENT_FINESS = '990000010'
// A fictitious town; the telephone number is in a range ARCEP reserves for fiction (02 61 91).
export const ESTABLISHMENT_ADDRESS: Address = {
  use: 'work',
  type: 'both',
  line: ['1 place de l’Hôtel-Dieu'],
  postalCode: '45999',
  city: 'Chevet-sur-Loire',
  country: 'FRA',
}

export const ROOMS_PER_UNIT = 16
export const BEDS_PER_ROOM = 2

interface UnitSpec {
  code: UnitCode
  slug: string
  name: string
  floor: number
}

export const UNIT_SPECS: readonly UnitSpec[] = [
  { code: 'CARDIO', slug: 'cardio', name: 'Cardiologie', floor: 1 },
  { code: 'MEDINT', slug: 'medint', name: 'Médecine interne', floor: 2 },
  { code: 'CHIR', slug: 'chir', name: 'Chirurgie', floor: 3 },
  { code: 'PEDIA', slug: 'pedia', name: 'Pédiatrie', floor: 4 },
]

export interface Bed {
  unit: Unit
  roomId: string
  bedId: string
  label: string
}

export function unitId(code: UnitCode): string {
  const spec = UNIT_SPECS.find((u) => u.code === code)
  if (!spec) throw new RangeError(`unknown unit ${code}`)
  return `loc-${spec.slug}`
}

export function buildOrganization(): Organization {
  return {
    resourceType: 'Organization',
    id: ORGANIZATION_ID,
    identifier: [
      {
        use: 'official',
        type: concept(FR_CORE_IDENTIFIER_TYPE, 'FINEG', 'FINESS d’entité géographique'),
        system: FINESS_SYSTEM,
        value: ESTABLISHMENT_FINESS,
      },
    ],
    active: true,
    type: [concept('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider', 'Établissement de santé')],
    name: ESTABLISHMENT_NAME,
    telecom: [{ system: 'phone', value: '02 61 91 00 00', use: 'work' }],
    address: [ESTABLISHMENT_ADDRESS],
  }
}

function physicalType(code: 'wa' | 'ro' | 'bd'): Location['physicalType'] {
  const display = { wa: 'Ward', ro: 'Room', bd: 'Bed' }[code]
  return { coding: [coding(LOCATION_PHYSICAL_TYPE, code, display)] }
}

/** Wards, rooms and beds. Beds get their occupancy later, once patients are placed. */
export function buildLocations(): { units: Unit[]; locations: Location[]; beds: Bed[] } {
  const units: Unit[] = []
  const locations: Location[] = []
  const beds: Bed[] = []
  for (const spec of UNIT_SPECS) {
    const unit: Unit = { id: `loc-${spec.slug}`, name: spec.name, code: spec.code }
    units.push(unit)
    locations.push({
      resourceType: 'Location',
      id: unit.id,
      identifier: [{ system: UNIT_CODE_SYSTEM, value: spec.code }],
      status: 'active',
      name: spec.name,
      description: `Unité d’hospitalisation complète, ${spec.floor}ᵉ étage`,
      mode: 'instance',
      physicalType: physicalType('wa'),
      managingOrganization: ref('Organization', ORGANIZATION_ID),
    })
    for (let r = 1; r <= ROOMS_PER_UNIT; r++) {
      const number = `${spec.floor}${String(r).padStart(2, '0')}`
      const roomId = `${unit.id}-${number}`
      locations.push({
        resourceType: 'Location',
        id: roomId,
        status: 'active',
        name: `Chambre ${number}`,
        mode: 'instance',
        physicalType: physicalType('ro'),
        managingOrganization: ref('Organization', ORGANIZATION_ID),
        partOf: ref('Location', unit.id),
      })
      for (let b = 1; b <= BEDS_PER_ROOM; b++) {
        const bedId = `${roomId}-${b}`
        const label = `${number}-${b}`
        beds.push({ unit, roomId, bedId, label })
        locations.push({
          resourceType: 'Location',
          id: bedId,
          status: 'active',
          name: `Lit ${label}`,
          description: b === 1 ? 'Lit côté porte' : 'Lit côté fenêtre',
          mode: 'instance',
          physicalType: physicalType('bd'),
          managingOrganization: ref('Organization', ORGANIZATION_ID),
          partOf: ref('Location', roomId),
        })
      }
    }
  }
  return { units, locations, beds }
}

/** Marks beds occupied (O) or free (U), HL7 v2 table 0116, as a bed board shows them. */
export function setBedOccupancy(locations: Location[], occupied: ReadonlySet<string>): void {
  for (const location of locations) {
    if (location.physicalType?.coding?.[0]?.code !== 'bd' || !location.id) continue
    const busy = occupied.has(location.id)
    location.operationalStatus = coding('http://terminology.hl7.org/CodeSystem/v2-0116', busy ? 'O' : 'U', busy ? 'Occupied' : 'Unoccupied')
  }
}
