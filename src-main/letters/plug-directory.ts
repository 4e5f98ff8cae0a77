import type { Patient, Practitioner, PractitionerRole } from '@medplum/fhirtypes'
import type { CentralClient } from '../central/types'
import type { Letter, LetterPerson, LetterRecipient, LetterRecipientKind, RecipientBlock } from '../contract'
import { patientMailbox, type TransportPatient } from './transport'

/*
 * Where each recipient of a letter is reached: the médecin traitant and the adresseur through the central's
 * professional directory (Practitioner.telecom, else their PractitionerRole's), the patient through the Mon espace
 * santé mailbox of a QUAL identity. The letter's own copy of an address (taken from the chart) is the fallback
 * when the directory has none, so that a directory outage does not stop a letter the law wants sent the same day.
 */

const IDNPS = 'urn:oid:1.2.250.1.71.4.2.1'
const RPPS = 'https://rpps.esante.gouv.fr'

export interface ResolvedRecipient {
  kind: LetterRecipientKind
  name: string | null
  address: string | null
  source: LetterRecipient['source']
  blocked: RecipientBlock | null
}

function mssanteOf(telecoms: Practitioner['telecom']): string | null {
  return telecoms?.find((t) => t.system === 'email' && t.value && /\.mssante\.fr$/i.test(t.value))?.value ?? null
}

async function practitionerOf(central: CentralClient, person: LetterPerson | null, reference: string | null): Promise<Practitioner | null> {
  const id = reference?.match(/^Practitioner\/([^/]+)$/)?.[1]
  if (id) return central.read<Practitioner>('Practitioner', id).catch(() => null)
  if (!person?.rpps) return null
  for (const identifier of [`${IDNPS}|8${person.rpps}`, `${RPPS}|${person.rpps}`]) {
    const page = await central.search<Practitioner>('Practitioner', { identifier, _count: '1' })
    if (page.resources[0]) return page.resources[0]
  }
  return null
}

async function addressOf(central: CentralClient, practitioner: Practitioner): Promise<string | null> {
  const own = mssanteOf(practitioner.telecom)
  if (own || !practitioner.id) return own
  const roles = await central.search<PractitionerRole>('PractitionerRole', { practitioner: `Practitioner/${practitioner.id}` })
  return roles.resources.map((role) => mssanteOf(role.telecom)).find(Boolean) ?? null
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
}

function sameFamily(typed: string, practitioner: Practitioner): boolean {
  const family = practitioner.name?.[0]?.family
  return family !== undefined && fold(typed).includes(fold(family))
}

function displayName(practitioner: Practitioner | null): string | null {
  const name = practitioner?.name?.[0]
  if (!name) return null
  return [name.prefix?.join(' ') || 'Dr', ...(name.given ?? []), name.family].filter(Boolean).join(' ')
}

/**
 * A professional recipient. The letter's person when the doctor named one ("aucun" means none); else the chart's
 * reference (the patient's declared médecin traitant), named from the directory.
 */
async function professional(central: CentralClient, kind: LetterRecipientKind, person: LetterPerson | null, reference: string | null): Promise<ResolvedRecipient | null> {
  const typed = person?.name.trim() ?? ''
  if (/^aucun/i.test(typed)) return null
  const named = typed ? person : null
  if (!named && !reference) return null
  let practitioner: Practitioner | null = null
  let address: string | null = null
  try {
    practitioner = await practitionerOf(central, named, named?.rpps ? null : reference)
    // The doctor named someone else than the chart's médecin traitant: the directory entry is not theirs.
    if (practitioner && named && !named.rpps && !sameFamily(named.name, practitioner)) practitioner = null
    address = practitioner ? await addressOf(central, practitioner) : null
  } catch {
    address = null
  }
  const name = named?.name ?? displayName(practitioner)
  if (!name) return null
  if (address) return { kind, name, address, source: 'annuaire', blocked: null }
  if (named?.mssante) return { kind, name, address: named.mssante, source: 'lettre', blocked: null }
  return { kind, name, address: null, source: null, blocked: 'ADRESSE_INCONNUE' }
}

/** The letter's recipients, in the order of the law (médecin traitant, adresseur), then the patient. */
export async function resolveRecipients(input: {
  central: CentralClient
  letter: Letter
  patient: Patient | null
  transportPatient: TransportPatient | null
  invisiblePatient: boolean
}): Promise<ResolvedRecipient[]> {
  const { central, letter } = input
  const gp = input.patient?.generalPractitioner?.find((r) => r.reference?.startsWith('Practitioner/'))?.reference ?? null
  const recipients: ResolvedRecipient[] = []
  const traitant = await professional(central, 'medecin-traitant', letter.content.medecinTraitant, gp)
  if (traitant) recipients.push(traitant)
  const adresseur = await professional(central, 'adresseur', letter.content.adresseur, null)
  if (adresseur && adresseur.address !== traitant?.address) recipients.push(adresseur)
  const mailbox = input.transportPatient ? patientMailbox(input.transportPatient) : null
  recipients.push({
    kind: 'patient',
    name: null,
    address: mailbox,
    source: mailbox ? 'ins' : null,
    blocked: input.invisiblePatient ? 'INVISIBLE_PATIENT' : mailbox ? null : 'IDENTITE_NON_QUALIFIEE',
  })
  return recipients
}
