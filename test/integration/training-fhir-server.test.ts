import { validateResource } from '@medplum/core'
import type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  Composition,
  Encounter,
  Observation,
  OperationOutcome,
  Patient,
  Resource,
} from '@medplum/fhirtypes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startFhirServer,
  type AccessDecision,
  type FhirServer,
  type TrainingUser,
} from '../../src-main/training/fhir-server'

// The training central over real HTTP on 127.0.0.1, with small French fixtures: two units (cardiologie with a
// room and a bed, pédiatrie), current and past stays, accented names, vital signs.

const CARDIO: TrainingUser = { id: 'pr-martin', units: ['Location/unit-cardio'], role: 'medecin' }
const PEDIA: TrainingUser = { id: 'pr-bernard', units: ['unit-pedia'], role: 'infirmier' }
const DPO: TrainingUser = { id: 'pr-dpo', units: [], role: 'dpo' }
// Moving a patient is a change of the stay (administratif, modifier): the cadre de santé's right, not the doctor's.
const CADRE_CARDIO: TrainingUser = { id: 'pr-cadre', units: ['unit-cardio'], role: 'cadre' }
const CADRE_PEDIA: TrainingUser = { id: 'pr-cadre-pedia', units: ['unit-pedia'], role: 'cadre' }
const TOKENS: Record<string, TrainingUser> = {
  test: CARDIO,
  'test-pedia': PEDIA,
  'test-dpo': DPO,
  'test-cadre': CADRE_CARDIO,
  'test-cadre-pedia': CADRE_PEDIA,
}

async function bearerAuthorize(req: { headers: Record<string, unknown> }): Promise<AccessDecision> {
  const header = req.headers.authorization
  const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined
  const user = token ? TOKENS[token] : undefined
  return user ? { ok: true, user } : { ok: false, status: 401, reason: 'missing or unknown token' }
}

const INS_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8'

function patient(id: string, family: string, given: string[], gender: 'male' | 'female', birthDate: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: INS_SYSTEM, value: `2${birthDate.slice(2, 4)}0${id.length}75123456` }],
    name: [{ use: 'official', family, given }],
    gender,
    birthDate,
  }
}

function vital(id: string, patientId: string, code: string, display: string, value: number, unit: string): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2026-11-20T08:00:00+01:00',
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  }
}

const DAY_MS = 24 * 3_600_000

/** A stay; a finished one ended `endedDaysAgo` days before now (the care relationship lasts 7 days after it). */
function stay(id: string, patientId: string, location: string, status: 'in-progress' | 'finished', endedDaysAgo = 30): Resource {
  const end = new Date(Date.now() - endedDaysAgo * DAY_MS)
  return {
    resourceType: 'Encounter',
    id,
    status,
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    subject: { reference: `Patient/${patientId}` },
    period:
      status === 'finished'
        ? { start: new Date(end.getTime() - 5 * DAY_MS).toISOString(), end: end.toISOString() }
        : { start: '2026-11-18T10:00:00+01:00' },
    location: [{ location: { reference: `Location/${location}` }, status: status === 'finished' ? 'completed' : 'active' }],
  }
}

