import type { PractitionerRole } from '@medplum/fhirtypes'
import type { CentralClient } from '../central/types'
import type { SessionUser } from '../contract'
import type { Logger } from '../log'
import { referencedId } from '../store/cache/fhir'

/**
 * Who an interne writes for (Provenance `agent.onBehalfOf`). The directory of the central says it:
 * 1. the interne's own PractitionerRole names their senior with the extension SUPERVISOR_EXTENSION (a reference
 *    to the senior's Practitioner) — the training data set it for the interne of cardiologie;
 * 2. otherwise the first senior (Chevet role `medecin`, by PractitionerRole id) of the interne's first unit, the
 *    praticien "dont il relève" by default (CSP R6153-3).
 * Resolved once per session, at its first need while the central answers, then kept in memory; when it cannot be
 * resolved (offline since sign-in), the write still goes, without onBehalfOf, and the log says so.
 */
export const SUPERVISOR_EXTENSION = 'https://chevet.example/fhir/StructureDefinition/supervised-by'
/** Chevet's role code system at the central (the same the token endpoint reads). */
const CHEVET_ROLE_SYSTEM = 'https://chevet.example/fhir/CodeSystem/role'

const known = new WeakMap<SessionUser, string>()

function roleCode(role: PractitionerRole): string | null {
  for (const concept of role.code ?? []) {
    const coding = concept.coding?.find((c) => c.system === CHEVET_ROLE_SYSTEM)
    if (coding?.code) return coding.code
  }
  return null
}

export async function supervisorOf(user: SessionUser, central: CentralClient, log: Logger): Promise<string | null> {
  if (user.role !== 'interne') return null
  const cached = known.get(user)
  if (cached) return cached
  try {
    const own = await central.search<PractitionerRole>('PractitionerRole', { practitioner: `Practitioner/${user.practitionerId}` })
    for (const role of own.resources) {
      const named = role.extension?.find((e) => e.url === SUPERVISOR_EXTENSION)?.valueReference
      const id = referencedId(named, 'Practitioner')
      if (id) {
        known.set(user, id)
        return id
      }
    }
    const unit = user.units[0]
    if (unit) {
      const inUnit = await central.search<PractitionerRole>('PractitionerRole', { location: `Location/${unit.id}`, _count: '100' })
      const senior = inUnit.resources
        .filter((role) => roleCode(role) === 'medecin' && role.active !== false)
        .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''))
        .map((role) => referencedId(role.practitioner, 'Practitioner'))
        .find((id): id is string => id !== null)
      if (senior) {
        known.set(user, senior)
        return senior
      }
    }
    log.warn('records.supervisor.none', {})
  } catch (error) {
    log.warn('records.supervisor.unreachable', { error: (error as Error)?.name ?? 'unknown' })
  }
  return null
}
