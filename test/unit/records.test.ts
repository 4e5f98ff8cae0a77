import type { PractitionerRole, Resource } from '@medplum/fhirtypes'
import { describe, expect, it } from 'vitest'
import type { CentralClient } from '../../src-main/central/types'
import type { SessionUser } from '../../src-main/contract'
import { createMemoryLogger } from '../../src-main/log'
import { cim10, createCim10Index, parseCim10 } from '../../src-main/records/cim10'
import { allergyResource, conditionResource, provenanceOf, type RecordAuthor } from '../../src-main/records/fhir'
import { SUPERVISOR_EXTENSION, supervisorOf } from '../../src-main/records/supervisor'
import { noteResources } from '../../src-main/store/cache'

describe('the bundled CIM-10 list', () => {
  const index = cim10()

  it('holds a few hundred codes, each once, with French labels', () => {
    expect(index.size).toBeGreaterThanOrEqual(200)
    expect(index.byCode('I50.9')).toEqual({ code: 'I50.9', label: 'Insuffisance cardiaque, sans précision' })
    expect(index.byCode('Z82.4')?.label).toMatch(/^Antécédents familiaux/)
  })

  it('finds by label prefix, ignoring accents and case', () => {
    expect(index.search('insuf card').map((e) => e.code)).toEqual(['I11.0', 'I50.0', 'I50.9'])
    expect(index.search('EMBOLIE pulm')[0]).toMatchObject({ code: 'I26.9' })
    // "Œdème", "hémorragie" typed without accents or ligature.
    expect(index.search('oedeme').map((e) => e.code)).toContain('J81')
    expect(index.search('hemorragie intracer').map((e) => e.code)).toEqual(['I61.9'])
    expect(index.search('zzz')).toEqual([])
  })

  it('finds by code prefix, with or without the dot, codes first', () => {
    expect(index.search('I50').map((e) => e.code)).toEqual(['I50.0', 'I50.1', 'I50.9'])
    expect(index.search('i509').map((e) => e.code)).toEqual(['I50.9'])
    expect(index.search('J96.1')[0]?.code).toBe('J96.1')
    expect(index.search('e', 5)).toHaveLength(5)
  })

  it('refuses a malformed line of the file', () => {
    expect(() => parseCim10('I50.9\tInsuffisance cardiaque\nnot a code\tx\n')).toThrow(/line 2/)
    expect(createCim10Index(parseCim10('A46\tÉrysipèle\n')).search('erys')).toEqual([{ code: 'A46', label: 'Érysipèle' }])
  })
})

const senior = 'pra-medecin'
const intern: RecordAuthor = { practitionerId: 'pra-interne', displayName: 'Gaël LE GOFF', role: 'interne', onBehalfOf: senior }
const doctor: RecordAuthor = { practitionerId: 'pra-medecin', displayName: 'Cécile MARCHAND', role: 'medecin', onBehalfOf: null }

describe('Provenance of a write', () => {
  it('names the supervising senior as onBehalfOf for an interne', () => {
    const provenance = provenanceOf('urn:uuid:1', '2026-11-23T08:00:00.000Z', intern, 'CREATE')
    expect(provenance.agent).toEqual([
      expect.objectContaining({ who: { reference: 'Practitioner/pra-interne', display: 'Gaël LE GOFF' }, onBehalfOf: { reference: `Practitioner/${senior}` } }),
    ])
    expect(provenance.target).toEqual([{ reference: 'urn:uuid:1' }])
  })

  it('names nobody else for a senior, even if asked to', () => {
    const provenance = provenanceOf('urn:uuid:1', '2026-11-23T08:00:00.000Z', { ...doctor, onBehalfOf: 'pra-other' }, 'UPDATE')
    expect(provenance.agent[0]?.onBehalfOf).toBeUndefined()
    expect(provenance.activity?.coding?.[0]?.code).toBe('UPDATE')
  })

  it('carries onBehalfOf on an interne’s note too', () => {
    const { provenance } = noteResources({ patientId: 'pat-1', kind: 'observation', text: 'RAS' }, 'k', {
      encounterId: null,
      writtenAt: '2026-11-23T08:00:00.000Z',
      author: { practitionerId: 'pra-interne', displayName: 'Gaël LE GOFF', role: 'interne', onBehalfOf: senior },
      compositionUrl: 'urn:uuid:2',
    })
    expect(provenance.agent[0]?.onBehalfOf).toEqual({ reference: `Practitioner/${senior}` })
  })
})

