import { parseSearchRequest } from '@medplum/core'
import type { Location, Practitioner, PractitionerRole } from '@medplum/fhirtypes'
import { Role } from '../../contract/session'
import type { TrainingRepository } from '../fhir-server'
import { CHEVET_ROLE_SYSTEM, IDNPS_SYSTEM } from '../hospital/systems'

/** The professional an access token is issued to, as the central's own records describe them. */
export interface AuthenticatedPractitioner {
  id: string
  idNat: string
  displayName: string
  role: Role
  units: { id: string; name: string }[]
}

export interface PractitionerDirectory {
  /** The active Practitioner whose idNat identifier is this one, with an active role; null when there is none. */
  byIdNat(idNat: string): Promise<AuthenticatedPractitioner | null>
}

function displayName(practitioner: Practitioner): string {
  const name = practitioner.name?.find((n) => n.use === 'official') ?? practitioner.name?.[0]
  if (!name) return practitioner.id ?? ''
  if (name.text) return name.text
  return [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].filter(Boolean).join(' ')
}

function roleOf(role: PractitionerRole): Role | undefined {
  for (const concept of role.code ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system !== CHEVET_ROLE_SYSTEM) continue
      const parsed = Role.safeParse(coding.code)
      if (parsed.success) return parsed.data
    }
  }
  return undefined
}

/**
 * Reads who a card holder is from the FHIR store itself (Practitioner + PractitionerRole, DESIGN.md §6), so a
 * practitioner added or changed at the central is seen at their next login. The role is Chevet's role coding,
 * not the TRE_G15 profession (an intern is a médecin by profession); units are the roles' Locations.
 */
export function createPractitionerDirectory(repo: TrainingRepository): PractitionerDirectory {
  return {
    async byIdNat(idNat) {
      // The idNat comes from a verified certificate, but a '|' or ',' would still change the search's meaning.
      if (!/^[0-9A-Za-z/-]{1,40}$/.test(idNat)) return null
      const practitioners = await repo.searchResources<Practitioner>(
        parseSearchRequest(`Practitioner?identifier=${encodeURIComponent(`${IDNPS_SYSTEM}|${idNat}`)}`),
      )
      const practitioner = practitioners.find((p) => p.active !== false)
      if (!practitioner?.id) return null
      const roles = (
        await repo.searchResources<PractitionerRole>(
          parseSearchRequest(`PractitionerRole?practitioner=Practitioner/${encodeURIComponent(practitioner.id)}`),
        )
      ).filter((r) => r.active !== false)
      const role = roles.map(roleOf).find((r) => r !== undefined)
      if (!role) return null
      const units = new Map<string, string>()
      for (const reference of roles.flatMap((r) => r.location ?? [])) {
        const id = reference.reference?.match(/^Location\/([^/]+)$/)?.[1]
        if (!id || units.has(id)) continue
        const location = repo.current('Location', id) as Location | undefined
        units.set(id, location?.name ?? reference.display ?? id)
      }
      return {
        id: practitioner.id,
        idNat,
        displayName: displayName(practitioner),
        role,
        units: [...units].map(([id, name]) => ({ id, name })),
      }
    },
  }
}
