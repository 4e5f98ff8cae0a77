import type { AuditEvent, AuditEventEntity, Patient } from '@medplum/fhirtypes'
import { DAY, HOUR } from './fhir'
import { deriveSeed, Rng } from './random'
import type { StaffKey, StaffMember, TrainingHospital } from './types'

/**
 * Past accesses of the training hospital, as the central's AuditEvents (DESIGN.md §9): many ordinary accesses of
 * the demo staff to patients of their units in working hours, and a few suspicious ones the access review must
 * flag — each rule of src-main/audit/anomalies.ts at least once. Deterministic: the same hospital gives the same
 * events. The BTG grants follow the shape of the break-the-glass module (subtype urn:chevet:audit|btg-grant).
 */
export const SEEDED_AUDIT_PREFIX = 'seed-audit-'

const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type'
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role'
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason'

interface Access {
  staff: StaffMember
  patientId: string
  at: number
  resource?: string
  btg?: boolean
}

function familyNames(patient: Patient | undefined): string[] {
  return (patient?.name ?? []).map((n) => (n.family ?? '').toUpperCase()).filter(Boolean)
}

/** The last `count` weekdays before `now` (UTC days at midnight). */
function pastWeekdays(now: number, count: number): number[] {
  const days: number[] = []
  for (let back = 1; days.length < count; back++) {
    const day = Math.floor((now - back * DAY) / DAY) * DAY
    const weekday = new Date(day).getUTCDay()
    if (weekday !== 0 && weekday !== 6) days.push(day)
  }
  return days
}

export function seededAccessEvents(hospital: TrainingHospital): AuditEvent[] {
  const rng = new Rng(deriveSeed(hospital.seed, 'access-history'))
  const now = Date.parse(hospital.now)
  const staff = new Map(hospital.staff.map((m) => [m.key, m]))
  const member = (key: StaffKey): StaffMember => staff.get(key)!
  const patients = new Map(
    hospital.resources.filter((r): r is Patient & { id: string } => r.resourceType === 'Patient' && !!r.id).map((p) => [p.id, p]),
  )
  const unitOf = new Map(hospital.currentStays.map((s) => [s.patientId, s.unitId]))
  const sensitive = new Set([...hospital.sensitivePatients.restricted, ...hospital.sensitivePatients.vip, ...hospital.sensitivePatients.penitentiary])
  const staffPatients = new Set(hospital.staffPatients.map((s) => s.patientId))
  const staffFamilies = new Set(hospital.staff.map((m) => m.familyName.toUpperCase()))
  // Ordinary accesses only reach patients no rule is about.
  const ordinary = (unit: string) =>
    hospital.currentStays
      .filter((s) => s.unitId === unit && !sensitive.has(s.patientId) && !staffPatients.has(s.patientId))
      .map((s) => s.patientId)
      .filter((id) => !familyNames(patients.get(id)).some((f) => staffFamilies.has(f)))

  const days = pastWeekdays(now, 5)
  const accesses: Access[] = []
  for (const m of hospital.staff) {
    for (const day of days) {
      for (let i = 0; i < 4; i++) {
        const unit = m.units.length ? rng.pick(m.units) : undefined
        const candidates = unit ? ordinary(unit) : []
        if (candidates.length === 0) continue
        // 08:00–15:59 UTC: working hours in Paris (09:00–16:59 in winter, 10:00–17:59 in summer).
        accesses.push({ staff: m, patientId: rng.pick(candidates), at: day + 8 * HOUR + rng.int(0, 8 * 60 - 1) * 60_000 })
      }
    }
  }

  const [d1, d2, d3, d4] = days as [number, number, number, number]
  const at = (day: number, hours: number, minutes = 0) => day + hours * HOUR + minutes * 60_000
  const otherUnit = (m: StaffMember) => hospital.units.find((u) => !m.units.includes(u.id))!.id
  // Hors de ses unités: the intern of cardiologie reads a patient of another unit, without break the glass.
  const intern = member('interne')
  accesses.push({ staff: intern, patientId: ordinary(otherUnit(intern))[0]!, at: at(d2, 10, 12) })
  // Même nom / dossier d'un collègue: the nurse opens her own record, then the medical secretary's.
  const nurse = member('infirmier')
  const nurseRecord = hospital.staffPatients.find((s) => s.staffKey === 'infirmier')?.patientId
  const secretaryRecord = hospital.staffPatients.find((s) => s.staffKey === 'secretaire')?.patientId
  if (nurseRecord) accesses.push({ staff: nurse, patientId: nurseRecord, at: at(d1, 13, 40) })
  if (secretaryRecord) accesses.push({ staff: nurse, patientId: secretaryRecord, at: at(d3, 9, 5) })
  // Accès en masse hors heures: the cadre de santé opens 14 charts of her unit between 02:00 and 02:45 (Paris).
  const cadre = member('cadre')
  ordinary(cadre.units[0]!)
    .slice(0, 14)
    .forEach((patientId, i) => accesses.push({ staff: cadre, patientId, at: at(d2, 1, 3 * i) }))
  // Patient sensible: the secretary reads the VIP of her unit (in her units: only this rule fires).
  const vip = hospital.sensitivePatients.vip[0]
  if (vip) accesses.push({ staff: member('secretaire'), patientId: vip, at: at(d4, 14, 20) })

  const events: AuditEvent[] = []
  let n = 0
  const id = () => `${SEEDED_AUDIT_PREFIX}${String(++n).padStart(5, '0')}`
  // Bris de glace never reviewed: two grants with their accesses under BTG.
  const grants: { staff: StaffMember; patientId: string; at: number; reason: string; justification: string }[] = [
    { staff: intern, patientId: ordinary(otherUnit(intern))[1]!, at: at(d3, 22, 10), reason: 'urgence-vitale', justification: 'Appel du réanimateur de garde, patient instable' },
    { staff: member('medecin'), patientId: ordinary(otherUnit(member('medecin')))[0]!, at: at(d1, 15, 30), reason: 'continuite-des-soins', justification: 'Avis cardiologique demandé par téléphone' },
  ]
  for (const grant of grants) {
    events.push(btgGrantEvent(id(), grant.staff, grant.patientId, grant.at, grant.reason, grant.justification))
    accesses.push({ staff: grant.staff, patientId: grant.patientId, at: grant.at + 2 * 60_000, btg: true })
  }

  accesses.sort((a, b) => a.at - b.at)
  for (const access of accesses) events.push(accessEvent(id(), access, unitOf.get(access.patientId)))
  return events.sort((a, b) => a.recorded.localeCompare(b.recorded))
}

