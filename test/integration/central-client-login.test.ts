import type { Patient, Resource } from '@medplum/fhirtypes'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createJtiReplayCache, verifyCardAssertion, type VerifiedCardAssertion } from '../../src-main/auth/assertion'
import { createCentralLogin, type CentralLogin, type CentralLoginOptions } from '../../src-main/auth/central-login'
import { createCentralClient } from '../../src-main/central/client'
import { CentralError } from '../../src-main/central/types'
import { createMemoryLogger } from '../../src-main/log'
import { startFhirServer } from '../../src-main/training/fhir-server'
import {
  createVirtualCardProvider,
  generateTrainingPki,
  trainingTrustAnchors,
  type TrainingPki,
  type VirtualCardProvider,
} from '../../src-main/training/pki'
import { doctor } from '../fixtures/training-staff'

// Card login against a small token endpoint of this test's own (the training central's lives elsewhere): it
// verifies each RFC 7523 assertion exactly as a central must, with verifyCardAssertion and the training CA.

const PRACTITIONER = {
  id: 'pr-durand',
  idNat: doctor.idNat,
  displayName: 'Dr Hélène DURAND',
  role: 'medecin',
  units: [{ id: 'unit-cardio', name: 'Cardiologie' }],
}

type Mode = 'grant' | 'refuse' | 'unavailable'

interface TokenEndpoint {
  url: string
  /** Verified assertions, one per grant request that carried a valid one. */
  verified: VerifiedCardAssertion[]
  requests: number
  issued: Set<string>
  mode: Mode
  expiresIn: number
  clock: () => Date
}

let pki: TrainingPki
const servers: Server[] = []
const logins: CentralLogin[] = []

beforeAll(async () => {
  pki = await generateTrainingPki([doctor])
})

