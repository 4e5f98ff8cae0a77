import { describe, expect, it } from 'vitest'
import { EcpsError, mapPscUserInfo } from '../../src-main/auth/psc'

// Pro Santé Connect userinfo → the professional (DOMAIN.md §1.3). The first fixture has the shape of the bac-à-sable
// identity documented there (EDIT test id, a podiatrist in a private practice, empty strings for missing values);
// names and places are invented.

function activity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    codeModeExercice: 'L',
    codeSecteurDactivite: 'SA07',
    codeSectionPharmacien: '',
    codeRole: '',
    codeGenreActivite: 'GENR01',
    numeroSiretSite: '',
    numeroSirenSite: '',
    numeroFinessSite: '',
    numeroFinessetablissementJuridique: '',
    identifiantTechniqueDeLaStructure: 'R10042',
    raisonSocialeSite: 'CABINET DE PODOLOGIE DU PONT',
    enseigneCommercialeSite: '',
    codePostal: '45000',
    codePays: '99000',
    ancienIdentifiantDeLaStructure: '499700111111007',
    autoriteDenregistrement: 'CNOPP/CNOPP/CNOPP',
    ...overrides,
  }
}

function exercice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    codeProfession: '80',
    codeCategorieProfessionnelle: 'C',
    codeCiviliteDexercice: '',
    nomDexercice: 'Vasseur',
    prenomDexercice: 'Aurèle',
    codeTypeSavoirFaire: '',
    codeSavoirFaire: '',
    activities: [activity()],
    ...overrides,
  }
}

function sandboxUserInfo(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: 'f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20240301101500',
    preferred_username: 'ANS20240301101500',
    SubjectNameID: 'ANS20240301101500',
    given_name: 'Aurèle',
    family_name: 'Vasseur',
    codeCivilite: 'M',
    SubjectOrganization: 'CABINET DE PODOLOGIE DU PONT',
    SubjectOrganizationID: 'R10042',
    SubjectRole: ['80^1.2.250.1.213.1.1.5.5'],
    Secteur_Activite: 'SA07^1.2.250.1.71.4.2.4',
    Palier_Authentification: 'APPPRIP3^1.2.250.1.213.1.5.1.1.1',
    otherIds: [{ identifiant: 'ANS20240301101500', origine: 'EDIT', qualite: 1 }],
    SubjectRefPro: { exercices: [exercice()] },
    ...overrides,
  }
}

function refusal(userinfo: unknown): EcpsError {
  try {
    mapPscUserInfo(userinfo)
  } catch (error) {
    if (error instanceof EcpsError) return error
    throw error
  }
  throw new Error('mapped without refusal')
}

