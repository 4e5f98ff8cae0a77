import type { Address, Encounter, Organization, Patient, Practitioner, Reference, Resource } from '@medplum/fhirtypes'
import type { Letterhead } from '../contract/letters'
import type { Database } from '../store/migration'
import type { PrefillSources } from './prefill'

const FINESS_SYSTEMS = new Set(['urn:oid:1.2.250.1.71.4.2.2', 'http://finess.sante.gouv.fr'])

function json<T>(text: string | undefined): T | null {
  return text === undefined ? null : (JSON.parse(text) as T)
}

function practitionerIds(resources: readonly Resource[]): string[] {
  const ids = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') {
      const reference = (value as Reference).reference
      if (typeof reference === 'string' && reference.startsWith('Practitioner/')) ids.add(reference.slice('Practitioner/'.length))
      Object.values(value).forEach(visit)
    }
  }
  visit(resources)
  return [...ids]
}

/**
 * What the prefill needs, read from the encrypted cache: the patient, the stay (given, or the newest), the
 * practitioners the chart names, the patient's health resources. Null when the patient is not cached.
 */
export function prefillSourcesFromCache(db: Database, patientId: string, encounterId?: string): PrefillSources | null {
  const patient = json<Patient>(db.prepare('SELECT json FROM identity WHERE patient_id = ?').pluck().get(patientId) as string | undefined)
  if (!patient) return null
  const encounter = json<Encounter>(
    (encounterId
      ? db.prepare('SELECT json FROM encounter WHERE id = ? AND patient_id = ?').pluck().get(encounterId, patientId)
      : db.prepare('SELECT json FROM encounter WHERE patient_id = ? ORDER BY period_start DESC LIMIT 1').pluck().get(patientId)) as string | undefined,
  )
  // An Appointment names its patient among its participants, so the cache files it without patient_id.
  const rows = db
    .prepare(
      `SELECT json FROM health_resource WHERE patient_id = ?
       UNION ALL
       SELECT a.json FROM health_resource AS a WHERE a.resource_type = 'Appointment' AND a.patient_id IS NULL
         AND EXISTS (SELECT 1 FROM json_each(a.json, '$.participant') AS p WHERE json_extract(p.value, '$.actor.reference') = ?)`,
    )
    .pluck()
    .all(patientId, `Patient/${patientId}`) as string[]
  const resources = rows.map((text) => JSON.parse(text) as Resource)
  const ids = practitionerIds([patient, ...(encounter ? [encounter] : []), ...resources])
  const practitioners = ids.length
    ? (db.prepare(`SELECT json FROM professional WHERE id IN (${ids.map(() => '?').join(', ')})`).pluck().all(...ids) as string[]).map((t) => JSON.parse(t) as Practitioner)
    : []
  const unitId = encounter?.location?.find((l) => l.physicalType?.coding?.some((c) => c.code === 'wa'))?.location
  const unitName = unitId
    ? ((db.prepare('SELECT name FROM location WHERE id = ?').pluck().get(unitId.reference?.replace(/^Location\//, '') ?? '') as string | undefined) ?? unitId.display ?? null)
    : null
  return { patient, encounter, practitioners, resources, unitName }
}

function addressLines(address: Address | undefined): string[] {
  if (!address) return []
  return [...(address.line ?? []), [address.postalCode, address.city].filter(Boolean).join(' ')].filter(Boolean)
}

/** The letterhead: name and FINESS from the configuration; the address from the establishment's Organization when cached. */
export function letterheadFromCache(
  db: Database,
  establishment: { name: string; finess: string } | null,
  unit: string | null,
  logo: string | null = null,
): Letterhead {
  const organizations = (db.prepare(`SELECT json FROM health_resource WHERE resource_type = 'Organization'`).pluck().all() as string[]).map(
    (t) => JSON.parse(t) as Organization,
  )
  const organization = establishment
    ? organizations.find((o) => o.identifier?.some((i) => i.system && FINESS_SYSTEMS.has(i.system) && i.value === establishment.finess))
    : undefined
  return {
    name: establishment?.name ?? organization?.name ?? 'Établissement non configuré',
    finess: establishment?.finess ?? null,
    address: addressLines(organization?.address?.[0]),
    unit,
    logo,
  }
}
