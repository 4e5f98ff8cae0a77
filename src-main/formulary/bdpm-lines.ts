/*
 * Validation of one line of each BDPM file (DOMAIN.md §6). A parser returns the row, or the French reason the
 * line is rejected. Trailing empty fields (ANSM files end some lines with a tab) are tolerated.
 */

export type Parsed<T> = { ok: true; row: T } | { ok: false; reason: string }

export interface SpecialityLine {
  cis: string
  denomination: string
  form: string
  routes: string
  ammStatus: string
  procedureType: string
  marketingStatus: string
  ammDate: string | null
  bdmStatus: string
  euAuthorisation: string
  holders: string
  reinforcedSurveillance: boolean
}

export interface CompositionLine {
  cis: string
  element: string
  substanceCode: string
  substanceName: string
  dosage: string
  dosageReference: string
  nature: 'SA' | 'FT'
  linkNo: number | null
}

export interface PresentationLine {
  cis: string
  cip7: string
  label: string
  status: string
  marketingStatus: string
  declaredOn: string | null
  cip13: string
  collectivities: string
  reimbursementRate: string
  price: string
}

export interface GenericLine {
  groupId: number
  groupLabel: string
  cis: string
  type: number
  sortNo: number
}

const CIS = /^\d{8}$/

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason }
}

/** Splits on tabs and drops trailing empty fields beyond `expected`. */
function fields(line: string, expected: number, atMost = expected): string[] | string {
  const parts = line.split('\t').map((part) => part.trim())
  while (parts.length > expected && parts.at(-1) === '') parts.pop()
  if (parts.length < expected || parts.length > atMost) {
    const range = atMost === expected ? `${expected}` : `${expected} à ${atMost}`
    return `${parts.length} champ(s) au lieu de ${range}`
  }
  return parts
}

/** dd/mm/yyyy → yyyy-mm-dd, checking that the day exists; '' → null. */
export function parseFrenchDate(text: string): string | null | undefined {
  if (text === '') return null
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text)
  if (!match) return undefined
  const [, day, month, year] = match
  const iso = `${year}-${month}-${day}`
  const date = new Date(`${iso}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso) ? iso : undefined
}

function checkCis(cis: string | undefined): string | null {
  return cis !== undefined && CIS.test(cis) ? null : `CIS invalide « ${cis ?? ''} » (8 chiffres attendus)`
}

export function parseSpecialityLine(line: string): Parsed<SpecialityLine> {
  const parts = fields(line, 12)
  if (typeof parts === 'string') return fail(parts)
  const [cis, denomination, form, routes, ammStatus, procedureType, marketingStatus, date, bdmStatus, eu, holders, watch] =
    parts as [string, string, string, string, string, string, string, string, string, string, string, string]
  const bad = checkCis(cis)
  if (bad) return fail(bad)
  if (denomination === '') return fail('dénomination vide')
  if (form === '') return fail('forme pharmaceutique vide')
  const ammDate = parseFrenchDate(date)
  if (ammDate === undefined) return fail(`date d'AMM invalide « ${date} » (jj/mm/aaaa attendu)`)
  if (watch !== 'Oui' && watch !== 'Non') return fail(`surveillance renforcée « ${watch} » (Oui ou Non attendu)`)
  return {
    ok: true,
    row: {
      cis, denomination, form, routes, ammStatus, procedureType, marketingStatus, ammDate, bdmStatus,
      euAuthorisation: eu, holders, reinforcedSurveillance: watch === 'Oui',
    },
  }
}

export function parseCompositionLine(line: string): Parsed<CompositionLine> {
  const parts = fields(line, 8)
  if (typeof parts === 'string') return fail(parts)
  const [cis, element, substanceCode, substanceName, dosage, dosageReference, nature, link] = parts as [
    string, string, string, string, string, string, string, string,
  ]
  const bad = checkCis(cis)
  if (bad) return fail(bad)
  if (substanceName === '') return fail('dénomination de la substance vide')
  if (nature !== 'SA' && nature !== 'FT') return fail(`nature « ${nature} » (SA ou FT attendu)`)
  if (link !== '' && !/^\d+$/.test(link)) return fail(`numéro de liaison invalide « ${link} »`)
  return {
    ok: true,
    row: { cis, element, substanceCode, substanceName, dosage, dosageReference, nature, linkNo: link === '' ? null : Number(link) },
  }
}

export function parsePresentationLine(line: string): Parsed<PresentationLine> {
  // Ten columns at least; ANSM has added columns over the years (prices, reimbursement indications).
  const parts = fields(line, 10, 13)
  if (typeof parts === 'string') return fail(parts)
  const [cis, cip7, label, status, marketingStatus, date, cip13, collectivities, rate, price] = parts as [
    string, string, string, string, string, string, string, string, string, string,
  ]
  const bad = checkCis(cis)
  if (bad) return fail(bad)
  if (!/^\d{7}$/.test(cip7)) return fail(`CIP7 invalide « ${cip7} » (7 chiffres attendus)`)
  if (!/^\d{13}$/.test(cip13)) return fail(`CIP13 invalide « ${cip13} » (13 chiffres attendus)`)
  const declaredOn = parseFrenchDate(date)
  if (declaredOn === undefined) return fail(`date de déclaration invalide « ${date} » (jj/mm/aaaa attendu)`)
  return {
    ok: true,
    row: { cis, cip7, label, status, marketingStatus, declaredOn, cip13, collectivities, reimbursementRate: rate, price },
  }
}

export function parseGenericLine(line: string): Parsed<GenericLine> {
  const parts = fields(line, 5)
  if (typeof parts === 'string') return fail(parts)
  const [group, groupLabel, cis, type, sort] = parts as [string, string, string, string, string]
  if (!/^\d+$/.test(group)) return fail(`identifiant de groupe générique invalide « ${group} »`)
  const bad = checkCis(cis)
  if (bad) return fail(bad)
  if (!/^[0124]$/.test(type)) return fail(`type de générique « ${type} » (0, 1, 2 ou 4 attendu)`)
  if (!/^\d+$/.test(sort)) return fail(`numéro de tri invalide « ${sort} »`)
  return { ok: true, row: { groupId: Number(group), groupLabel, cis, type: Number(type), sortNo: Number(sort) } }
}
