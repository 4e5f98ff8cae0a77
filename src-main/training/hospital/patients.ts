import type { Coding, Extension, HumanName, Identifier, Meta, Patient } from '@medplum/fhirtypes'
import { birthDateAtAge, concept, coding, date, ref } from './fhir'
import { nirKey } from './identifiers'
import { FAMILY_NAMES, FEMALE_GIVEN, HOME_TOWNS, MALE_GIVEN, STREETS } from './names'
import { BIRTH_PLACES, bornAbroad, type BirthPlace } from './places'
import type { Rng } from './random'
import { ORGANIZATION_ID } from './structure'
import {
  ACT_CODE_SYSTEM,
  BIRTH_LIST_GIVEN_NAME_URL,
  BIRTH_PLACE_URL,
  COG_COMMUNE_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  FR_CORE_IDENTIFIER_TYPE,
  HL7_IDENTIFIER_TYPE,
  IDENTITY_RELIABILITY_URL,
  IDENTITY_STATUS_SYSTEM,
  INSEE_CODE_URL,
  INS_NIR_TEST_SYSTEM,
  INS_NIR_TEST_TYPE,
  IPP_SYSTEM,
  PATIENT_CONTEXT_SYSTEM,
} from './systems'

export type IdentityStatus = 'PROV' | 'RECUP' | 'VALI' | 'QUAL'

const STATUS_DISPLAY: Record<IdentityStatus, string> = {
  PROV: 'Identité provisoire',
  RECUP: 'Identité récupérée',
  VALI: 'Identité validée',
  QUAL: 'Identité qualifiée',
}

export interface Identity {
  sex: 'male' | 'female'
  birthDate: string
  birthPlace: BirthPlace
  /** Birth given names, in order (the first is the one used). */
  givenNames: string[]
  birthFamily: string
  /** Usage name (nom d'usage), e.g. a spouse's name. */
  usedFamily?: string
  status: IdentityStatus
}

export interface PatientFlags {
  restricted?: boolean
  vip?: boolean
  penitentiary?: boolean
}

/** Hands out matricules INS, never the same twice (the order number is redrawn on collision). */
export class NirRegistry {
  private readonly issued = new Set<string>()

  issue(rng: Rng, identity: Identity): string {
    const sex = identity.sex === 'male' ? '1' : '2'
    const yy = identity.birthDate.slice(2, 4)
    const mm = identity.birthDate.slice(5, 7)
    for (;;) {
      const order = String(rng.int(1, 999)).padStart(3, '0')
      const nir13 = `${sex}${yy}${mm}${identity.birthPlace.cog}${order}`
      const ins = nir13 + nirKey(nir13)
      if (!this.issued.has(ins)) {
        this.issued.add(ins)
        return ins
      }
    }
  }
}

export function randomStatus(rng: Rng): IdentityStatus {
  return rng.weighted<IdentityStatus>([
    ['QUAL', 85],
    ['VALI', 5],
    ['RECUP', 5],
    ['PROV', 5],
  ])
}

/** A random identity for someone `ageYears` old at instant `atMs`. */
export function randomIdentity(rng: Rng, ageYears: number, atMs: number): Identity {
  const sex = rng.chance(0.5) ? 'female' : 'male'
  const pool = sex === 'female' ? FEMALE_GIVEN : MALE_GIVEN
  const givenNames = rng.sample(pool, rng.weighted([[1, 3], [2, 5], [3, 2]] as const))
  const birthFamily = rng.pick(FAMILY_NAMES)
  const married = sex === 'female' && ageYears >= 25 && rng.chance(0.45)
  let usedFamily: string | undefined
  if (married) {
    const spouse = rng.pick(FAMILY_NAMES)
    if (spouse !== birthFamily) usedFamily = spouse
  }
  return {
    sex,
    birthDate: birthDateAtAge(atMs, ageYears, rng.int(1, 364)),
    birthPlace: rng.weighted(BIRTH_PLACES),
    givenNames,
    birthFamily,
    ...(usedFamily ? { usedFamily } : {}),
    status: randomStatus(rng),
  }
}

export function displayName(identity: Identity): string {
  return `${identity.givenNames[0] ?? ''} ${identity.usedFamily ?? identity.birthFamily}`
}