const FIXTURES: Resource[] = [
  {
    resourceType: 'Organization',
    id: 'org-chevet',
    identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.2', value: '750000001' }],
    name: 'Centre hospitalier de formation',
  },
  {
    resourceType: 'Location',
    id: 'unit-cardio',
    name: 'Cardiologie',
    mode: 'instance',
    managingOrganization: { reference: 'Organization/org-chevet' },
  },
  { resourceType: 'Location', id: 'room-cardio-101', name: 'Chambre 101', partOf: { reference: 'Location/unit-cardio' } },
  { resourceType: 'Location', id: 'bed-cardio-101a', name: 'Lit 101 A', partOf: { reference: 'Location/room-cardio-101' } },
  { resourceType: 'Location', id: 'unit-pedia', name: 'Pédiatrie' },
  {
    resourceType: 'Practitioner',
    id: 'pr-martin',
    identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.1', value: '10003456789' }],
    name: [{ family: 'Martin', given: ['Élodie'], prefix: ['Dr'] }],
  },
  patient('p-helene', 'DURAND', ['Hélène'], 'female', '1948-03-12'),
  patient('p-lefevre', 'LEFÈVRE', ['Jean-François'], 'male', '1951-07-01'),
  patient('p-zoe', 'BÉRANGER', ['Zoé'], 'female', '2022-05-30'),
  patient('p-eloise', "D'ARC", ['Éloïse'], 'female', '1980-01-15'),
  patient('p-paul', 'MOREAU', ['Paul'], 'male', '1975-09-02'),
  stay('enc-helene', 'p-helene', 'bed-cardio-101a', 'in-progress'),
  stay('enc-lefevre', 'p-lefevre', 'unit-cardio', 'in-progress'),
  stay('enc-zoe', 'p-zoe', 'unit-pedia', 'in-progress'),
  stay('enc-eloise', 'p-eloise', 'unit-cardio', 'finished', 30),
  stay('enc-paul', 'p-paul', 'bed-cardio-101a', 'finished', 1),
  vital('obs-helene-hr', 'p-helene', '8867-4', 'Fréquence cardiaque', 72, '/min'),
  vital('obs-helene-temp', 'p-helene', '8310-5', 'Température corporelle', 37.2, 'Cel'),
  vital('obs-lefevre-hr', 'p-lefevre', '8867-4', 'Fréquence cardiaque', 88, '/min'),
  vital('obs-zoe-temp', 'p-zoe', '8310-5', 'Température corporelle', 38.4, 'Cel'),
  vital('obs-eloise-hr', 'p-eloise', '8867-4', 'Fréquence cardiaque', 64, '/min'),
]

let server: FhirServer
const audits: AuditEvent[] = []

beforeAll(async () => {
  server = await startFhirServer({ host: '127.0.0.1', authorize: bearerAuthorize, onAudit: (e) => audits.push(e) })
  console.log(`FHIR definitions indexed in ${server.definitions.ms} ms (+${server.definitions.rssMb} MB RSS)`)
  await server.load(FIXTURES)
})

afterAll(async () => {
  await server?.close()
})

interface Reply<T = Resource> {
  status: number
  headers: Headers
  body: T
}

async function call<T = Resource>(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? 'test' : options.token
  if (token) headers.Authorization = `Bearer ${token}`
  let body: string | undefined = options.raw
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['Content-Type'] ??= 'application/fhir+json'
  }
  const url = path.startsWith('http') ? path : `${server.url}${path}`
  const res = await fetch(url, { method, headers, body })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T }
}

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource?.id as string)
}

function newVital(patientId: string, value: number, extra: Partial<Observation> = {}): Observation {
  const { id: _id, ...rest } = vital('x', patientId, '8867-4', 'Fréquence cardiaque', value, '/min')
  return { ...rest, ...extra }
}