describe('Pro Santé Connect userinfo mapping', () => {
  it('maps the bac-à-sable identity: idNat, names, profession, place of work; empty strings become null', () => {
    expect(mapPscUserInfo(sandboxUserInfo())).toEqual({
      idNat: 'ANS20240301101500',
      subject: 'f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:ANS20240301101500',
      givenName: 'Aurèle',
      familyName: 'Vasseur',
      displayName: 'Aurèle Vasseur',
      role: null,
      establishment: {
        name: 'CABINET DE PODOLOGIE DU PONT',
        finess: null,
        finessLegal: null,
        siret: null,
        structureId: 'R10042',
      },
      exercices: [
        {
          professionCode: '80',
          profession: 'Pédicure-podologue',
          categoryCode: 'C',
          givenName: 'Aurèle',
          familyName: 'Vasseur',
          specialty: null,
          activities: [
            {
              roleCode: null,
              modeCode: 'L',
              sectorCode: 'SA07',
              establishment: expect.objectContaining({ name: 'CABINET DE PODOLOGIE DU PONT', structureId: 'R10042' }),
            },
          ],
        },
      ],
    })
  })

  it('suggests the Chevet role of a hospital doctor and gives the establishment’s FINESS and specialty', () => {
    const identity = mapPscUserInfo(
      sandboxUserInfo({
        SubjectNameID: '810001234567',
        SubjectRefPro: {
          exercices: [
            exercice({
              codeProfession: '10',
              codeTypeSavoirFaire: 'S',
              codeSavoirFaire: 'SM04',
              activities: [
                activity({
                  codeModeExercice: 'S',
                  codeSecteurDactivite: 'SA01',
                  numeroFinessSite: '990000010',
                  numeroFinessetablissementJuridique: '990000002',
                  raisonSocialeSite: 'CENTRE HOSPITALIER DE FORMATION',
                  codeRole: 'FON-05',
                }),
              ],
            }),
          ],
        },
      }),
    )
    expect(identity.idNat).toBe('810001234567')
    expect(identity.role).toBe('medecin')
    expect(identity.exercices[0]).toMatchObject({ profession: 'Médecin', specialty: { type: 'S', code: 'SM04' } })
    expect(identity.exercices[0]?.activities[0]).toMatchObject({ roleCode: 'FON-05', modeCode: 'S', sectorCode: 'SA01' })
    expect(identity.establishment).toMatchObject({ name: 'CENTRE HOSPITALIER DE FORMATION', finess: '990000010', finessLegal: '990000002' })
  })

  it.each([
    ['60', 'infirmier'],
    ['69', 'infirmier'],
    ['21', 'pharmacien'],
    ['50', 'sage-femme'],
    ['70', null],
    ['99', null],
  ])('maps profession %s to role %s', (code, role) => {
    const identity = mapPscUserInfo(sandboxUserInfo({ SubjectRefPro: { exercices: [exercice({ codeProfession: code })] } }))
    expect(identity.role).toBe(role)
  })

  it('takes the role of the first known profession and the first place of work that names one', () => {
    const identity = mapPscUserInfo(
      sandboxUserInfo({
        SubjectRefPro: {
          exercices: [
            exercice({ codeProfession: '80', activities: [activity({ raisonSocialeSite: '', identifiantTechniqueDeLaStructure: '' })] }),
            exercice({ codeProfession: '60', activities: [activity({ raisonSocialeSite: 'CLINIQUE DES LILAS', numeroFinessSite: '450000001' })] }),
          ],
        },
      }),
    )
    expect(identity.role).toBe('infirmier')
    expect(identity.exercices).toHaveLength(2)
    // The first activity names nothing at all (only codes): no establishment there.
    expect(identity.exercices[0]?.activities[0]?.establishment).toBeNull()
    expect(identity.establishment).toMatchObject({ name: 'CLINIQUE DES LILAS', finess: '450000001' })
  })

  it('reads SubjectRefPro given as a JSON string, and the French spelling « activites »', () => {
    const asString = mapPscUserInfo(sandboxUserInfo({ SubjectRefPro: JSON.stringify({ exercices: [exercice()] }) }))
    expect(asString.exercices[0]?.profession).toBe('Pédicure-podologue')
    const french = mapPscUserInfo(sandboxUserInfo({ SubjectRefPro: { exercices: [exercice({ activities: undefined, activites: [activity()] })] } }))
    expect(french.exercices[0]?.activities).toHaveLength(1)
  })

  it.each([
    ['absent', undefined],
    ['a number', 42],
    ['broken JSON', '{"exercices": ['],
    ['exercices not a list', { exercices: 'médecin' }],
  ])('keeps the identity when SubjectRefPro is %s, without exercices', (_label, value) => {
    const identity = mapPscUserInfo(sandboxUserInfo({ SubjectRefPro: value }))
    expect(identity).toMatchObject({ idNat: 'ANS20240301101500', exercices: [], role: null, establishment: null })
  })

  it('skips exercices and activities that are not objects', () => {
    const identity = mapPscUserInfo(sandboxUserInfo({ SubjectRefPro: { exercices: ['x', null, exercice({ activities: [7, activity()] })] } }))
    expect(identity.exercices).toHaveLength(1)
    expect(identity.exercices[0]?.activities).toHaveLength(1)
  })

  it('falls back on preferred_username for the idNat, and on the exercice’s names for the display name', () => {
    const identity = mapPscUserInfo(sandboxUserInfo({ SubjectNameID: '', given_name: undefined, family_name: '' }))
    expect(identity).toMatchObject({ idNat: 'ANS20240301101500', givenName: 'Aurèle', familyName: 'Vasseur', displayName: 'Aurèle Vasseur' })
    const bare = mapPscUserInfo({ sub: 'f:x:810001234567', SubjectNameID: '810001234567' })
    expect(bare).toMatchObject({ displayName: '810001234567', givenName: null, exercices: [] })
  })

  it('keeps a CPE-style idNat (3 + FINESS / local number)', () => {
    expect(mapPscUserInfo(sandboxUserInfo({ SubjectNameID: '3990000010/SEC01' })).idNat).toBe('3990000010/SEC01')
  })

  it.each([
    ['no national id at all', sandboxUserInfo({ SubjectNameID: undefined, preferred_username: undefined }), 'SubjectNameID'],
    ['a national id that would change a FHIR search', sandboxUserInfo({ SubjectNameID: '81000|1234' }), 'SubjectNameID'],
    ['a national id with a comma', sandboxUserInfo({ SubjectNameID: '810001234567,810009999999' }), 'SubjectNameID'],
    ['no sub', sandboxUserInfo({ sub: undefined }), 'sub'],
    ['not an object', 'ANS20240301101500', 'sub'],
  ])('refuses a userinfo with %s (USERINFO_INVALID, French message)', (_label, userinfo, detail) => {
    const error = refusal(userinfo)
    expect(error.code).toBe('USERINFO_INVALID')
    expect(error.detail).toBe(detail)
    expect(error.message).toMatch(/^Les informations du professionnel renvoyées par Pro Santé Connect sont inutilisables/)
  })

  it('bounds long values', () => {
    const identity = mapPscUserInfo(sandboxUserInfo({ given_name: 'A'.repeat(10_000) }))
    expect(identity.givenName).toHaveLength(300)
  })
})
