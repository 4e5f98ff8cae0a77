import type { Extension, HumanName, Identifier, Patient } from '@medplum/fhirtypes'
import type { IdentityStatus } from '../../contract'
import { fold, nameTokens } from './fold'

/** INS-NIR (production) and INS-NIR-TEST (training, FR Core slice) OIDs, and the INS-NIA one. */
export const INS_SYSTEMS: ReadonlySet<string> = new Set([
  'urn:oid:1.2.250.1.213.1.4.8',
  'urn:oid:1.2.250.1.213.1.4.9',
  'urn:oid:1.2.250.1.213.1.4.10',
])
const INS_TYPE_CODES: ReadonlySet<string> = new Set(['INS-NIR', 'INS-NIA', 'INS-NIR-TEST', 'INS-NIA-TEST'])
const IDENTITY_RELIABILITY = '/StructureDefinition/fr-core-identity-reliability'
const STATUSES: ReadonlySet<string> = new Set(['PROV', 'RECUP', 'VALI', 'QUAL'])

/** Matricule INS: sex, year, month, birthplace (2A/2B in Corsica), order, key; written with spaces or dots. */
const INS15 = /^[1-478]\d{4}(?:\d{2}|2A|2B)\d{6}\d{2}$/

export function normalizeIns(text: string): string | null {
  const compact = text.replace(/[\s.]/g, '').toUpperCase()
  return INS15.test(compact) ? compact : null
}

export interface PatientTraits {
  identityStatus: IdentityStatus | null
  ins: string | null
  insOid: string | null
  ipp: string | null
  familyName: string
  givenName: string
  birthFamilyName: string | null
  birthGivenNames: string | null
  sex: 'male' | 'female' | 'other' | 'unknown'
  birthDate: string | null
  sortKey: string
  tokens: string[]
}

function identityStatus(extensions: Extension[] | undefined): IdentityStatus | null {
  const reliability = extensions?.find((e) => e.url?.endsWith(IDENTITY_RELIABILITY))
  const code = reliability?.extension?.find((e) => e.url === 'identityStatus')?.valueCoding?.code
  return code && STATUSES.has(code) ? (code as IdentityStatus) : null
}

function insOf(identifiers: Identifier[]): { ins: string; oid: string } | null {
  for (const identifier of identifiers) {
    const typed = identifier.type?.coding?.some((c) => c.code && INS_TYPE_CODES.has(c.code)) ?? false
    if (!identifier.value || !identifier.system || !(INS_SYSTEMS.has(identifier.system) || typed)) continue
    const ins = normalizeIns(identifier.value)
    if (ins) return { ins, oid: identifier.system }
  }
  return null
}

/** The IPP: the identifier typed PI (HL7 v2-0203), else one whose system names an IPP. */
function ippOf(identifiers: Identifier[]): string | null {
  const typed = identifiers.find((i) => i.value && i.type?.coding?.some((c) => c.code === 'PI'))
  return (typed ?? identifiers.find((i) => i.value && /ipp/i.test(i.system ?? '')))?.value ?? null
}

function pick(names: HumanName[], use: HumanName['use']): HumanName | undefined {
  return names.find((n) => n.use === use && (n.family || n.given?.length))
}

function birthListGivenNames(name: HumanName | undefined): string | null {
  const list = name?.extension?.find((e) => e.url?.endsWith('birth-list-given-name'))?.valueString
  return list ?? (name?.given?.length ? name.given.join(' ') : null)
}

/**
 * What the cache keeps of a Patient outside its JSON: INS traits (RNIV), the names the ward uses, and the
 * folded search tokens of every name (usage and birth names, all given names).
 */
export function patientTraits(patient: Patient): PatientTraits {
  const names = patient.name ?? []
  const official = pick(names, 'official') ?? names[0]
  const usual = pick(names, 'usual') ?? official
  const identifiers = patient.identifier ?? []
  const ins = insOf(identifiers)
  const familyName = usual?.family ?? official?.family ?? ''
  const givenName = usual?.given?.[0] ?? official?.given?.[0] ?? ''
  const birthFamilyName = official?.family ?? null
  const tokens = new Set<string>()
  for (const name of names) {
    for (const part of [name.family, ...(name.given ?? []), name.text]) {
      if (part) for (const token of nameTokens(part)) tokens.add(token)
    }
  }
  const birthList = birthListGivenNames(official)
  if (birthList) for (const token of nameTokens(birthList)) tokens.add(token)
  const gender = patient.gender
  return {
    identityStatus: identityStatus(patient.extension),
    ins: ins?.ins ?? null,
    insOid: ins?.oid ?? null,
    ipp: ippOf(identifiers),
    familyName,
    givenName,
    birthFamilyName,
    birthGivenNames: birthList,
    sex: gender === 'male' || gender === 'female' || gender === 'other' ? gender : 'unknown',
    birthDate: patient.birthDate ?? null,
    sortKey: `${fold(familyName)}\u0001${fold(givenName)}`,
    tokens: [...tokens],
  }
}