function names(identity: Identity): HumanName[] {
  const first = identity.givenNames[0] ?? ''
  const official: HumanName = {
    extension: [{ url: BIRTH_LIST_GIVEN_NAME_URL, valueString: identity.givenNames.join(' ') }],
    use: 'official',
    family: identity.birthFamily,
    given: [first],
  }
  if (!identity.usedFamily) return [official]
  return [official, { use: 'usual', family: identity.usedFamily, given: [first] }]
}

function birthPlaceExtension(place: BirthPlace): Extension {
  const insee: Extension = { url: INSEE_CODE_URL, valueCoding: coding(COG_COMMUNE_SYSTEM, place.cog, place.name) }
  return {
    url: BIRTH_PLACE_URL,
    valueAddress: bornAbroad(place)
      ? { extension: [insee], country: place.country }
      : { extension: [insee], city: place.name, country: place.country },
  }
}

function reliabilityExtension(status: IdentityStatus, validatedOn: string): Extension {
  const parts: Extension[] = [{ url: 'identityStatus', valueCoding: coding(IDENTITY_STATUS_SYSTEM, status, STATUS_DISPLAY[status]) }]
  // VALI and QUAL mean an identity document was checked (RNIV criterion C): record when.
  if (status === 'VALI' || status === 'QUAL') parts.push({ url: 'validationDate', valueDate: validatedOn })
  return { url: IDENTITY_RELIABILITY_URL, extension: parts }
}

/** Security labels and tags, also copied onto the patient's clinical resources. */
export function patientMeta(flags: PatientFlags): Meta | undefined {
  const security: Coding[] = []
  if (flags.restricted || flags.vip) security.push(coding(CONFIDENTIALITY_SYSTEM, 'R', 'restricted'))
  if (flags.vip) security.push(coding(ACT_CODE_SYSTEM, 'CELEB', 'celebrity'))
  const tag: Coding[] = flags.penitentiary ? [coding(PATIENT_CONTEXT_SYSTEM, 'penitentiaire', 'Personne détenue')] : []
  if (security.length === 0 && tag.length === 0) return undefined
  return { ...(security.length ? { security } : {}), ...(tag.length ? { tag } : {}) }
}

export interface PatientInput {
  id: string
  identity: Identity
  /** Matricule INS; absent for a PROV identity (RNIV: no INS without INSi retrieval). */
  ins?: string
  ipp: string
  firstSeenMs: number
  gpId?: string
  flags: PatientFlags
  rng: Rng
}

export function buildPatient(input: PatientInput): Patient {
  const { identity, rng } = input
  const identifiers: Identifier[] = [
    { use: 'usual', type: concept(HL7_IDENTIFIER_TYPE, 'PI', 'Patient internal identifier', 'IPP'), system: IPP_SYSTEM, value: input.ipp },
  ]
  if (input.ins) {
    identifiers.push({
      use: 'official',
      type: concept(FR_CORE_IDENTIFIER_TYPE, INS_NIR_TEST_TYPE, 'NIR de test', 'INS'),
      system: INS_NIR_TEST_SYSTEM,
      value: input.ins,
    })
  }
  const town = rng.pick(HOME_TOWNS)
  const meta = patientMeta(input.flags)
  return {
    resourceType: 'Patient',
    id: input.id,
    ...(meta ? { meta } : {}),
    extension: [reliabilityExtension(identity.status, date(input.firstSeenMs)), birthPlaceExtension(identity.birthPlace)],
    identifier: identifiers,
    active: true,
    name: names(identity),
    // 06 39 98 xx xx is a range ARCEP reserves for fiction.
    telecom: [{ system: 'phone', value: `06 39 98 ${String(rng.int(10, 99))} ${String(rng.int(10, 99))}`, use: 'mobile' }],
    gender: identity.sex,
    birthDate: identity.birthDate,
    address: [
      {
        use: 'home',
        type: 'both',
        line: [`${rng.int(1, 120)} ${rng.pick(STREETS)}`],
        city: town.city,
        postalCode: town.postalCode,
        country: 'FRA',
      },
    ],
    ...(input.gpId ? { generalPractitioner: [ref('Practitioner', input.gpId)] } : {}),
    managingOrganization: ref('Organization', ORGANIZATION_ID),
  }
}

