import type { CarePlan, CarePlanActivity, Coding, Procedure, Resource } from '@medplum/fhirtypes'
import { dateTime, DAY, HOUR, ref } from './fhir'
import { deriveSeed, Rng } from './random'
import type { UnitCode } from './types'

/*
 * The plan de soins of each current inpatient: ONE CarePlan (status active, intent order) whose activities are the
 * scheduled nursing tasks, each with `scheduledTiming.repeat` (frequency per period from `boundsPeriod.start`) and
 * a stable element id; the slots already done before "now" are checked off by the unit's nurse as Procedures
 * (basedOn the CarePlan, activity and slot in extensions: the mapping of src-main/store/cache/care-plan.ts).
 * A few slots are left undone on purpose, so that the census and the chart show overdue care.
 */
export const CARE_CODE_SYSTEM = 'https://chevet.example/fhir/CodeSystem/soin'
const CARE_ACTIVITY_EXTENSION = 'urn:chevet:care-activity'
const CARE_SLOT_EXTENSION = 'urn:chevet:care-slot'

interface CareSpec {
  code: string
  label: string
  /** Hours between two slots. */
  everyHours: number
  /** Frequency shown as "n fois par jour" rather than "toutes les n h" (a 24-h period). */
  perDay?: number
  description?: string
}

const VITALS_4H: CareSpec = { code: 'constantes-4h', label: 'Surveillance des constantes', everyHours: 4, description: 'PA, FC, SpO2, FR, T°, conscience ; NEWS2' }
const VITALS_8H: CareSpec = { code: 'constantes-8h', label: 'Surveillance des constantes', everyHours: 8, perDay: 3, description: 'PA, FC, SpO2, FR, T°, conscience ; NEWS2' }
const GLYCEMIA: CareSpec = { code: 'glycemie-capillaire', label: 'Glycémie capillaire', everyHours: 8, perDay: 3, description: 'Avant les repas ; appeler le médecin si < 3,5 ou > 16 mmol/L' }
const DRESSING: CareSpec = { code: 'pansement', label: 'Réfection du pansement', everyHours: 48, description: 'Cicatrice opératoire : pansement sec, surveiller écoulement et rougeur' }
const PAIN: CareSpec = { code: 'eva', label: 'Évaluation de la douleur (EVA)', everyHours: 6, perDay: 4 }
const TURNING: CareSpec = { code: 'prevention-escarres', label: 'Changement de position (prévention des escarres)', everyHours: 3 }
const WEIGHT: CareSpec = { code: 'pesee', label: 'Pesée', everyHours: 24, perDay: 1, description: 'À jeun, même balance' }
const FLUIDS: CareSpec = { code: 'bilan-entrees-sorties', label: 'Bilan entrées / sorties', everyHours: 24, perDay: 1 }
const NOSE: CareSpec = { code: 'drp', label: 'Désobstruction rhinopharyngée (DRP)', everyHours: 4, description: 'Avant chaque biberon ; sérum physiologique' }
const CATHETER: CareSpec = { code: 'surveillance-kt', label: 'Surveillance du cathéter veineux périphérique', everyHours: 8, perDay: 3 }

export interface CarePlanPatient {
  patientId: string
  encounterId: string
  unit: UnitCode
  admittedMs: number
  ageYears: number
  diabetic: boolean
  deteriorating: boolean
  /** The patient's confidentiality labels: they travel with every resource of the patient. */
  security?: Coding[]
}

function specsFor(rng: Rng, p: CarePlanPatient): CareSpec[] {
  const out: CareSpec[] = [p.deteriorating || p.unit === 'PEDIA' ? VITALS_4H : VITALS_8H]
  if (p.diabetic) out.push(GLYCEMIA)
  if (p.unit === 'CHIR') out.push(DRESSING, PAIN)
  if (p.unit === 'CARDIO') out.push(WEIGHT)
  if (p.unit === 'MEDINT' && rng.chance(0.4)) out.push(FLUIDS)
  if (p.unit === 'PEDIA' && p.ageYears < 2) out.push(NOSE)
  if (p.ageYears >= 80 && p.unit !== 'PEDIA') out.push(TURNING)
  if (p.unit !== 'PEDIA' && rng.chance(0.5)) out.push(CATHETER)
  return out
}

