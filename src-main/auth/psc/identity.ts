import { z } from 'zod'
import type { Role } from '../../contract'
import { EcpsError } from './errors'

/**
 * The professional as Pro Santé Connect's userinfo describes them (DOMAIN.md §1.3): SubjectNameID is the national
 * id (idNat_PS, or an EDIT test id such as ANS2023…), SubjectRefPro lists the "exercices" (one per profession)
 * with their "activities" (one per place of work). PSC sends empty strings for missing values; they become null.
 *
 * This identity says who signed in at PSC. The role and the units the workstation works with come from the
 * central (its token response), as for a card: `role` here is only what the profession suggests.
 */

export interface EcpsEstablishment {
  name: string | null
  /** FINESS of the site (entité géographique). */
  finess: string | null
  /** FINESS of the legal entity. */
  finessLegal: string | null
  siret: string | null
  /** PSC's technical structure id (e.g. `F` + FINESS, `R` + number). */
  structureId: string | null
}

export interface EcpsActivity {
  /** codeRole (TRE_R21 fonction), codeModeExercice (L libéral, S salarié…), codeSecteurDactivite (TRE_R02). */
  roleCode: string | null
  modeCode: string | null
  sectorCode: string | null
  establishment: EcpsEstablishment | null
}

export interface EcpsExercice {
  /** TRE_G15 code (10 médecin, 21 pharmacien, 60 infirmier…) and its label when Chevet knows it. */
  professionCode: string | null
  profession: string | null
  categoryCode: string | null
  givenName: string | null
  familyName: string | null
  /** Specialty (codeTypeSavoirFaire + codeSavoirFaire), when given. */
  specialty: { type: string | null; code: string } | null
  activities: EcpsActivity[]
}

export interface EcpsIdentity {
  idNat: string
  /** PSC's `sub` (its own id for the account, not the idNat). */
  subject: string
  givenName: string | null
  familyName: string | null
  displayName: string
  exercices: EcpsExercice[]
  /** The Chevet role the first known profession suggests; null when none does. */
  role: Role | null
  /** The place of work of the first activity that names one. */
  establishment: EcpsEstablishment | null
}

/** TRE_G15 codes seen in DOMAIN.md §1.3 (50, 60, 69 confirmed in ANS terminology; 10, 21, 70, 80 third-party). */
const PROFESSIONS: Readonly<Record<string, { label: string; role: Role | null }>> = {
  '10': { label: 'Médecin', role: 'medecin' },
  '21': { label: 'Pharmacien', role: 'pharmacien' },
  '50': { label: 'Sage-femme', role: 'sage-femme' },
  '60': { label: 'Infirmier', role: 'infirmier' },
  '69': { label: 'Infirmier psychiatrique', role: 'infirmier' },
  '70': { label: 'Masseur-kinésithérapeute', role: null },
  '80': { label: 'Pédicure-podologue', role: null },
}

/** idNat_PS forms (8+RPPS, 0+ADELI, 3+FINESS/local id…) and EDIT test ids; also what the central searches by. */
const ID_NAT = /^[0-9A-Za-z/-]{1,64}$/

// `.optional()` first: zod 4 counts a missing key as an error for a plain z.unknown().
const text = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' ? value.trim().slice(0, 300) : typeof value === 'number' ? String(value) : ''))
  .transform((value) => (value === '' ? null : value))

const Activity = z.object({
  codeRole: text,
  codeModeExercice: text,
  codeSecteurDactivite: text,
  raisonSocialeSite: text,
  enseigneCommercialeSite: text,
  numeroFinessSite: text,
  numeroFinessetablissementJuridique: text,
  numeroSiretSite: text,
  identifiantTechniqueDeLaStructure: text,
})

const list = <T extends z.ZodType>(item: T) =>
  z
    .unknown()
    .optional()
    .transform((value) => (Array.isArray(value) ? value.slice(0, 50) : []))
    .pipe(z.array(z.unknown()))
    .transform((values) => values.flatMap((value) => {
      const parsed = item.safeParse(value)
      return parsed.success ? [parsed.data as z.output<T>] : []
    }))

