import type { Bundle, Observation, Patient } from '@medplum/fhirtypes'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCentralClient, type CentralClientOptions } from '../../src-main/central/client'
import { CentralError } from '../../src-main/central/types'
import { createMemoryLogger } from '../../src-main/log'

// The client against a tiny local HTTP server playing a central that misbehaves on cue: the boundary faked is
// the central itself, the client's HTTP stack (undici, timeouts, streaming) is the real one.

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (req: Seen, res: ServerResponse, index: number) => void

interface Stub {
  base: string
  origin: string
  seen: Seen[]
  close(): Promise<void>
}

const servers: Server[] = []

async function stub(handler: Handler): Promise<Stub> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() }
      seen.push(request)
      handler(request, res, seen.length - 1)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    base: `${origin}/fhir`,
    origin,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/fhir+json', ...headers })
  res.end(JSON.stringify(body))
}

function outcome(code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] }
}

const HELENE: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'DURAND', given: ['Hélène'] }], meta: { versionId: '4' } }

function client(s: Stub, overrides: Partial<CentralClientOptions> = {}) {
  return createCentralClient({ baseUrl: s.base, token: async () => 'secret-token', backoffMs: 5, ...overrides })
}

async function failure(promise: Promise<unknown>): Promise<CentralError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CentralError)
  return error as CentralError
}

async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = []
  for await (const item of iterable) items.push(item)
  return items
}

function searchset(entries: { resource: unknown; mode?: string }[], next?: string, total?: number): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(total === undefined ? {} : { total }),
    link: next ? [{ relation: 'next', url: next }] : [],
    entry: entries.map(({ resource, mode }) => ({ resource, ...(mode ? { search: { mode } } : {}) })) as Bundle['entry'],
  }
}

describe('central client: requests', () => {
  it('reads with FHIR JSON headers and the bearer token', async () => {
    const s = await stub((_req, res) => json(res, 200, HELENE))
    const patient = await client(s).read<Patient>('Patient', 'p1')
    expect(patient.name?.[0]?.given).toEqual(['Hélène'])
    expect(s.seen[0]).toMatchObject({ method: 'GET', url: '/fhir/Patient/p1' })
    expect(s.seen[0]?.headers.accept).toBe('application/fhir+json')
    expect(s.seen[0]?.headers.authorization).toBe('Bearer secret-token')
  })

  it('refuses ids and types that would change the path, before sending anything', async () => {
    const s = await stub((_req, res) => json(res, 200, HELENE))
    const c = client(s)
    expect((await failure(c.read('Patient', '../metadata'))).code).toBe('INVALID')
    expect((await failure(c.read('Patient/x' as 'Patient', 'p1'))).code).toBe('INVALID')
    expect(s.seen).toHaveLength(0)
  })

  it('refuses an answer of another resource type', async () => {
    const s = await stub((_req, res) => json(res, 200, { resourceType: 'Observation', id: 'p1' }))
    const error = await failure(client(s).read('Patient', 'p1'))
    expect(error.code).toBe('INTERNAL')
    expect(error.message).toContain('expected Patient, got Observation')
  })

  it('updates with If-Match W/"v" and reads the new version from the ETag', async () => {
    const s = await stub((req, res) => json(res, 200, { ...JSON.parse(req.body), meta: { versionId: '5' } }, { ETag: 'W/"5"' }))
    const result = await client(s).update(HELENE as Patient & { id: string }, { ifMatch: '4' })
    expect(s.seen[0]?.method).toBe('PUT')
    expect(s.seen[0]?.url).toBe('/fhir/Patient/p1')
    expect(s.seen[0]?.headers['if-match']).toBe('W/"4"')
    expect(s.seen[0]?.headers['content-type']).toBe('application/fhir+json')
    expect(result).toMatchObject({ status: 200, versionId: '5' })
  })

  it('creates, and reads the resource back from Location when the central answers without a body', async () => {
    const s = await stub((req, res) => {
      if (req.method === 'POST') {
        res.writeHead(201, { Location: `${s.base}/Observation/o9/_history/1`, ETag: 'W/"1"' })
        res.end()
      } else json(res, 200, { resourceType: 'Observation', id: 'o9', status: 'final', meta: { versionId: '1' } })
    })
    const result = await client(s).create<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'FC' } })
    expect(result).toMatchObject({ status: 201, versionId: '1', resource: { id: 'o9' } })
    expect(s.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /fhir/Observation', 'GET /fhir/Observation/o9'])
  })

  it('does not follow a Location outside the central', async () => {
    const elsewhere = await stub((_req, res) => json(res, 200, { resourceType: 'Observation', id: 'o9' }))
    const s = await stub((_req, res) => {
      res.writeHead(201, { Location: `${elsewhere.base}/Observation/o9` })
      res.end()
    })
    const error = await failure(client(s).create<Observation>({ resourceType: 'Observation', status: 'final', code: {} }))
    expect(error.code).toBe('INTERNAL')
    expect(elsewhere.seen).toHaveLength(0)
  })

  it('pings /metadata without a token, so a signed-out workstation still learns the central is up', async () => {
    const s = await stub((_req, res) => json(res, 200, { resourceType: 'CapabilityStatement', status: 'active' }))
    const c = client(s, {
      token: async () => {
        throw new CentralError('UNAUTHENTICATED', 'signed out', null, false)
      },
    })
    await c.ping()
    expect(s.seen[0]?.url).toBe('/fhir/metadata')
    expect(s.seen[0]?.headers.authorization).toBeUndefined()
  })

  it('refuses plain http to another machine', () => {
    expect(() => createCentralClient({ baseUrl: 'http://dpi.example.fr/fhir', token: async () => 't' })).toThrow(/https/)
    expect(createCentralClient({ baseUrl: 'https://dpi.example.fr/fhir/', token: async () => 't' }).baseUrl).toBe(
      'https://dpi.example.fr/fhir',
    )
  })
})

