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
  /** End of a finished stay (ms); undefined while in progress. */
  endedAt?: number
}

/**
 * How long a unit's team keeps its care relationship with a patient after the discharge: the lettre de liaison is
 * sent, results that come back are read, the follow-up is arranged. The hospital's policy [NC]; 7 days here.
 */
export const CARE_AFTER_DISCHARGE_MS = 7 * 24 * 3_600_000

/**
 * Where patients are or were lately: in-progress Encounters with their active locations, stays finished less than
 * `afterDischargeMs` ago with the places they ended in, and the Location tree (bed → room → unit), so a stay
 * recorded at bed level still counts for the unit. Kept up to date on every write, so an access check never scans
 * the store.
 */
export class CareUnitIndex {
  constructor(
    private readonly afterDischargeMs = CARE_AFTER_DISCHARGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

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
    if (!present) return
    const inProgress = encounter.status === 'in-progress'
    const endedAt = encounter.status === 'finished' ? Date.parse(encounter.period?.end ?? '') : NaN
    if (!inProgress && !(endedAt > this.now() - this.afterDischargeMs)) return
    const patientId = patientIdOf(encounter.subject?.reference)
    if (!patientId) return
    const locationIds: string[] = []
    for (const entry of encounter.location ?? []) {
      // A finished stay's places are all completed: the last one named is where the patient left from.
      if (inProgress && entry.status && entry.status !== 'active') continue
      const locationId = locationIdOf(entry.location?.reference)
      if (locationId) locationIds.push(locationId)
    }
    this.stays.set(id, { patientId, locationIds: inProgress ? locationIds : locationIds.slice(-1), ...(inProgress ? {} : { endedAt }) })
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
      const stay = this.stays.get(stayId)
      if (!stay || !this.current(stay)) continue
      for (const locationId of stay.locationIds) {
        for (const id of this.lineage(locationId)) units.add(id)
      }
    }
    return units
  }

  /** In progress, or finished within the window after discharge. */
  private current(stay: Stay): boolean {
    return stay.endedAt === undefined || stay.endedAt > this.now() - this.afterDischargeMs
  }

  /** Patients with an in-progress or recent stay in one of the given units (or in a room or bed below them). */
  patientsInUnits(unitIds: ReadonlySet<string>): Set<string> {
    const patients = new Set<string>()
    if (unitIds.size === 0) return patients
    for (const stay of this.stays.values()) {
      if (patients.has(stay.patientId) || !this.current(stay)) continue
      if (stay.locationIds.some((locationId) => this.lineage(locationId).some((id) => unitIds.has(id)))) {
        patients.add(stay.patientId)
      }
    }
    return patients
  }
}
