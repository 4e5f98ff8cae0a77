import type { Encounter, Location, Resource } from '@medplum/fhirtypes'
import { patientIdOf } from './patient-links'

const LOCATION_REFERENCE = /(?:^|\/)Location\/([A-Za-z0-9\-.]{1,64})$/

export function locationIdOf(value: string | undefined): string | undefined {
  if (!value) return undefined
  return LOCATION_REFERENCE.exec(value)?.[1] ?? (/^[A-Za-z0-9\-.]{1,64}$/.test(value) ? value : undefined)
}

interface Stay {
  patientId: string
  locationIds: string[]
}

/**
 * Where patients currently are: in-progress Encounters and their active locations, and the Location tree (bed →
 * room → unit), so a stay recorded at bed level still counts for the unit. Kept up to date on every write, so an
 * access check never scans the store.
 */
export class CareUnitIndex {
  private readonly stays = new Map<string, Stay>()
  private readonly staysByPatient = new Map<string, Set<string>>()
  private readonly parentOf = new Map<string, string>()

  onWrite(before: Resource | undefined, after: Resource | undefined): void {
    const type = (after ?? before)?.resourceType
    if (type === 'Encounter') this.indexEncounter((after ?? before) as Encounter, after !== undefined)
    else if (type === 'Location') this.indexLocation((after ?? before) as Location, after !== undefined)
  }

  private indexEncounter(encounter: Encounter, present: boolean): void {
    const id = encounter.id
    if (!id) return
    const previous = this.stays.get(id)
    if (previous) {
      this.stays.delete(id)
      this.staysByPatient.get(previous.patientId)?.delete(id)
    }
    if (!present || encounter.status !== 'in-progress') return
    const patientId = patientIdOf(encounter.subject?.reference)
    if (!patientId) return
    const locationIds: string[] = []
    for (const entry of encounter.location ?? []) {
      if (entry.status && entry.status !== 'active') continue
      const locationId = locationIdOf(entry.location?.reference)
      if (locationId) locationIds.push(locationId)
    }
    this.stays.set(id, { patientId, locationIds })
    let ids = this.staysByPatient.get(patientId)
    if (!ids) this.staysByPatient.set(patientId, (ids = new Set()))
    ids.add(id)
  }

  private indexLocation(location: Location, present: boolean): void {
    if (!location.id) return
    const parent = present ? locationIdOf(location.partOf?.reference) : undefined
    if (parent) this.parentOf.set(location.id, parent)
    else this.parentOf.delete(location.id)
  }

  /** The location and the locations it is part of, up the tree. */
  private lineage(locationId: string): string[] {
    const chain = [locationId]
    let current = this.parentOf.get(locationId)
    while (current && !chain.includes(current) && chain.length < 16) {
      chain.push(current)
      current = this.parentOf.get(current)
    }
    return chain
  }

  /** Unit (and room, bed) ids where the patient currently stays. */
  unitsOfPatient(patientId: string): Set<string> {
    const units = new Set<string>()
    for (const stayId of this.staysByPatient.get(patientId) ?? []) {
      for (const locationId of this.stays.get(stayId)?.locationIds ?? []) {
        for (const id of this.lineage(locationId)) units.add(id)
      }
    }
    return units
  }

  /** Patients with an in-progress stay in one of the given units (or in a room or bed below them). */
  patientsInUnits(unitIds: ReadonlySet<string>): Set<string> {
    const patients = new Set<string>()
    if (unitIds.size === 0) return patients
    for (const stay of this.stays.values()) {
      if (patients.has(stay.patientId)) continue
      if (stay.locationIds.some((locationId) => this.lineage(locationId).some((id) => unitIds.has(id)))) {
        patients.add(stay.patientId)
      }
    }
    return patients
  }
}