describe('central client: retries', () => {
  it('retries a 503 with backoff, then succeeds', async () => {
    const s = await stub((_req, res, i) => (i < 2 ? json(res, 503, outcome('transient', 'busy')) : json(res, 200, HELENE)))
    const patient = await client(s).read<Patient>('Patient', 'p1')
    expect(patient.id).toBe('p1')
    expect(s.seen).toHaveLength(3)
  })

  it('gives up after `retries` further attempts with a retryable OFFLINE', async () => {
    const s = await stub((_req, res) => json(res, 502, outcome('exception', 'bad gateway')))
    const error = await failure(client(s, { retries: 2 }).read('Patient', 'p1'))
    expect(error).toMatchObject({ code: 'OFFLINE', status: 502, retryable: true })
    expect(s.seen).toHaveLength(3)
  })

  it.each([
    [400, 'invalid', 'INVALID'],
    [403, 'forbidden', 'FORBIDDEN'],
    [412, 'conflict', 'CONFLICT'],
    [404, 'not-found', 'NOT_FOUND'],
    [410, 'deleted', 'NOT_FOUND'],
    [409, 'conflict', 'CONFLICT'],
    [422, 'processing', 'INVALID'],
    [418, 'exception', 'INTERNAL'],
  ] as const)('never retries a %i and maps it to %s… (%s)', async (status, issue, code) => {
    const s = await stub((_req, res) => json(res, status, outcome(issue, 'Patient Hélène DURAND, INS 248031234567890')))
    const error = await failure(client(s).update(HELENE as Patient & { id: string }, { ifMatch: '4' }))
    expect(error).toMatchObject({ code, status, retryable: false })
    expect(error.message).toContain(issue)
    // The OperationOutcome's code, never its text: servers put the refused resource in diagnostics.
    expect(error.message).not.toMatch(/DURAND|Hélène|248031234567890/)
    expect(s.seen).toHaveLength(1)
  })

  it('honours Retry-After on a 429', async () => {
    const s = await stub((_req, res, i) => (i === 0 ? json(res, 429, outcome('throttled', 'slow down'), { 'Retry-After': '1' }) : json(res, 200, HELENE)))
    const started = Date.now()
    await client(s, { backoffMs: 1 }).read('Patient', 'p1')
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(s.seen).toHaveLength(2)
  })

  it('caps Retry-After', async () => {
    const s = await stub((_req, res, i) => (i === 0 ? json(res, 503, {}, { 'Retry-After': '3600' }) : json(res, 200, HELENE)))
    const started = Date.now()
    await client(s, { maxRetryAfterMs: 100 }).read('Patient', 'p1')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('times out a central that does not answer → OFFLINE, retried', async () => {
    const s = await stub(() => undefined)
    const started = Date.now()
    const error = await failure(client(s, { timeoutMs: 200, retries: 1 }).read('Patient', 'p1'))
    expect(error).toMatchObject({ code: 'OFFLINE', status: null, retryable: true })
    expect(error.message).toMatch(/timed out/)
    expect(s.seen).toHaveLength(2)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('times out a body that stalls after the headers', async () => {
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' })
      res.write('{"resourceType":"Pat')
    })
    const error = await failure(client(s, { timeoutMs: 300, retries: 0 }).read('Patient', 'p1'))
    expect(error.code).toBe('OFFLINE')
  })

  it('maps a refused connection to OFFLINE', async () => {
    const s = await stub(() => undefined)
    await s.close()
    const error = await failure(client(s, { retries: 1 }).read('Patient', 'p1'))
    expect(error).toMatchObject({ code: 'OFFLINE', retryable: true })
    expect(error.message).toContain('ECONNREFUSED')
  })

  it('never replays a plain create, even on a 503', async () => {
    const s = await stub((_req, res) => json(res, 503, outcome('transient', 'busy')))
    const error = await failure(client(s).create<Observation>({ resourceType: 'Observation', status: 'final', code: {} }))
    expect(error.code).toBe('OFFLINE')
    expect(s.seen).toHaveLength(1)
  })

  it('never replays a plain create whose answer never came', async () => {
    const s = await stub(() => undefined)
    await failure(client(s, { timeoutMs: 200 }).create<Observation>({ resourceType: 'Observation', status: 'final', code: {} }))
    expect(s.seen).toHaveLength(1)
  })

  it('replays a conditional create (If-None-Exist makes it safe)', async () => {
    const s = await stub((req, res, i) =>
      i === 0 ? json(res, 503, {}) : json(res, 201, { ...JSON.parse(req.body), id: 'o1', meta: { versionId: '1' } }, { ETag: 'W/"1"' }),
    )
    const result = await client(s).create<Observation>(
      { resourceType: 'Observation', status: 'final', code: {} },
      { ifNoneExist: 'identifier=urn:ietf:rfc:3986|urn:uuid:0b4c6f0e-1d7e-4c1a-9a53-7d0c1b9f7a11' },
    )
    expect(result).toMatchObject({ status: 201, versionId: '1' })
    expect(s.seen).toHaveLength(2)
    expect(s.seen[1]?.headers['if-none-exist']).toBe('identifier=urn:ietf:rfc:3986|urn:uuid:0b4c6f0e-1d7e-4c1a-9a53-7d0c1b9f7a11')
  })

  it('replays a transaction only when every entry is replay-safe', async () => {
    const s = await stub((_req, res) => json(res, 503, {}))
    const put: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: HELENE, request: { method: 'PUT', url: 'Patient/p1' } }] }
    const post: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: HELENE, request: { method: 'POST', url: 'Patient' } }] }
    const c = client(s, { retries: 1 })
    await failure(c.transaction(put))
    expect(s.seen).toHaveLength(2)
    await failure(c.transaction(post))
    expect(s.seen).toHaveLength(3)
  })
})