const Exercice = z
  .object({
    codeProfession: text,
    codeCategorieProfessionnelle: text,
    prenomDexercice: text,
    nomDexercice: text,
    codeTypeSavoirFaire: text,
    codeSavoirFaire: text,
    // The BAS fixture spells it `activities`; accept the French spelling too until real responses are seen.
    activities: list(Activity),
    activites: list(Activity),
  })

/** Keycloak mappers sometimes deliver a JSON attribute as a string: both forms are read. */
const SubjectRefPro = z
  .unknown()
  .transform((value) => {
    if (typeof value !== 'string') return value
    try {
      return JSON.parse(value) as unknown
    } catch {
      return null
    }
  })
  .pipe(z.object({ exercices: list(Exercice) }).nullable().catch(null))

const UserInfo = z.object({
  sub: z.string().min(1).max(300),
  SubjectNameID: text,
  preferred_username: text,
  given_name: text,
  family_name: text,
  SubjectRefPro: SubjectRefPro.optional(),
})

function establishmentOf(activity: z.output<typeof Activity>): EcpsEstablishment | null {
  const establishment: EcpsEstablishment = {
    name: activity.raisonSocialeSite ?? activity.enseigneCommercialeSite,
    finess: activity.numeroFinessSite,
    finessLegal: activity.numeroFinessetablissementJuridique,
    siret: activity.numeroSiretSite,
    structureId: activity.identifiantTechniqueDeLaStructure,
  }
  return Object.values(establishment).some((value) => value !== null) ? establishment : null
}

function exerciceOf(exercice: z.output<typeof Exercice>): EcpsExercice {
  const known = exercice.codeProfession ? PROFESSIONS[exercice.codeProfession] : undefined
  return {
    professionCode: exercice.codeProfession,
    profession: known?.label ?? null,
    categoryCode: exercice.codeCategorieProfessionnelle,
    givenName: exercice.prenomDexercice,
    familyName: exercice.nomDexercice,
    specialty: exercice.codeSavoirFaire ? { type: exercice.codeTypeSavoirFaire, code: exercice.codeSavoirFaire } : null,
    activities: [...exercice.activities, ...exercice.activites].map((activity) => ({
      roleCode: activity.codeRole,
      modeCode: activity.codeModeExercice,
      sectorCode: activity.codeSecteurDactivite,
      establishment: establishmentOf(activity),
    })),
  }
}

/**
 * PSC userinfo → the professional. Throws EcpsError USERINFO_INVALID when no usable national id is there: without
 * it the central cannot say who this is. SubjectNameID is the documented id; preferred_username carries the same
 * value in PSC's responses and is read when SubjectNameID is missing.
 */
export function mapPscUserInfo(userinfo: unknown): EcpsIdentity {
  const parsed = UserInfo.safeParse(userinfo)
  if (!parsed.success) throw new EcpsError('USERINFO_INVALID', 'sub')
  const info = parsed.data
  const idNat = info.SubjectNameID ?? info.preferred_username
  if (!idNat || !ID_NAT.test(idNat)) throw new EcpsError('USERINFO_INVALID', 'SubjectNameID')

  const exercices = (info.SubjectRefPro?.exercices ?? []).map(exerciceOf)
  const first = exercices[0]
  const givenName = info.given_name ?? first?.givenName ?? null
  const familyName = info.family_name ?? first?.familyName ?? null
  const role = exercices.map((e) => (e.professionCode ? PROFESSIONS[e.professionCode]?.role : null)).find((r) => r) ?? null
  const establishment = exercices.flatMap((e) => e.activities).find((a) => a.establishment)?.establishment ?? null

  return {
    idNat,
    subject: info.sub,
    givenName,
    familyName,
    displayName: [givenName, familyName].filter(Boolean).join(' ') || idNat,
    exercices,
    role,
    establishment,
  }
}