afterEach(async () => {
  for (const login of logins.splice(0)) login.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

async function tokenEndpoint(expiresIn = 900): Promise<TokenEndpoint> {
  const seenJti = createJtiReplayCache()
  const endpoint: TokenEndpoint = { url: '', verified: [], requests: 0, issued: new Set(), mode: 'grant', expiresIn, clock: () => new Date() }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void (async () => {
        endpoint.requests += 1
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
          res.end(JSON.stringify(body))
        }
        if (endpoint.mode === 'unavailable') return reply(503, { error: 'temporarily_unavailable' })
        if (endpoint.mode === 'refuse') return reply(400, { error: 'invalid_grant', error_description: 'card revoked' })
        const form = new URLSearchParams(Buffer.concat(chunks).toString())
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
          return reply(400, { error: 'unsupported_grant_type' })
        }
        try {
          const verified = await verifyCardAssertion(form.get('assertion') ?? '', {
            audience: endpoint.url,
            trustAnchors: trainingTrustAnchors(pki),
            seenJti,
            now: endpoint.clock(),
          })
          endpoint.verified.push(verified)
          const token = `access-${endpoint.verified.length}-${verified.jti}`
          endpoint.issued.add(token)
          reply(200, { access_token: token, token_type: 'Bearer', expires_in: endpoint.expiresIn, practitioner: PRACTITIONER })
        } catch (error) {
          reply(400, { error: 'invalid_grant', error_description: (error as Error).message })
        }
      })()
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/token`
  return endpoint
}

async function cardSession(): Promise<{ provider: VirtualCardProvider; slotId: string; session: Awaited<ReturnType<VirtualCardProvider['login']>> }> {
  const provider = createVirtualCardProvider({ pki: { ...pki, cards: pki.cards.map((card) => ({ ...card })) }, allowed: true })
  const slotId = pki.cards[0]?.slotId as string
  return { provider, slotId, session: await provider.login(slotId, new TextEncoder().encode(doctor.pin)) }
}

function open(options: CentralLoginOptions): CentralLogin {
  const login = createCentralLogin(options)
  logins.push(login)
  return login
}

async function failure(promise: Promise<unknown>): Promise<CentralError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(CentralError)
  return error as CentralError
}

/** Polls until `check` holds, at most `ms`. */
async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('central login with a virtual card', () => {
  it('exchanges an assertion signed on the card for a token and the practitioner', async () => {
    const endpoint = await tokenEndpoint()
    const { session } = await cardSession()
    const log = createMemoryLogger()
    const login = open({ tokenUrl: endpoint.url, session, log })
    expect(login.practitioner).toBeNull()
    expect((await failure(login.token())).code).toBe('UNAUTHENTICATED')

    await login.login()
    expect(endpoint.verified).toHaveLength(1)
    expect(endpoint.verified[0]).toMatchObject({ idNat: doctor.idNat, kind: 'CPS', surname: 'DURAND' })
    const token = await login.token()
    expect(endpoint.issued.has(token)).toBe(true)
    expect(login.practitioner).toEqual(PRACTITIONER)
    expect(JSON.stringify(log.lines)).not.toContain(token)
  })

  it('renews the token before it expires, while the card stays in', async () => {
    const endpoint = await tokenEndpoint(2)
    const { session } = await cardSession()
    let expired = 0
    const login = open({ tokenUrl: endpoint.url, session, renewBeforeSeconds: 1, onExpired: () => (expired += 1) })
    await login.login()
    const first = await login.token()
    await until(() => endpoint.verified.length >= 2, 4000)
    const second = await login.token()
    expect(second).not.toBe(first)
    expect(endpoint.issued.has(second)).toBe(true)
    expect(expired).toBe(0)
  })

  it('renews lazily in token() when the timer is late (suspended laptop)', async () => {
    const endpoint = await tokenEndpoint(600)
    const { session } = await cardSession()
    let shiftMs = 0
    const clock = () => new Date(Date.now() + shiftMs)
    endpoint.clock = clock
    const login = open({ tokenUrl: endpoint.url, session, renewBeforeSeconds: 60, now: clock })
    await login.login()
    const first = await login.token()
    expect(await login.token()).toBe(first)
    expect(endpoint.verified).toHaveLength(1)
    shiftMs = 545_000
    const second = await login.token()
    expect(second).not.toBe(first)
    expect(endpoint.verified).toHaveLength(2)
  })

  it('ends the session when the card is removed: onExpired, then UNAUTHENTICATED', async () => {
    const endpoint = await tokenEndpoint(2)
    const { provider, slotId, session } = await cardSession()
    let expired = 0
    const login = open({ tokenUrl: endpoint.url, session, renewBeforeSeconds: 1, onExpired: () => (expired += 1) })
    await login.login()
    provider.removeCard(slotId)
    await until(() => expired > 0, 4000)
    const error = await failure(login.token())
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false })
    expect(error.message).toContain('CARD_ABSENT')
    expect(endpoint.requests).toBe(1) // nothing signed, nothing sent
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(expired).toBe(1)
  })

  it('ends the session when the token endpoint refuses a renewal, with its description', async () => {
    const endpoint = await tokenEndpoint(2)
    const { session } = await cardSession()
    let expired = 0
    const login = open({ tokenUrl: endpoint.url, session, renewBeforeSeconds: 1, onExpired: () => (expired += 1) })
    await login.login()
    endpoint.mode = 'refuse'
    await until(() => expired > 0, 4000)
    const error = await failure(login.token())
    expect(error.code).toBe('UNAUTHENTICATED')
    expect(error.message).toContain('invalid_grant: card revoked')
  })

  it('keeps the session through an unreachable token endpoint, and the token until it expires', async () => {
    const endpoint = await tokenEndpoint(4)
    const { session } = await cardSession()
    let expired = 0
    // Renewal due at 2 s (half the lifetime), the token good until 4 s.
    const login = open({ tokenUrl: endpoint.url, session, renewBeforeSeconds: 3, onExpired: () => (expired += 1) })
    const loginAt = Date.now()
    await login.login()
    const token = await login.token()
    endpoint.mode = 'unavailable'
    await until(() => endpoint.requests >= 2, 4000)
    expect(await login.token()).toBe(token) // renewal failed (503), the token is still good for a while
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, loginAt + 4200 - Date.now())))
    expect((await failure(login.token())).code).toBe('OFFLINE') // expired, central still away: degraded, not signed out
    expect(expired).toBe(0)
    endpoint.mode = 'grant'
    expect(endpoint.issued.has(await login.token())).toBe(true)
  })

  it('refuses a login: UNAUTHENTICATED with the endpoint’s reason, OFFLINE when unreachable, no onExpired', async () => {
    const endpoint = await tokenEndpoint()
    const { session } = await cardSession()
    let expired = 0
    endpoint.mode = 'refuse'
    const refused = await failure(open({ tokenUrl: endpoint.url, session, onExpired: () => (expired += 1) }).login())
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED', status: 400 })
    expect(refused.message).toContain('card revoked')

    const wrongAudience = await failure(open({ tokenUrl: endpoint.url.replace('/auth/token', '/auth/token/'), session }).login())
    expect(wrongAudience.code).toBe('UNAUTHENTICATED')

    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const unreachable = await failure(open({ tokenUrl: `http://127.0.0.1:${port}/auth/token`, session }).login())
    expect(unreachable).toMatchObject({ code: 'OFFLINE', retryable: true })
    expect(expired).toBe(0)
  })

  it('renews at once, with the card, a token the central refuses before its expiry (central restarted)', async () => {
    const endpoint = await tokenEndpoint()
    const { session } = await cardSession()
    const login = open({ tokenUrl: endpoint.url, session })
    await login.login()
    const first = await login.token()
    // Asked again without a refusal: the same token, no exchange.
    expect(await login.token()).toBe(first)
    expect(endpoint.requests).toBe(1)
    const renewed = await login.token({ refused: first })
    expect(renewed).not.toBe(first)
    expect(endpoint.issued.has(renewed)).toBe(true)
    expect(endpoint.requests).toBe(2)
    // A refusal of a token no longer in force (two requests refused at once) does not exchange again.
    expect(await login.token({ refused: first })).toBe(renewed)
    expect(endpoint.requests).toBe(2)
    // The endpoint refusing the card ends the session.
    endpoint.mode = 'refuse'
    expect((await failure(login.token({ refused: renewed }))).code).toBe('UNAUTHENTICATED')
    expect((await failure(login.token())).code).toBe('UNAUTHENTICATED')
  })

  it('stops renewing after close()', async () => {
    const endpoint = await tokenEndpoint(2)
    const { session } = await cardSession()
    let expired = 0
    const login = open({ tokenUrl: endpoint.url, session, renewBeforeSeconds: 1, onExpired: () => (expired += 1) })
    await login.login()
    login.close()
    expect((await failure(login.token())).code).toBe('UNAUTHENTICATED')
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(endpoint.requests).toBe(1)
    expect(expired).toBe(0)
  })

  it('gives the FHIR client a token the central accepts', async () => {
    const endpoint = await tokenEndpoint()
    const fhir = await startFhirServer({
      host: '127.0.0.1',
      authorize: async (req) => {
        const header = req.headers.authorization
        return typeof header === 'string' && endpoint.issued.has(header.replace(/^Bearer /, ''))
          ? { ok: true, user: { id: PRACTITIONER.id, units: ['Location/unit-cardio'], role: 'medecin' } }
          : { ok: false, status: 401, reason: 'unknown token' }
      },
    })
    try {
      const fixtures: Resource[] = [
        { resourceType: 'Location', id: 'unit-cardio', name: 'Cardiologie' },
        { resourceType: 'Patient', id: 'p-helene', name: [{ family: 'DURAND', given: ['Hélène'] }] },
        {
          resourceType: 'Encounter',
          id: 'enc-helene',
          status: 'in-progress',
          class: { code: 'IMP' },
          subject: { reference: 'Patient/p-helene' },
          location: [{ location: { reference: 'Location/unit-cardio' } }],
        },
      ]
      await fhir.load(fixtures)
      const { session } = await cardSession()
      const login = open({ tokenUrl: endpoint.url, session })
      await login.login()
      const central = createCentralClient({ baseUrl: fhir.url, token: login.token })
      expect((await central.read<Patient>('Patient', 'p-helene')).name?.[0]?.given).toEqual(['Hélène'])
    } finally {
      await fhir.close()
    }
  })
})
