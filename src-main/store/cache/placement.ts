import type { Encounter } from '@medplum/fhirtypes'
import type { Database } from '../migration'
import { normalizeInstant, referencedId } from './fhir'
import { fold } from './fold'
import { sql } from './statements'

interface LocationRow {
  id: string
  name: string | null
  parent_id: string | null
  physical_type: string | null
}

/** `Lit 101-1` → `101-1`, `Chambre 101` → `101`: the ward shows the number, the word is the UI's. */
export function shortLabel(name: string | null | undefined): string | null {
  if (!name) return null
  const short = name.replace(/^\s*(?:lit|chambre|ch\.|bed|room)\s+/i, '').trim()
  return short || name
}

/** Search key of a bed: its short label folded (`101-1` and `lit 101 1` both give `101 1`). */
export function bedKey(text: string): string {
  return fold(shortLabel(text) ?? text)
}

function lineage(db: Database, id: string): LocationRow[] {
  const chain: LocationRow[] = []
  let current: string | null = id
  while (current && chain.length < 16 && !chain.some((l) => l.id === current)) {
    const row = sql(db, 'SELECT id, name, parent_id, physical_type FROM location WHERE id = ?').get(current) as
      | LocationRow
      | undefined
    if (!row) break
    chain.push(row)
    current = row.parent_id
  }
  return chain
}

interface Placement {
  encounterId: string
  unitId: string | null
  roomId: string | null
  bedId: string | null
  bedName: string | null
  admittedAt: string | null
}

/**
 * Where a stay puts the patient: the bed (physical type `bd`), its room (`ro`) and its unit (`wa`), read from
 * the Location tree (bed → room → unit) whatever level the Encounter names. Without a cached tree, the first
 * location named stands for the unit.
 */
function placementOf(db: Database, encounter: Encounter): Placement {
  const named: string[] = []
  for (const entry of encounter.location ?? []) {
    if (entry.status && entry.status !== 'active') continue
    const id = referencedId(entry.location, 'Location')
    if (id) named.push(id)
  }
  const known = named.flatMap((id) => lineage(db, id))
  const ofType = (code: string): LocationRow | undefined => known.find((l) => l.physical_type === code)
  const bed = ofType('bd')
  const room = ofType('ro') ?? (bed?.parent_id ? known.find((l) => l.id === bed.parent_id) : undefined)
  const longest = named.map((id) => lineage(db, id)).sort((a, b) => b.length - a.length)[0]
  const unitId = ofType('wa')?.id ?? longest?.at(-1)?.id ?? named[0] ?? null
  return {
    encounterId: encounter.id as string,
    unitId,
    roomId: room?.id ?? null,
    bedId: bed?.id ?? null,
    bedName: bed?.name ?? null,
    admittedAt: normalizeInstant(encounter.period?.start),
  }
}

/**
 * Recomputes where each patient is from their newest in-progress Encounter (none: not placed). Returns the
 * patients whose placement changed.
 */
export function refreshPlacement(db: Database, patientIds: Iterable<string>, now: string): string[] {
  const changed: string[] = []
  for (const patientId of patientIds) {
    const row = sql(
      db,
      `SELECT json FROM encounter WHERE patient_id = ? AND status = 'in-progress'
       ORDER BY period_start DESC LIMIT 1`,
    ).get(patientId) as { json: string } | undefined
    const placement = row ? placementOf(db, JSON.parse(row.json) as Encounter) : null
    const before = sql(db, 'SELECT encounter_id, unit_id, bed_id FROM administrative WHERE patient_id = ?').get(patientId) as
      | { encounter_id: string | null; unit_id: string | null; bed_id: string | null }
      | undefined
    sql(
      db,
      `INSERT INTO administrative (patient_id, encounter_id, unit_id, room_id, bed_id, bed_key, admitted_at, updated_at)
       VALUES (@patientId, @encounterId, @unitId, @roomId, @bedId, @bedKey, @admittedAt, @now)
       ON CONFLICT (patient_id) DO UPDATE SET encounter_id = excluded.encounter_id, unit_id = excluded.unit_id,
         room_id = excluded.room_id, bed_id = excluded.bed_id, bed_key = excluded.bed_key,
         admitted_at = excluded.admitted_at, updated_at = excluded.updated_at`,
    ).run({
      patientId,
      encounterId: placement?.encounterId ?? null,
      unitId: placement?.unitId ?? null,
      roomId: placement?.roomId ?? null,
      bedId: placement?.bedId ?? null,
      bedKey: placement?.bedName ? bedKey(placement.bedName) : null,
      admittedAt: placement?.admittedAt ?? null,
      now,
    })
    const same =
      before &&
      before.encounter_id === (placement?.encounterId ?? null) &&
      before.unit_id === (placement?.unitId ?? null) &&
      before.bed_id === (placement?.bedId ?? null)
    if (!same) changed.push(patientId)
  }
  return changed
}

/** Placement of every patient staying (per the cache) in one of these units, for the census reconciliation. */
export function patientsPlacedIn(db: Database, unitIds: readonly string[]): string[] {
  const out: string[] = []
  for (const unitId of unitIds) {
    const rows = sql(db, 'SELECT patient_id FROM administrative WHERE unit_id = ?').pluck().all(unitId) as string[]
    out.push(...rows)
  }
  return out
}

/** A finished stay: where it ended (the unit of its last place) and when. */
export interface EndedStay {
  patientId: string
  encounterId: string
  unitId: string | null
  startedAt: string | null
  endedAt: string
}

function endedStay(db: Database, row: { patient_id: string; json: string }): EndedStay | null {
  const encounter = JSON.parse(row.json) as Encounter
  const endedAt = normalizeInstant(encounter.period?.end)
  if (!endedAt || !encounter.id) return null
  // Every place of a finished stay is completed: the last one named is the one the patient left from.
  const last = referencedId(encounter.location?.at(-1)?.location, 'Location')
  const chain = last ? lineage(db, last) : []
  const unitId = chain.find((l) => l.physical_type === 'wa')?.id ?? chain.at(-1)?.id ?? last ?? null
  return { patientId: row.patient_id, encounterId: encounter.id, unitId, startedAt: normalizeInstant(encounter.period?.start), endedAt }
}

/** A coarse bound for the SQL filter (ends are written with any offset): the exact one is applied after. */
function dayBefore(instant: string): string {
  const ms = Date.parse(instant)
  return Number.isNaN(ms) ? instant.slice(0, 10) : new Date(ms - 86_400_000).toISOString().slice(0, 10)
}

/**
 * Stays that ended since `since` in one of these units, newest first: the patients a unit's team still cares for
 * after the discharge (the letter to send, the results that come back), as long as the cache keeps them.
 */
export function staysEndedIn(db: Database, unitIds: readonly string[], since: string, patientId?: string): EndedStay[] {
  if (unitIds.length === 0) return []
  const rows = sql(
    db,
    `SELECT patient_id, json FROM encounter
     WHERE status = 'finished' AND patient_id IS NOT NULL AND (? IS NULL OR patient_id = ?)
       AND json_extract(json, '$.period.end') >= ?
     ORDER BY json_extract(json, '$.period.end') DESC LIMIT 1000`,
  ).all(patientId ?? null, patientId ?? null, dayBefore(since)) as { patient_id: string; json: string }[]
  const wanted = new Set(unitIds)
  return rows
    .map((row) => endedStay(db, row))
    .filter((stay): stay is EndedStay => stay !== null && stay.endedAt >= since && stay.unitId !== null && wanted.has(stay.unitId))
}