describe('central client: tokens', () => {
  it('after a 401, tells the token provider which token was refused, and retries once with the new one', async () => {
    const s = await stub((req, res) =>
      req.headers.authorization === 'Bearer renewed' ? json(res, 200, HELENE) : json(res, 401, outcome('login', 'expired')),
    )
    const tokens = ['stale', 'renewed']
    const asks: unknown[] = []
    const token = async (options?: { refused?: string }) => {
      asks.push(options)
      return tokens[asks.length - 1] ?? 'none'
    }
    const patient = await client(s, { token }).read('Patient', 'p1')
    expect(patient.id).toBe('p1')
    expect(asks).toEqual([undefined, { refused: 'stale' }])
    expect(s.seen).toHaveLength(2)
  })

  it('gives UNAUTHENTICATED when the second token is refused too, even for a plain create', async () => {
    const s = await stub((_req, res) => json(res, 401, outcome('login', 'no')))
    let asked = 0
    const c = client(s, { token: async () => `t${asked++}` })
    const error = await failure(c.create<Observation>({ resourceType: 'Observation', status: 'final', code: {} }))
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', status: 401, retryable: false })
    expect(asked).toBe(2)
    expect(s.seen).toHaveLength(2)
  })

  it('passes on the token provider’s own refusal without calling the central', async () => {
    const s = await stub((_req, res) => json(res, 200, HELENE))
    const c = client(s, {
      token: async () => {
        throw new CentralError('UNAUTHENTICATED', 'card removed', null, false)
      },
    })
    expect((await failure(c.read('Patient', 'p1'))).message).toBe('card removed')
    expect(s.seen).toHaveLength(0)
  })
})