function agent(staff: StaffMember): AuditEvent['agent'] {
  return [{ who: { reference: `Practitioner/${staff.practitionerId}` }, role: [{ text: staff.role }], requestor: true }]
}

function accessEvent(id: string, access: Access, unit: string | undefined): AuditEvent {
  const patient: AuditEventEntity = {
    what: { reference: `Patient/${access.patientId}` },
    type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    ...(unit ? { detail: [{ type: 'unit', valueString: unit }] } : {}),
  }
  return {
    resourceType: 'AuditEvent',
    id,
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    recorded: new Date(access.at).toISOString(),
    outcome: '0',
    ...(access.btg ? { purposeOfEvent: [{ coding: [{ system: ACT_REASON, code: 'BTG' }] }] } : {}),
    agent: agent(access.staff),
    source: { observer: { display: 'Chevet — central de formation' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4' }] },
    entity: [patient],
  }
}

function btgGrantEvent(id: string, staff: StaffMember, patientId: string, at: number, reason: string, justification: string): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id,
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110113', display: 'Security Alert' },
    subtype: [{ system: 'urn:chevet:audit', code: 'btg-grant', display: 'Bris de glace' }],
    action: 'E',
    recorded: new Date(at).toISOString(),
    outcome: '0',
    purposeOfEvent: [{ coding: [{ system: ACT_REASON, code: 'BTG' }] }],
    agent: agent(staff),
    source: { observer: { display: 'Chevet — central de formation' } },
    entity: [
      {
        what: { reference: `Patient/${patientId}` },
        type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
        role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
        detail: [
          { type: 'reason', valueString: reason },
          { type: 'justification', valueString: justification },
          { type: 'expires', valueString: new Date(at + 4 * HOUR).toISOString() },
        ],
      },
    ],
  }
}
