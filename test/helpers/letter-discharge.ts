import type { Encounter, MedicationRequest, MedicationStatement, Patient, Practitioner, Resource } from '@medplum/fhirtypes'
import type { PrefillSources } from '../../src-main/letters/prefill'
import { generateHospital, type TrainingHospital } from '../../src-main/training/hospital'

const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType'

let hospital: TrainingHospital | undefined

/** The small training hospital, built once per test file (3 s). */
export function trainingHospital(): TrainingHospital {
  return (hospital ??= generateHospital({ pastPatients: 2, heavyObservations: 0 }))
}

function medText(r: MedicationRequest): string {
  return r.medicationCodeableConcept?.text ?? ''
}

/**
 * A discharge built on a current cardiology stay of the training hospital: the stay ends today, the patient's
 * treatment before admission is recorded (one kept as it was, one at another dose, one stopped with its reason), a
 * result is pending and a consultation is booked. Everything else (identity, GP, orders) is the training data's.
 */
export function syntheticDischarge(): { hospital: TrainingHospital; sources: PrefillSources; now: Date } {
  const h = trainingHospital()
  const byId = new Map(h.resources.map((r) => [`${r.resourceType}/${r.id}`, r]))
  const now = new Date(h.now)
  for (const stay of h.currentStays) {
    const patient = byId.get(`Patient/${stay.patientId}`) as Patient
    const reliable = JSON.stringify(patient.extension ?? []).includes('"QUAL"')
    const orders = h.resources.filter(
      (r): r is MedicationRequest => r.resourceType === 'MedicationRequest' && r.encounter?.reference === `Encounter/${stay.encounterId}`,
    )
    const furosemide = orders.find((o) => medText(o).startsWith('furosémide'))
    const bisoprolol = orders.find((o) => medText(o).startsWith('bisoprolol'))
    if (!reliable || !patient.generalPractitioner || !furosemide || !bisoprolol || orders.some((o) => medText(o).startsWith('metformine'))) continue

    const encounter = structuredClone(byId.get(`Encounter/${stay.encounterId}`) as Encounter)
    const referrer = h.generalPractitioners.find((g) => `Practitioner/${g.practitionerId}` !== patient.generalPractitioner?.[0]?.reference)!
    encounter.status = 'finished'
    encounter.period = { ...encounter.period, end: now.toISOString() }
    encounter.hospitalization = {
      admitSource: { text: 'Adressé par son médecin, entrée par les urgences' },
      dischargeDisposition: { text: 'Retour à domicile' },
    }
    encounter.participant = [
      ...(encounter.participant ?? []),
      { type: [{ coding: [{ system: PARTICIPATION, code: 'REF', display: 'referrer' }] }], individual: { reference: `Practitioner/${referrer.practitionerId}` } },
    ]
    const statement = (id: string, from: MedicationRequest | null, extra: Partial<MedicationStatement>): MedicationStatement => ({
      resourceType: 'MedicationStatement',
      id,
      status: 'active',
      subject: { reference: `Patient/${patient.id}` },
      context: { reference: `Encounter/${stay.encounterId}` },
      ...(from ? { medicationCodeableConcept: from.medicationCodeableConcept!, dosage: from.dosageInstruction! } : {}),
      ...extra,
    })
    const halfDose = structuredClone(bisoprolol.dosageInstruction!)
    halfDose[0]!.doseAndRate = [{ doseQuantity: { value: 1.25, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }]
    halfDose[0]!.text = '1,25 mg le matin.'
    const admission: Resource[] = [
      statement('ms-furosemide', furosemide, {}),
      statement('ms-bisoprolol', bisoprolol, { dosage: halfDose }),
      statement('ms-metformine', null, {
        status: 'stopped',
        statusReason: [{ text: 'Insuffisance rénale aiguë (DFG 28 mL/min) : contre-indication' }],
        medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'A10BA02', display: 'metformine' }], text: 'metformine 1 000 mg comprimé pelliculé' },
        dosage: [{ text: '1 comprimé matin et soir.' }],
      }),
    ]
    const later: Resource[] = [
      {
        resourceType: 'ServiceRequest',
        id: 'sr-bnp',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${patient.id}` },
        encounter: { reference: `Encounter/${stay.encounterId}` },
        code: { text: 'Sérologie de l’hépatite E (résultat attendu sous 8 jours)' },
      },
      {
        resourceType: 'Appointment',
        id: 'ap-cardio',
        status: 'booked',
        start: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
        description: 'Consultation de cardiologie (Dr Œhlenschläger) avec échographie cardiaque',
        participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
      },
    ]
    const resources = [
      ...h.resources.filter((r) => r.resourceType !== 'Patient' && r.resourceType !== 'Encounter' && JSON.stringify(r).includes(`"Patient/${patient.id}"`)),
      ...admission,
      ...later,
    ]
    const practitioners = h.resources.filter((r): r is Practitioner => r.resourceType === 'Practitioner')
    const unit = h.units.find((u) => u.id === stay.unitId)
    return { hospital: h, now, sources: { patient, encounter, practitioners, resources, unitName: unit?.name ?? null, now } }
  }
  throw new Error('no cardiology stay fits the synthetic discharge')
}