function repeatOf(spec: CareSpec): { frequency: number; period: number; periodUnit: 'h' | 'd' } {
  return spec.perDay ? { frequency: spec.perDay, period: 1, periodUnit: 'd' } : { frequency: 1, period: spec.everyHours, periodUnit: 'h' }
}

/** Care plans and their past check-offs for the current inpatients. Deterministic for (seed, patients, now). */
export function carePlans(options: {
  seed: number
  now: number
  patients: readonly CarePlanPatient[]
  doctorOf: (unit: UnitCode) => string
  nurseOf: (unit: UnitCode) => { id: string; name: string }
}): Resource[] {
  const out: Resource[] = []
  options.patients.forEach((p, index) => {
    const rng = new Rng(deriveSeed(options.seed, 'care-plan', index + 1))
    const planId = `cp-${p.patientId}`
    // Slots on the hour, from the first full hour after admission (or at 06:00 UTC for daily care).
    const firstHour = Math.ceil(p.admittedMs / HOUR) * HOUR
    const activities: CarePlanActivity[] = specsFor(rng, p).map((spec, i) => {
      const anchor = spec.everyHours >= 24 ? Math.ceil((p.admittedMs - 6 * HOUR) / DAY) * DAY + 6 * HOUR : firstHour + i * HOUR
      return {
        id: `act-${i + 1}`,
        detail: {
          kind: 'ServiceRequest',
          code: { coding: [{ system: CARE_CODE_SYSTEM, code: spec.code, display: spec.label }], text: spec.label },
          status: 'in-progress',
          scheduledTiming: { repeat: { boundsPeriod: { start: dateTime(anchor) }, ...repeatOf(spec) } },
          ...(spec.description ? { description: spec.description } : {}),
        },
      }
    })
    const meta = p.security ? { meta: { security: p.security } } : {}
    const plan: CarePlan = {
      resourceType: 'CarePlan',
      id: planId,
      ...meta,
      status: 'active',
      intent: 'order',
      title: 'Plan de soins',
      category: [{ text: 'Plan de soins infirmiers' }],
      subject: ref('Patient', p.patientId),
      encounter: ref('Encounter', p.encounterId),
      period: { start: dateTime(p.admittedMs) },
      created: dateTime(p.admittedMs + HOUR / 2),
      author: ref('Practitioner', options.doctorOf(p.unit)),
      activity: activities,
    }
    out.push(plan)
    const nurse = options.nurseOf(p.unit)
    activities.forEach((activity, i) => {
      const repeat = activity.detail?.scheduledTiming?.repeat
      const anchor = Date.parse(repeat?.boundsPeriod?.start ?? '')
      const every = ((repeat?.period ?? 1) * (repeat?.periodUnit === 'd' ? DAY : HOUR)) / (repeat?.frequency ?? 1)
      // The last few slots before now: most done a little after their time, some missed.
      for (let k = Math.floor((options.now - anchor) / every), n = 0; k >= 0 && n < 3; k--, n++) {
        const slot = anchor + k * every
        if (!rng.chance(0.85)) continue
        const doneAt = Math.min(options.now - 60_000, slot + rng.int(0, 40) * 60_000)
        const procedure: Procedure = {
          resourceType: 'Procedure',
          id: `care-${p.patientId}-${i + 1}-${k}`,
          ...meta,
          extension: [
            { url: CARE_ACTIVITY_EXTENSION, valueString: activity.id ?? '' },
            { url: CARE_SLOT_EXTENSION, valueDateTime: dateTime(slot) },
          ],
          basedOn: [ref('CarePlan', planId)],
          status: 'completed',
          ...(activity.detail?.code ? { code: activity.detail.code } : {}),
          subject: ref('Patient', p.patientId),
          encounter: ref('Encounter', p.encounterId),
          performedDateTime: dateTime(doneAt),
          performer: [{ actor: ref('Practitioner', nurse.id, nurse.name) }],
        }
        out.push(procedure)
      }
    })
  })
  return out
}
