import type { Bundle, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCentralClient } from '../../src-main/central/client'
import { CentralError, type CentralClient } from '../../src-main/central/types'
import { startFhirServer, type AccessDecision, type FhirServer } from '../../src-main/training/fhir-server'

// The client against the REAL training central (medplum behind our HTTP server) on 127.0.0.1, with a few
// French fixtures: one cardiology unit, patients with accented names staying there, their vital signs.

const INS_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8'
const OBSERVATION_COUNT = 23

async function authorize(req: { headers: Record<string, unknown> }): Promise<AccessDecision> {
  return req.headers.authorization === 'Bearer test-token'
    ? { ok: true, user: { id: 'pr-test', units: ['Location/unit-cardio'], role: 'medecin' } }
    : { ok: false, status: 401, reason: 'unknown token' }
}

function patient(id: string, family: string, given: string, birthDate: string, ins: string): Patient {
  return { resourceType: 'Patient', id, identifier: [{ system: INS_SYSTEM, value: ins }], name: [{ use: 'official', family, given: [given] }], birthDate }
}

function stay(id: string, patientId: string, location: string, status: Encounter['status']): Encounter {
  return {
    resourceType: 'Encounter',
    id,
    status,
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-18T10:00:00+01:00' },
    location: [{ location: { reference: `Location/${location}` }, status: 'active' }],
  }
}

function heartRate(patientId: string, value: number, index = 0): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Fréquence cardiaque' }], text: 'Fréquence cardiaque' },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: `2026-11-20T${String(8 + (index % 12)).padStart(2, '0')}:00:00+01:00`,
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  }
}

const FIXTURES: Resource[] = [
  { resourceType: 'Location', id: 'unit-cardio', name: 'Cardiologie', mode: 'instance' },
  { resourceType: 'Location', id: 'unit-pedia', name: 'Pédiatrie', mode: 'instance' },
  patient('p-helene', 'DURAND', 'Hélène', '1948-03-12', '248037512345678'),
  patient('p-francois', 'LEFÈVRE', 'Jean-François', '1951-07-01', '151072A12345690'),
  patient('p-zoe', 'BÉRANGER', 'Zoé', '2022-05-30', '222057512345612'),
  stay('enc-helene', 'p-helene', 'unit-cardio', 'in-progress'),
  stay('enc-francois', 'p-francois', 'unit-cardio', 'in-progress'),
  stay('enc-zoe', 'p-zoe', 'unit-pedia', 'in-progress'),
  ...Array.from({ length: OBSERVATION_COUNT }, (_, i) => ({ ...heartRate('p-helene', 60 + i, i), id: `obs-helene-${i}` })),
]

let server: FhirServer
let central: CentralClient

beforeAll(async () => {
  server = await startFhirServer({ host: '127.0.0.1', authorize })
  await server.load(FIXTURES)
  central = createCentralClient({ baseUrl: server.url, token: async () => 'test-token', backoffMs: 10 })
})

afterAll(async () => {
  await server?.close()
})

async function failure(promise: Promise<unknown>): Promise<CentralError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CentralError)
  return error as CentralError
}