describe('central client: paging', () => {
  it('splits matches from includes and reports total and next', async () => {
    const s = await stub((_req, res) =>
      json(
        res,
        200,
        searchset(
          [
            { resource: { resourceType: 'Observation', id: 'o1' }, mode: 'match' },
            { resource: HELENE, mode: 'include' },
            { resource: outcome('informational', 'x'), mode: 'outcome' },
          ],
          `${s.base}/Observation?_count=1&_offset=1`,
          2,
        ),
      ),
    )
    const page = await client(s).search<Observation>('Observation', { patient: 'p1', _include: 'Observation:patient' })
    expect(page.resources.map((r) => r.id)).toEqual(['o1'])
    expect(page.included.map((r) => r.id)).toEqual(['p1'])
    expect(page.total).toBe(2)
    expect(page.next).toBe(`${s.base}/Observation?_count=1&_offset=1`)
    expect(s.seen[0]?.url).toBe('/fhir/Observation?patient=p1&_include=Observation%3Apatient')
  })

  it('follows next links through every page', async () => {
    const s = await stub((req, res) => {
      const offset = Number(new URL(req.url, s.origin).searchParams.get('_offset') ?? 0)
      const next = offset < 4 ? `${s.base}/Observation?_offset=${offset + 2}` : undefined
      json(res, 200, searchset([0, 1].map((k) => ({ resource: { resourceType: 'Observation', id: `o${offset + k}` } })), next))
    })
    const all = (await drain(client(s).searchAll('Observation', {}))) as Observation[]
    expect(all.map((o) => o.id)).toEqual(['o0', 'o1', 'o2', 'o3', 'o4', 'o5'])
    expect(s.seen).toHaveLength(3)
  })

  it('stops at maxPages with an error rather than a silent partial result', async () => {
    const s = await stub((req, res) => json(res, 200, searchset([], `${s.base}/Observation?page=${s.seen.length}`)))
    const error = await failure(drain(client(s).searchAll('Observation', {}, { maxPages: 3 })))
    expect(error.code).toBe('INTERNAL')
    expect(s.seen).toHaveLength(3)
  })

  it.each([
    ['another port', (elsewhere: Stub) => `${elsewhere.base}/Observation?_offset=2`],
    ['another path', (_e: Stub, s: Stub) => `${s.origin}/admin/Observation?_offset=2`],
    ['a relative URL', () => 'Observation?_offset=2'],
  ])('refuses a next link to %s', async (_label, nextOf) => {
    const elsewhere = await stub((_req, res) => json(res, 200, searchset([])))
    const s: Stub = await stub((_req, res) => json(res, 200, searchset([{ resource: HELENE }], nextOf(elsewhere, s))))
    const error = await failure(drain(client(s).searchAll('Patient', {})))
    expect(error.code).toBe('INTERNAL')
    expect(error.message).toMatch(/next link outside the central/)
    expect(elsewhere.seen).toHaveLength(0)
    expect(s.seen).toHaveLength(1)
  })

  it('does not follow redirects', async () => {
    const elsewhere = await stub((_req, res) => json(res, 200, HELENE))
    const s = await stub((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.base}/Patient/p1` })
      res.end()
    })
    expect((await failure(client(s).read('Patient', 'p1'))).code).toBe('INTERNAL')
    expect(elsewhere.seen).toHaveLength(0)
  })
})

describe('central client: answers it cannot use', () => {
  it('refuses a response over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ ...HELENE, text: { status: 'generated', div: 'x'.repeat(5000) } })
    const declared = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Length': Buffer.byteLength(big) })
      res.end(big)
    })
    const streamed = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' })
      for (let i = 0; i < big.length; i += 500) res.write(big.slice(i, i + 500))
      res.end()
    })
    for (const s of [declared, streamed]) {
      const error = await failure(client(s, { maxResponseBytes: 1000 }).read('Patient', 'p1'))
      expect(error).toMatchObject({ code: 'INTERNAL', retryable: false })
      expect(error.message).toMatch(/larger than 1000 bytes/)
      expect(s.seen).toHaveLength(1)
    }
  })

  it('maps malformed JSON to INTERNAL, without retrying', async () => {
    const s = await stub((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' })
      res.end('{"resourceType":"Patient", "id": ')
    })
    const error = await failure(client(s).read('Patient', 'p1'))
    expect(error).toMatchObject({ code: 'INTERNAL', status: 200, retryable: false })
    expect(s.seen).toHaveLength(1)
  })

  it('logs retries and failures without tokens, query strings or patient data', async () => {
    const log = createMemoryLogger()
    const s = await stub((_req, res) => json(res, 503, outcome('transient', 'Hélène DURAND')))
    await failure(client(s, { log, retries: 1 }).search('Patient', { name: 'durand' }))
    const text = JSON.stringify(log.lines)
    expect(log.lines.map((l) => l.event)).toEqual(['central.retry', 'central.failed'])
    expect(text).not.toMatch(/secret-token|durand|Hélène/i)
  })
})