describe('training central FHIR server', () => {
  it('serves its own CapabilityStatement without a token', async () => {
    const reply = await call<CapabilityStatement>('GET', '/metadata', { token: null })
    expect(reply.status).toBe(200)
    expect(reply.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8')
    expect(reply.body.resourceType).toBe('CapabilityStatement')
    expect(reply.body.fhirVersion).toBe('4.0.1')
    expect(reply.body.format).toContain('application/fhir+json')
    const rest = reply.body.rest?.[0]
    const byType = new Map((rest?.resource ?? []).map((r) => [r.type, r]))
    const patientCodes = byType.get('Patient')?.interaction?.map((i) => i.code)
    expect(patientCodes).toEqual(expect.arrayContaining(['read', 'vread', 'update', 'create', 'search-type', 'history-type']))
    const patientParams = byType.get('Patient')?.searchParam?.map((p) => p.name)
    expect(patientParams).toEqual(expect.arrayContaining(['name', 'family', 'identifier']))
    expect(byType.get('Location')?.interaction?.map((i) => i.code)).not.toContain('create')
    expect(rest?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch'])
  })

  it('loads fixtures that pass medplum validation', () => {
    for (const resource of FIXTURES) expect(() => validateResource(resource)).not.toThrow()
  })

  it('creates, reads, updates and vreads with ETag, Location and Last-Modified', async () => {
    const created = await call<Observation>('POST', '/Observation', { body: { ...newVital('p-helene', 75), id: 'chosen' } })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect(id).not.toBe('chosen')
    expect(created.body.meta?.versionId).toBe('1')
    expect(created.headers.get('etag')).toBe('W/"1"')
    expect(created.headers.get('location')).toBe(`${server.url}/Observation/${id}/_history/1`)
    expect(new Date(created.headers.get('last-modified') as string).getTime()).toBeGreaterThan(Date.now() - 60_000)

    const read = await call<Observation>('GET', `/Observation/${id}`)
    expect(read.status).toBe(200)
    expect(read.headers.get('etag')).toBe('W/"1"')
    expect(read.body.valueQuantity?.value).toBe(75)

    const updated = await call<Observation>('PUT', `/Observation/${id}`, {
      body: { ...read.body, valueQuantity: { ...read.body.valueQuantity, value: 76 } },
      headers: { 'If-Match': 'W/"1"' },
    })
    expect(updated.status).toBe(200)
    expect(updated.headers.get('etag')).toBe('W/"2"')

    const v1 = await call<Observation>('GET', `/Observation/${id}/_history/1`)
    expect(v1.status).toBe(200)
    expect(v1.body.valueQuantity?.value).toBe(75)

    // Newest first, and the same on every call (medplum's own order flips between calls).
    for (let i = 0; i < 3; i++) {
      const history = await call<Bundle>('GET', `/Observation/${id}/_history`)
      expect(history.body.type).toBe('history')
      expect(history.body.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1'])
    }

    const typeHistory = await call<Bundle>('GET', '/Observation/_history?_count=2')
    expect(typeHistory.status).toBe(200)
    expect(typeHistory.body.entry?.[0]?.resource?.id).toBe(id)
    expect(typeHistory.body.entry?.[0]?.response?.etag).toBe('W/"2"')
    expect(typeHistory.body.link?.find((l) => l.relation === 'next')).toBeDefined()

    const deleted = await call('DELETE', `/Observation/${id}`)
    expect(deleted.status).toBe(200)
    expect((await call('GET', `/Observation/${id}`)).status).toBe(410)
  })

  it('answers 412 to a stale If-Match in its quoted and unquoted forms, and accepts the current one unquoted', async () => {
    const created = await call<Observation>('POST', '/Observation', { body: newVital('p-lefevre', 90) })
    const id = created.body.id as string
    const next = (value: number): Observation => ({ ...created.body, valueQuantity: { value, unit: '/min' } })
    expect((await call('PUT', `/Observation/${id}`, { body: next(91), headers: { 'If-Match': '1' } })).status).toBe(200)
    for (const stale of ['W/"1"', '"1"', '1']) {
      const reply = await call<OperationOutcome>('PUT', `/Observation/${id}`, { body: next(92), headers: { 'If-Match': stale } })
      expect(reply.status, stale).toBe(412)
      expect(reply.body.resourceType).toBe('OperationOutcome')
    }
    const current = await call<Observation>('PUT', `/Observation/${id}`, { body: next(93), headers: { 'If-Match': '2' } })
    expect(current.status).toBe(200)
    expect(current.body.meta?.versionId).toBe('3')
  })

  it('honours If-None-Exist: creates on no match, returns the match, refuses several', async () => {
    const identifier = [{ system: 'urn:chevet:idempotency', value: 'key-1' }]
    const body = newVital('p-helene', 70, { identifier })
    const headers = { 'If-None-Exist': 'identifier=urn:chevet:idempotency|key-1' }
    const first = await call<Observation>('POST', '/Observation', { body, headers })
    expect(first.status).toBe(201)
    const again = await call<Observation>('POST', '/Observation', { body, headers })
    expect(again.status).toBe(200)
    expect(again.body.id).toBe(first.body.id)

    const twice = [{ system: 'urn:chevet:idempotency', value: 'key-dup' }]
    await call('POST', '/Observation', { body: newVital('p-helene', 71, { identifier: twice }) })
    await call('POST', '/Observation', { body: newVital('p-helene', 72, { identifier: twice }) })
    const ambiguous = await call('POST', '/Observation', {
      body: newVital('p-helene', 73, { identifier: twice }),
      headers: { 'If-None-Exist': 'identifier=urn:chevet:idempotency|key-dup' },
    })
    expect(ambiguous.status).toBe(412)
  })

  it('validates writes: an invalid resource is a 400 OperationOutcome and is not stored', async () => {
    const { status: _s, ...noStatus } = newVital('p-helene', 50, { identifier: [{ system: 'urn:t', value: 'invalid-1' }] })
    const reply = await call<OperationOutcome>('POST', '/Observation', { body: noStatus })
    expect(reply.status).toBe(400)
    expect(reply.body.issue?.[0]?.expression).toEqual(['Observation.status'])
    const search = await call<Bundle>('GET', '/Observation?identifier=urn:t|invalid-1')
    expect(search.body.total).toBe(0)
  })

  it('runs a transaction atomically: a failing entry leaves nothing behind', async () => {
    const marker = { system: 'urn:chevet:test', value: 'tx-rolled-back' }
    const { status: _s, ...invalid } = newVital('p-helene', 10)
    const invalidTx = await call<OperationOutcome>('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: newVital('p-helene', 60, { identifier: [marker] }), request: { method: 'POST', url: 'Observation' } },
          { resource: invalid, request: { method: 'POST', url: 'Observation' } },
        ],
      },
    })
    expect(invalidTx.status).toBe(400)
    expect(invalidTx.body.issue?.[0]?.expression?.[0]).toBe('Bundle.entry[1].resource.status')
    expect((await call<Bundle>('GET', `/Observation?identifier=${marker.system}|${marker.value}`)).body.total).toBe(0)

    // A failure medplum only meets midway (a stale If-Match) after it has already created the first entry.
    const before = await call<Observation>('GET', '/Observation/obs-lefevre-hr')
    const staleTx = await call<OperationOutcome>('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: newVital('p-helene', 61, { identifier: [marker] }), request: { method: 'POST', url: 'Observation' } },
          {
            resource: { ...before.body, valueQuantity: { value: 1, unit: '/min' } },
            request: { method: 'PUT', url: 'Observation/obs-lefevre-hr', ifMatch: 'W/"99"' },
          },
        ],
      },
    })
    expect(staleTx.status).toBe(412)
    expect((await call<Bundle>('GET', `/Observation?identifier=${marker.system}|${marker.value}`)).body.total).toBe(0)
    const after = await call<Observation>('GET', '/Observation/obs-lefevre-hr')
    expect(after.body.meta?.versionId).toBe(before.body.meta?.versionId)
    expect(after.body.valueQuantity?.value).toBe(88)
    const since = encodeURIComponent(before.body.meta?.lastUpdated as string)
    const history = await call<Bundle>('GET', `/Observation/_history?_since=${since}`)
    const written = history.body.entry?.map((e) => (e.resource as Observation | undefined)?.identifier?.[0]?.value)
    expect(written).not.toContain(marker.value)
  })

  it('commits a transaction with urn:uuid references resolved', async () => {
    const obsUrn = 'urn:uuid:0b3c5d1e-7a2f-4c1e-9d5b-3f6a7e8c9d01'
    const reply = await call<Bundle>('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: obsUrn,
            resource: newVital('p-helene', 80),
            request: { method: 'POST', url: 'Observation' },
          },
          {
            // A note citing the new observation (a doctor writes notes; results come from the laboratory).
            resource: {
              resourceType: 'Composition',
              status: 'final',
              type: { text: 'Observation médicale' },
              subject: { reference: 'Patient/p-helene' },
              date: '2026-11-20T09:00:00+01:00',
              author: [{ reference: 'Practitioner/pr-martin' }],
              title: 'Bilan',
              section: [{ entry: [{ reference: obsUrn }] }],
            },
            request: { method: 'POST', url: 'Composition' },
          },
        ],
      },
    })
    expect(reply.status).toBe(200)
    expect(reply.body.type).toBe('transaction-response')
    const [obsEntry, reportEntry] = reply.body.entry ?? []
    expect(obsEntry?.response?.status).toBe('201')
    expect(obsEntry?.response?.location).toBe(`Observation/${obsEntry?.resource?.id}/_history/1`)
    const report = await call<Composition>('GET', `/Composition/${reportEntry?.resource?.id}`)
    expect(report.body.section?.[0]?.entry?.[0]?.reference).toBe(`Observation/${obsEntry?.resource?.id}`)
  })

  it('runs a batch entry by entry', async () => {
    const { status: _s, ...invalid } = newVital('p-helene', 10)
    const reply = await call<Bundle>('POST', '', {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          {
            resource: newVital('p-helene', 81, { identifier: [{ system: 'urn:t', value: 'batch-ok' }] }),
            request: { method: 'POST', url: 'Observation' },
          },
          { resource: invalid, request: { method: 'POST', url: 'Observation' } },
          { request: { method: 'GET', url: 'Patient/p-helene' } },
          { request: { method: 'GET', url: 'Patient/p-zoe' } },
        ],
      },
    })
    expect(reply.status).toBe(200)
    expect(reply.body.type).toBe('batch-response')
    expect(reply.body.entry?.map((e) => e.response?.status)).toEqual(['201', '400', '200', '403'])
    expect((await call<Bundle>('GET', '/Observation?identifier=urn:t|batch-ok')).body.total).toBe(1)
  })

  it('searches names without regard to accents or case', async () => {
    const cases: [string, string[]][] = [
      ['name=helene', ['p-helene']],
      ['name=HELENE', ['p-helene']],
      ['name=helene%20dur', ['p-helene']],
      ['family=lefevre', ['p-lefevre']],
      ['family=Lefèvre', ['p-lefevre']],
      ['given=jean-francois', ['p-lefevre']],
      ['given=francois', ['p-lefevre']],
      ['name:contains=uran', ['p-helene']],
      ['name=helene,lefevre', ['p-helene', 'p-lefevre']],
      ['name=heleneX', []],
    ]
    for (const [query, expected] of cases) {
      const reply = await call<Bundle>('GET', `/Patient?${query}`)
      expect(reply.status, query).toBe(200)
      expect(ids(reply.body).sort(), query).toEqual(expected)
    }
    const byPost = await call<Bundle>('POST', '/Patient/_search', {
      raw: 'family=durand&gender=female',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    })
    expect(ids(byPost.body)).toEqual(['p-helene'])
  })

  it('includes and reverse-includes references', async () => {
    const included = await call<Bundle>(
      'GET',
      '/Observation?subject=Patient/p-helene&code=8310-5&_include=Observation:subject',
    )
    expect(included.body.entry?.map((e) => `${e.search?.mode}:${e.resource?.id}`)).toEqual([
      'match:obs-helene-temp',
      'include:p-helene',
    ])
    const reverse = await call<Bundle>('GET', '/Patient?_id=p-lefevre&_revinclude=Encounter:subject')
    expect(reverse.body.entry?.map((e) => `${e.search?.mode}:${e.resource?.id}`)).toEqual([
      'match:p-lefevre',
      'include:enc-lefevre',
    ])
  })

  it('filters incremental sync by _lastUpdated across patients', async () => {
    const since = (await call<Observation>('GET', '/Observation/obs-helene-hr')).body.meta?.lastUpdated as string
    const fresh = await call<Observation>('POST', '/Observation', { body: newVital('p-lefevre', 99) })
    const last = encodeURIComponent(fresh.body.meta?.lastUpdated as string)
    const sync = await call<Bundle>('GET', `/Observation?_lastUpdated=gt${last}`)
    expect(sync.body.total).toBe(0)
    const all = await call<Bundle>('GET', `/Observation?_lastUpdated=gt${encodeURIComponent(since)}&_count=1000`)
    expect(ids(all.body)).toContain(fresh.body.id)
    expect(ids(all.body)).not.toContain('obs-helene-hr')
    expect(ids(all.body)).not.toContain('obs-zoe-temp')
  })

  it('sorts by date (_sort=-date and date), as the chart reads its newest values', async () => {
    const times = ['2026-11-21T06:00:00Z', '2026-11-22T18:30:00Z', '2026-11-21T23:59:00Z']
    const created: string[] = []
    for (const [i, at] of times.entries()) {
      const made = await call<Observation>('POST', '/Observation', { body: newVital('p-lefevre', 70 + i, { effectiveDateTime: at }) })
      created.push(made.body.id as string)
    }
    const newest = await call<Bundle>('GET', '/Observation?subject=Patient/p-lefevre&_sort=-date&_count=1000')
    const order = ids(newest.body).filter((id) => created.includes(id))
    expect(order).toEqual([created[1], created[2], created[0]])
    const oldest = await call<Bundle>('GET', '/Observation?subject=Patient/p-lefevre&_sort=date&_count=1000')
    expect(ids(oldest.body).filter((id) => created.includes(id))).toEqual([created[0], created[2], created[1]])
  })

  it('refuses requests without a valid token (401, WWW-Authenticate: Bearer)', async () => {
    for (const token of [null, 'nope']) {
      const reply = await call<OperationOutcome>('GET', '/Patient/p-helene', { token })
      expect(reply.status).toBe(401)
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(reply.body.resourceType).toBe('OperationOutcome')
    }
  })

  it('limits patient data to patients staying in the user’s units', async () => {
    expect((await call('GET', '/Patient/p-helene')).status).toBe(200) // stay recorded at bed level
    expect((await call('GET', '/Patient/p-zoe')).status).toBe(403)
    expect((await call('GET', '/Observation/obs-zoe-temp')).status).toBe(403)
    expect((await call('GET', '/Patient/p-eloise')).status).toBe(403) // stay finished a month ago
    expect((await call('GET', '/Patient/p-paul')).status).toBe(200) // discharged yesterday: letter, late results
    expect((await call('GET', '/Patient/p-paul', { token: 'test-pedia' })).status).toBe(403)
    expect((await call('POST', '/Observation', { body: newVital('p-zoe', 120) })).status).toBe(403)
    expect((await call('GET', '/Patient/p-zoe', { token: 'test-pedia' })).status).toBe(200)
    expect((await call('GET', '/Location/unit-pedia')).status).toBe(200) // not patient data
    const renamed = { resourceType: 'Location', id: 'unit-pedia', name: 'X' }
    expect((await call('PUT', '/Location/unit-pedia', { body: renamed })).status).toBe(403)

    const patients = await call<Bundle>('GET', '/Patient')
    expect(ids(patients.body).sort()).toEqual(['p-helene', 'p-lefevre', 'p-paul'])
    const observations = await call<Bundle>('GET', '/Observation?_count=1000')
    const subjects = new Set(observations.body.entry?.map((e) => (e.resource as Observation).subject?.reference))
    expect([...subjects].sort()).toEqual(['Patient/p-helene', 'Patient/p-lefevre'])
    const pedia = await call<Bundle>('GET', '/Patient', { token: 'test-pedia' })
    expect(ids(pedia.body)).toEqual(['p-zoe'])
  })

  it('follows a transfer: access moves with the Encounter', async () => {
    const encounter = (await call<Encounter>('GET', '/Encounter/enc-lefevre')).body
    encounter.location = [{ location: { reference: 'Location/unit-pedia' }, status: 'active' }]
    expect((await call('PUT', '/Encounter/enc-lefevre', { body: encounter })).status).toBe(403)
    expect((await call('PUT', '/Encounter/enc-lefevre', { token: 'test-cadre', body: encounter })).status).toBe(200)
    expect((await call('GET', '/Patient/p-lefevre')).status).toBe(403)
    expect((await call('GET', '/Patient/p-lefevre', { token: 'test-pedia' })).status).toBe(200)
    const back = (await call<Encounter>('GET', '/Encounter/enc-lefevre', { token: 'test-pedia' })).body
    back.location = [{ location: { reference: 'Location/unit-cardio' }, status: 'active' }]
    expect((await call('PUT', '/Encounter/enc-lefevre', { token: 'test-cadre-pedia', body: back })).status).toBe(200)
    expect((await call('GET', '/Patient/p-lefevre')).status).toBe(200)
  })

  it('records every read and write as an AuditEvent, readable by the DPO only', async () => {
    const start = audits.length
    await call('GET', '/Observation/obs-helene-temp')
    const created = await call<Observation>('POST', '/Observation', { body: newVital('p-helene', 66) })
    await call('GET', '/Patient/p-zoe')
    const mine = audits.slice(start)
    expect(mine.map((e) => e.subtype?.[0]?.code)).toEqual(['read', 'create', 'read'])
    const [read, write, refused] = mine as [AuditEvent, AuditEvent, AuditEvent]
    expect(read.type.code).toBe('rest')
    expect(read.agent[0]?.who?.reference).toBe('Practitioner/pr-martin')
    expect(read.outcome).toBe('0')
    expect(read.entity?.map((e) => e.what?.reference)).toEqual(['Observation/obs-helene-temp', 'Patient/p-helene'])
    expect(write.action).toBe('C')
    expect(write.entity?.[0]?.what?.reference).toBe(`Observation/${created.body.id}`)
    expect(refused.outcome).toBe('4')
    expect(refused.entity?.[0]?.what?.reference).toBe('Patient/p-zoe')
    for (const event of mine) expect(() => validateResource(event)).not.toThrow()

    expect((await call('GET', '/AuditEvent')).status).toBe(403)
    const countBefore = audits.length
    const stored = await call<Bundle>('GET', '/AuditEvent?patient=Patient/p-helene&_count=1000', { token: 'test-dpo' })
    expect(stored.status).toBe(200)
    expect(ids(stored.body)).toEqual(expect.arrayContaining([read.id, write.id]))
    expect(audits.length).toBe(countBefore) // reading the audit trail writes no audit of the audit
  })

  it('answers malformed JSON, unknown types and methods with OperationOutcomes and keeps serving', async () => {
    const malformed = await call<OperationOutcome>('POST', '/Observation', {
      raw: '{"resourceType": "Observation",',
      headers: { 'Content-Type': 'application/fhir+json' },
    })
    expect(malformed.status).toBe(400)
    expect(malformed.body.resourceType).toBe('OperationOutcome')
    expect((await call('GET', '/Unicorn/1')).status).toBe(404)
    const patch = await call('PATCH', '/Patient/p-helene', { body: [] })
    expect(patch.status).toBe(405)
    expect(patch.headers.get('allow')).toBe('GET, PUT, DELETE')
    expect((await call('GET', '/Patient/p-helene')).status).toBe(200)
  })

  it('refuses a body over 10 MB with 413 and keeps serving', async () => {
    const huge = JSON.stringify({ ...newVital('p-helene', 1), note: [{ text: 'x'.repeat(11 * 1024 * 1024) }] })
    const reply = await call<OperationOutcome>('POST', '/Observation', {
      raw: huge,
      headers: { 'Content-Type': 'application/fhir+json' },
    })
    expect(reply.status).toBe(413)
    expect((await call('GET', '/metadata', { token: null })).status).toBe(200)
  })
})