describe('central client against the training central', () => {
  it('pings, reads a patient with their accents intact, and maps refusals', async () => {
    await central.ping()
    const helene = await central.read<Patient>('Patient', 'p-helene')
    expect(helene.name?.[0]).toMatchObject({ family: 'DURAND', given: ['Hélène'] })
    expect((await failure(central.read('Patient', 'p-zoe'))).code).toBe('FORBIDDEN') // another unit's patient
    expect((await failure(central.read('Patient', 'nobody'))).code).toBe('NOT_FOUND')
  })

  it('searches one page with includes, then every page by following next links', async () => {
    const byName = await central.search<Patient>('Patient', { name: 'jean-francois lefevre' })
    expect(byName.resources.map((p) => p.id)).toEqual(['p-francois'])

    const first = await central.search<Observation>('Observation', { patient: 'p-helene', _count: '10', _include: 'Observation:patient' })
    expect(first.resources).toHaveLength(10)
    expect(first.total).toBe(OBSERVATION_COUNT)
    expect(first.included.map((r) => `${r.resourceType}/${r.id}`)).toEqual(['Patient/p-helene'])
    expect(first.next?.startsWith(`${server.url}/`)).toBe(true)

    const all: Resource[] = []
    for await (const resource of central.searchAll<Observation>('Observation', { patient: 'p-helene', _count: '10' })) all.push(resource)
    expect(all).toHaveLength(OBSERVATION_COUNT)
    expect(new Set(all.map((r) => r.id)).size).toBe(OBSERVATION_COUNT)

    const bounded = await failure(
      (async () => {
        for await (const _ of central.searchAll('Observation', { patient: 'p-helene', _count: '10' }, { maxPages: 2 })) void _
      })(),
    )
    expect(bounded.code).toBe('INTERNAL')
  })

  it('creates, and replays a conditional create to the same resource (200)', async () => {
    const plain = await central.create(heartRate('p-helene', 77))
    expect(plain.status).toBe(201)
    expect(plain.versionId).toBe('1')
    expect(plain.resource.id).toBeTruthy()

    const key = 'urn:uuid:5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f'
    const keyed: Observation = { ...heartRate('p-helene', 81), identifier: [{ system: 'urn:ietf:rfc:3986', value: key }] }
    const ifNoneExist = `identifier=urn:ietf:rfc:3986|${key}`
    const first = await central.create(keyed, { ifNoneExist })
    const replay = await central.create(keyed, { ifNoneExist })
    expect(first.status).toBe(201)
    expect(replay.status).toBe(200)
    expect(replay.resource.id).toBe(first.resource.id)
    const found = await central.search<Observation>('Observation', { identifier: `urn:ietf:rfc:3986|${key}` })
    expect(found.resources).toHaveLength(1)
  })

  it('updates with If-Match, and a stale version is CONFLICT 412', async () => {
    const { resource } = await central.create(heartRate('p-francois', 90))
    const id = resource.id as string
    const updated = await central.update({ ...resource, id, valueQuantity: { ...resource.valueQuantity, value: 92 } }, { ifMatch: '1' })
    expect(updated).toMatchObject({ status: 200, versionId: '2' })
    const stale = await failure(central.update({ ...resource, id, valueQuantity: { ...resource.valueQuantity, value: 95 } }, { ifMatch: '1' }))
    expect(stale).toMatchObject({ code: 'CONFLICT', status: 412, retryable: false })
    expect((await central.read<Observation>('Observation', id)).valueQuantity?.value).toBe(92)
  })

  it('posts a transaction and gets its response Bundle', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: heartRate('p-helene', 70), request: { method: 'POST', url: 'Observation' } },
        { resource: heartRate('p-francois', 71), request: { method: 'POST', url: 'Observation' } },
      ],
    }
    const answer = await central.transaction(bundle)
    expect(answer.type).toBe('transaction-response')
    expect(answer.entry?.map((e) => e.response?.status)).toEqual(['201', '201'])
    const { status: _status, ...statusless } = heartRate('p-helene', 1)
    const invalid = await failure(
      central.transaction({ ...bundle, entry: [{ resource: statusless as Observation, request: { method: 'POST', url: 'Observation' } }] }),
    )
    expect(invalid).toMatchObject({ code: 'INVALID', status: 400 })
  })

  it('maps a wrong token to UNAUTHENTICATED after asking for a fresh one once', async () => {
    let asked = 0
    const client = createCentralClient({ baseUrl: server.url, token: async () => `wrong-${asked++}` })
    expect((await failure(client.read('Patient', 'p-helene'))).code).toBe('UNAUTHENTICATED')
    expect(asked).toBe(2)
  })

  it('is OFFLINE once the central is stopped', async () => {
    const other = await startFhirServer({ host: '127.0.0.1', authorize })
    const client = createCentralClient({ baseUrl: other.url, token: async () => 'test-token', retries: 1, backoffMs: 10 })
    await client.ping()
    await other.close()
    expect(await failure(client.ping())).toMatchObject({ code: 'OFFLINE', retryable: true })
    expect((await failure(client.read('Patient', 'p-helene'))).code).toBe('OFFLINE')
  })
})
