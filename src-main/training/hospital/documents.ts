import type { DocumentReference } from '@medplum/fhirtypes'
import { concept, dateTime, ref } from './fhir'
import { ORGANIZATION_ID } from './structure'
import { LOINC } from './systems'

/** LOINC 57133-1 "Referral note": the courrier d'adressage of the general practitioner. */
export const REFERRAL_LOINC = '57133-1'

function frDate(ms: number): string {
  const d = new Date(ms)
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`
}

/**
 * The general practitioner's referral letter of a current stay (courrier d'adressage), dated the day of admission,
 * readable as plain text. No random draw: adding it leaves the rest of the hospital unchanged.
 */
export function referralLetter(input: {
  id: string
  patientId: string
  patientName: string
  sex: 'male' | 'female'
  birthDate: string
  encounterId: string
  unitName: string
  admittedAt: number
  reason: string
  gp: { id: string; name: string; mssante: string }
  comorbidities: readonly string[]
}): DocumentReference {
  const born = input.sex === 'female' ? 'née' : 'né'
  const at = input.admittedAt - 3 * 60 * 60 * 1000
  const text = [
    `Dr ${input.gp.name} — médecine générale (${input.gp.mssante})`,
    'Courrier d’adressage',
    '',
    `Destinataire : service ${input.unitName}, Centre hospitalier de formation Chevet`,
    `Patient : ${input.patientName}, ${born} le ${frDate(Date.parse(input.birthDate))}`,
    '',
    'Cher confrère,',
    `Je vous adresse ce patient pour ${input.reason}.`,
    input.comorbidities.length ? `Antécédents : ${input.comorbidities.join(' ; ')}.` : 'Pas d’antécédent notable.',
    'Je vous remercie de votre prise en charge et reste à votre disposition.',
    '',
    `Dr ${input.gp.name}`,
    'Données fictives — environnement de formation Chevet.',
  ].join('\n')
  return {
    resourceType: 'DocumentReference',
    id: input.id,
    status: 'current',
    docStatus: 'final',
    type: concept(LOINC, REFERRAL_LOINC, 'Referral note', 'Courrier d’adressage'),
    subject: ref('Patient', input.patientId),
    date: dateTime(at),
    author: [ref('Practitioner', input.gp.id, `Dr ${input.gp.name}`)],
    custodian: ref('Organization', ORGANIZATION_ID),
    description: `Courrier d’adressage — Dr ${input.gp.name}`,
    content: [
      {
        attachment: {
          contentType: 'text/plain; charset=utf-8',
          language: 'fr-FR',
          data: Buffer.from(text, 'utf8').toString('base64'),
          title: `Courrier d’adressage du ${frDate(at)}`,
          creation: dateTime(at),
        },
      },
    ],
    context: { encounter: [ref('Encounter', input.encounterId)] },
  }
}