describe('training central under load', () => {
  let open: FhirServer

  beforeAll(async () => {
    const nurse: TrainingUser = { id: 'pr-load', units: ['unit-cardio'], role: 'infirmier' }
    open = await startFhirServer({ host: '127.0.0.1', authorize: async () => ({ ok: true, user: nurse }) })
    await open.load(FIXTURES)
  })

  afterAll(async () => {
    await open?.close()
  })

  it('bulk-loads 10,000 Observations and pages through all of them by following next links', async () => {
    const observations = Array.from({ length: 10_000 }, (_, i) =>
      vital(`heavy-${i}`, 'p-helene', '8867-4', 'Fréquence cardiaque', 60 + (i % 40), '/min'),
    )
    const started = performance.now()
    await open.load(observations)
    const loadMs = Math.round(performance.now() - started)
    console.log(`load of 10,000 Observations: ${loadMs} ms`)

    const seen = new Set<string>()
    let pages = 0
    let next: string | undefined = `${open.url}/Observation?subject=Patient/p-helene&_count=500`
    const pagingStarted = performance.now()
    while (next) {
      const res = await fetch(next)
      expect(res.status).toBe(200)
      const bundle = (await res.json()) as Bundle
      for (const entry of bundle.entry ?? []) seen.add(entry.resource?.id as string)
      next = bundle.link?.find((l) => l.relation === 'next')?.url
      pages++
      if (pages === 2) expect(bundle.link?.find((l) => l.relation === 'previous')?.url).toContain('_offset=0')
    }
    console.log(`paged ${seen.size} Observations in ${pages} pages: ${Math.round(performance.now() - pagingStarted)} ms`)
    expect(seen.size).toBe(10_002)
    expect(pages).toBe(21)
  })
})
