import { fold } from '../store/cache/fold'
import type { AccessRecord, BtgGrant, BtgReview } from './access-records'

/**
 * Anomaly rules of the access review (CNIL: « contrôles réguliers pour détecter les accès anormaux »). Pure: the
 * caller gives the accesses, the break-the-glass grants and reviews, and what is known of the people involved. Each
 * anomaly carries its explanation in French (read by the DPO, exported in the CSV).
 */
export const ANOMALY_RULES = ['hors-unites', 'meme-nom', 'dossier-collegue', 'masse-hors-heures', 'btg-non-revu', 'patient-sensible'] as const
export type AnomalyRule = (typeof ANOMALY_RULES)[number]

export const RULE_LABELS: Readonly<Record<AnomalyRule, string>> = {
  'hors-unites': 'Accès hors de ses unités',
  'meme-nom': 'Même nom de famille que l’utilisateur',
  'dossier-collegue': 'Dossier d’un collègue',
  'masse-hors-heures': 'Accès en masse hors heures ouvrées',
  'btg-non-revu': 'Bris de glace non revu',
  'patient-sensible': 'Accès à un patient sensible',
}

export interface StaffInfo {
  familyName: string
  displayName: string
  role: string | null
  /** Location ids of the units the professional works in. */
  units: string[]
}

export type Sensitivity = 'confidentiel' | 'vip' | 'penitentiaire'

export interface PatientInfo {
  /** Every family name of the patient (birth name, used name). */
  familyNames: string[]
  sensitivity: Sensitivity[]
  /** Practitioner id when the patient is also a professional of the hospital. */
  staffPractitionerId: string | null
}

export interface AnomalyOptions {
  /** More than this many distinct patients within one hour, off hours, is a bulk access. */
  bulkThreshold: number
  /** Working hours [start, end) in local time (hours 0–24); outside them, and on weekends, is off hours. */
  workingHours: { start: number; end: number }
  timeZone: string
}

export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = { bulkThreshold: 10, workingHours: { start: 7, end: 20 }, timeZone: 'Europe/Paris' }

export interface AnomalyContext {
  staff: ReadonlyMap<string, StaffInfo>
  patients: ReadonlyMap<string, PatientInfo>
  unitNames: ReadonlyMap<string, string>
  options?: Partial<AnomalyOptions>
}

export interface Anomaly {
  rule: AnomalyRule
  /** Stable across runs: rule + what it is about. */
  key: string
  at: string
  actorId: string | null
  patientIds: string[]
  recordIds: string[]
  grantId: string | null
  explanation: string
}

const SENSITIVITY_LABELS: Record<Sensitivity, string> = {
  confidentiel: 'confidentiel',
  vip: 'VIP',
  penitentiaire: 'personne détenue',
}

const HOUR = 3_600_000

function who(ctx: AnomalyContext, actorId: string | null): string {
  const staff = actorId ? ctx.staff.get(actorId) : undefined
  return staff ? staff.displayName : actorId ? `Practitioner/${actorId}` : 'un utilisateur inconnu'
}

/** Local hour and day of week in the hospital's time zone. */
export function localTime(iso: string, timeZone: string): { hour: number; weekday: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23', weekday: 'short' }).formatToParts(new Date(iso))
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '0')
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '')
  return { hour, weekday }
}

export function isOffHours(iso: string, options: AnomalyOptions): boolean {
  const { hour, weekday } = localTime(iso, options.timeZone)
  if (weekday === 0 || weekday === 6) return true
  return hour < options.workingHours.start || hour >= options.workingHours.end
}

function perPatient(records: readonly AccessRecord[], rule: AnomalyRule, test: (record: AccessRecord, patientId: string) => string | null): Anomaly[] {
  const out: Anomaly[] = []
  for (const record of records) {
    for (const patientId of record.patientIds) {
      const explanation = test(record, patientId)
      if (explanation) {
        out.push({ rule, key: `${rule}:${record.id}:${patientId}`, at: record.recorded, actorId: record.actorId, patientIds: [patientId], recordIds: [record.id], grantId: null, explanation })
      }
    }
  }
  return out
}

function outsideUnits(records: readonly AccessRecord[], ctx: AnomalyContext): Anomaly[] {
  return perPatient(records, 'hors-unites', (record, patientId) => {
    const unit = record.unitsAtAccess[patientId]
    const staff = record.actorId ? ctx.staff.get(record.actorId) : undefined
    // Break the glass is reviewed by its own rule; without the unit at the time, the rule cannot judge.
    if (record.purpose === 'btg' || !unit || !staff || staff.units.includes(unit)) return null
    const unitName = ctx.unitNames.get(unit) ?? unit
    const own = staff.units.map((u) => ctx.unitNames.get(u) ?? u).join(', ') || 'aucune'
    return `${staff.displayName} a accédé au dossier d’un patient hospitalisé en ${unitName}, hors de ses unités (${own}), sans bris de glace.`
  })
}