describe('FHIR shapes of the records', () => {
  it('codes a familial antécédent in CIM-10 with its kind as a second category', () => {
    const condition = conditionResource({
      patientId: 'pat-1',
      encounterId: 'enc-1',
      kind: 'antecedent-familial',
      code: { code: 'Z82.4', label: 'Antécédents familiaux de cardiopathie ischémique et d’autres maladies de l’appareil circulatoire' },
      text: 'Père : infarctus à 50 ans',
      clinicalStatus: 'active',
      recordedAt: '2026-11-23T08:00:00.000Z',
      author: doctor,
      writeId: 'w-cond',
    })
    expect(condition.code?.coding?.[0]).toMatchObject({ system: 'http://hl7.org/fhir/sid/icd-10', code: 'Z82.4' })
    expect(condition.category?.map((c) => c.coding?.[0]?.code)).toEqual(['problem-list-item', 'antecedent-familial'])
    // A history item belongs to the patient, not to this stay.
    expect(condition.encounter).toBeUndefined()
  })

  it('codes a formulary substance, keeps free text as text', () => {
    const base = { patientId: 'pat-1', encounterId: null, type: 'allergy' as const, clinicalStatus: 'active', verificationStatus: 'confirmed', recordedAt: '2026-11-23T08:00:00.000Z', author: doctor, writeId: 'w' }
    const fromFormulary = allergyResource({ ...base, substance: 'amoxicilline', fromFormulary: true, manifestation: 'Urticaire', severity: 'mild' })
    expect(fromFormulary.code?.coding?.[0]?.code).toBe('AMOXICILLINE')
    expect(fromFormulary.category).toEqual(['medication'])
    expect(fromFormulary.reaction?.[0]).toEqual({ manifestation: [{ text: 'Urticaire' }], severity: 'mild' })
    const free = allergyResource({ ...base, substance: 'Pollen de bouleau', fromFormulary: false })
    expect(free.code).toEqual({ text: 'Pollen de bouleau' })
    expect(free.reaction).toBeUndefined()
  })
})

/** A central that only answers PractitionerRole searches from a list (the directory). */
function directory(roles: PractitionerRole[]): CentralClient & { calls: number } {
  const fake = {
    calls: 0,
    baseUrl: 'http://127.0.0.1:1/fhir',
    async search(_type: string, params: Record<string, string>) {
      fake.calls++
      const resources = roles.filter(
        (r) =>
          (!params.practitioner || r.practitioner?.reference === params.practitioner) &&
          (!params.location || (r.location ?? []).some((l) => l.reference === params.location)),
      )
      return { resources: resources as Resource[], included: [], total: resources.length, next: null }
    },
  }
  return fake as unknown as CentralClient & { calls: number }
}

const roleOf = (id: string, practitioner: string, role: string, extra: Partial<PractitionerRole> = {}): PractitionerRole => ({
  resourceType: 'PractitionerRole',
  id,
  practitioner: { reference: `Practitioner/${practitioner}` },
  code: [{ coding: [{ system: 'https://chevet.example/fhir/CodeSystem/role', code: role }] }],
  location: [{ reference: 'Location/loc-cardio' }],
  ...extra,
})

const internUser: SessionUser = { idNat: '8x', practitionerId: 'pra-interne', displayName: 'Gaël LE GOFF', role: 'interne', units: [{ id: 'loc-cardio', name: 'Cardiologie' }] }

describe('the supervising senior of an interne', () => {
  it('is the one the interne’s PractitionerRole names, asked once per session', async () => {
    const central = directory([
      roleOf('prr-a', 'pra-a', 'medecin'),
      roleOf('prr-interne', 'pra-interne', 'interne', { extension: [{ url: SUPERVISOR_EXTENSION, valueReference: { reference: 'Practitioner/pra-medecin' } }] }),
    ])
    const user = { ...internUser }
    expect(await supervisorOf(user, central, createMemoryLogger())).toBe('pra-medecin')
    const calls = central.calls
    expect(await supervisorOf(user, central, createMemoryLogger())).toBe('pra-medecin')
    expect(central.calls).toBe(calls)
  })

  it('is otherwise the first senior of the interne’s unit; nobody for a senior', async () => {
    const central = directory([roleOf('prr-z', 'pra-z', 'medecin'), roleOf('prr-b', 'pra-b', 'medecin'), roleOf('prr-n', 'pra-n', 'infirmier'), roleOf('prr-interne', 'pra-interne', 'interne')])
    expect(await supervisorOf({ ...internUser }, central, createMemoryLogger())).toBe('pra-b')
    expect(await supervisorOf({ ...internUser, role: 'medecin' }, central, createMemoryLogger())).toBeNull()
  })

  it('is unknown, and said so in the log, when the central does not answer', async () => {
    const log = createMemoryLogger()
    const central = { baseUrl: 'x', search: () => Promise.reject(new Error('offline')) } as unknown as CentralClient
    expect(await supervisorOf({ ...internUser }, central, log)).toBeNull()
    expect(log.lines.map((l) => l.event)).toContain('records.supervisor.unreachable')
  })
})