function sameSurname(records: readonly AccessRecord[], ctx: AnomalyContext): Anomaly[] {
  return perPatient(records, 'meme-nom', (record, patientId) => {
    const staff = record.actorId ? ctx.staff.get(record.actorId) : undefined
    const patient = ctx.patients.get(patientId)
    if (!staff || !patient) return null
    const family = fold(staff.familyName)
    if (!family || !patient.familyNames.some((name) => fold(name) === family)) return null
    return `${staff.displayName} a accédé au dossier d’un patient qui porte le même nom de famille (${staff.familyName}) : lien familial possible.`
  })
}

function colleague(records: readonly AccessRecord[], ctx: AnomalyContext): Anomaly[] {
  return perPatient(records, 'dossier-collegue', (record, patientId) => {
    const staffId = ctx.patients.get(patientId)?.staffPractitionerId
    if (!staffId) return null
    if (staffId === record.actorId) return `${who(ctx, record.actorId)} a accédé à son propre dossier de patient.`
    return `${who(ctx, record.actorId)} a accédé au dossier d’un collègue de l’établissement (${who(ctx, staffId)}).`
  })
}

function sensitive(records: readonly AccessRecord[], ctx: AnomalyContext): Anomaly[] {
  return perPatient(records, 'patient-sensible', (record, patientId) => {
    const flags = ctx.patients.get(patientId)?.sensitivity ?? []
    if (flags.length === 0) return null
    const labels = flags.map((f) => SENSITIVITY_LABELS[f]).join(', ')
    return `${who(ctx, record.actorId)} a accédé au dossier d’un patient sensible (${labels})${record.purpose === 'btg' ? ' sous bris de glace' : ''} : accès toujours contrôlé.`
  })
}

/** Per user, a sliding hour of off-hours accesses reaching more than N distinct patients; one anomaly per burst. */
function bulk(records: readonly AccessRecord[], ctx: AnomalyContext, options: AnomalyOptions): Anomaly[] {
  const byActor = new Map<string, AccessRecord[]>()
  for (const record of records) {
    if (!record.actorId || !isOffHours(record.recorded, options)) continue
    byActor.set(record.actorId, [...(byActor.get(record.actorId) ?? []), record])
  }
  const out: Anomaly[] = []
  for (const [actorId, list] of byActor) {
    list.sort((a, b) => a.recorded.localeCompare(b.recorded))
    let i = 0
    while (i < list.length) {
      const start = Date.parse(list[i]!.recorded)
      const window = list.slice(i).filter((r) => Date.parse(r.recorded) < start + HOUR)
      const patients = new Set(window.flatMap((r) => r.patientIds))
      if (patients.size > options.bulkThreshold) {
        const first = list[i]!
        out.push({
          rule: 'masse-hors-heures',
          key: `masse-hors-heures:${actorId}:${first.id}`,
          at: first.recorded,
          actorId,
          patientIds: [...patients],
          recordIds: window.map((r) => r.id),
          grantId: null,
          explanation: `${who(ctx, actorId)} a consulté ${patients.size} dossiers de patients différents en moins d’une heure hors des heures ouvrées (seuil : ${options.bulkThreshold}).`,
        })
        i += window.length
      } else i += 1
    }
  }
  return out
}

function unreviewed(grants: readonly BtgGrant[], reviews: ReadonlyMap<string, BtgReview>, ctx: AnomalyContext): Anomaly[] {
  return grants
    .filter((grant) => !reviews.has(grant.id))
    .map((grant) => ({
      rule: 'btg-non-revu' as const,
      key: `btg-non-revu:${grant.id}`,
      at: grant.recorded,
      actorId: grant.actorId,
      patientIds: grant.patientId ? [grant.patientId] : [],
      recordIds: [],
      grantId: grant.id,
      explanation: `Bris de glace de ${who(ctx, grant.actorId)}${grant.reason ? ` (motif : ${grant.reason})` : ''} pas encore revu par le DPO ou le référent.`,
    }))
}

/** Every anomaly, oldest first. Failed accesses count: a refused attempt is as telling as a served one. */
export function detectAnomalies(
  records: readonly AccessRecord[],
  grants: readonly BtgGrant[],
  reviews: ReadonlyMap<string, BtgReview>,
  ctx: AnomalyContext,
): Anomaly[] {
  const options = { ...DEFAULT_ANOMALY_OPTIONS, ...ctx.options }
  return [
    ...outsideUnits(records, ctx),
    ...sameSurname(records, ctx),
    ...colleague(records, ctx),
    ...bulk(records, ctx, options),
    ...unreviewed(grants, reviews, ctx),
    ...sensitive(records, ctx),
  ].sort((a, b) => a.at.localeCompare(b.at) || a.key.localeCompare(b.key))
}
