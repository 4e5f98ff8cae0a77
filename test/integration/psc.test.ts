import type { Encounter } from '@medplum/fhirtypes'
import http from 'node:http'
import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  beginEcpsSignIn,
  createEcpsCentralLogin,
  EcpsError,
  loginAtCentralWithEcps,
  type EcpsSignInResult,
  type PscSettings,
} from '../../src-main/auth/psc'
import { createCentralClient } from '../../src-main/central'
import { CentralError } from '../../src-main/central/types'
import { createMemoryLogger } from '../../src-main/log'
import { SessionService } from '../../src-main/auth/session'
import { EventBus } from '../../src-main/events'
import { startTrainingCentral, type TrainingCentral } from '../../src-main/training/central'
import type { StaffMember } from '../../src-main/training/hospital'
import { playBrowser, pscSubjectOf, startPscProvider, type PscAccount, type PscTestProvider } from '../fixtures/psc-provider'

// Pro Santé Connect played by oidc-provider on 127.0.0.1, the workstation's e-CPS sign-in against it through its
// loopback listener (the test is the browser), and the training central exchanging PSC's token for its own.

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const HOSPITAL = { pastPatients: 20, heavyObservations: 200 }
const CENTRAL_LIFETIME = 120
const ESTABLISHMENT = { name: 'Centre hospitalier de formation Chevet', finess: '990000010' }
const PROFESSION_CODE: Partial<Record<StaffMember['role'], string>> = { medecin: '10', interne: '10', infirmier: '60', pharmacien: '21' }

let psc: PscTestProvider
let central: TrainingCentral
/** Added to the real clock of the central and of the e-CPS login: expiry without waiting. */
let clockOffsetMs = 0
const clock = () => new Date(Date.now() + clockOffsetMs)
const log = createMemoryLogger()

function member(key: StaffMember['key']): StaffMember {
  const found = central.hospital.staff.find((s) => s.key === key)
  if (!found) throw new Error(`no staff ${key}`)
  return found
}

function accountOf(staff: StaffMember): PscAccount {
  return {
    idNat: staff.idNat,
    givenName: staff.givenName,
    familyName: staff.familyName,
    professionCode: PROFESSION_CODE[staff.role] ?? '10',
    establishment: ESTABLISHMENT,
  }
}

function settings(provider: PscTestProvider = psc): PscSettings {
  return { issuer: provider.issuer, discoveryUrl: null, jwksUri: null, clientId: provider.clientId, clientSecret: null, clientAuth: 'none' }
}

/** The whole e-CPS sign-in, the test playing the user in the browser. */
async function signInWithEcps(staff: StaffMember): Promise<EcpsSignInResult> {
  const signIn = await beginEcpsSignIn({ psc: settings(), log })
  const page = await playBrowser(signIn.authorizationUrl, pscSubjectOf(staff.idNat))
  expect(page.status).toBe(200)
  return signIn.result
}

async function exchange(subjectToken: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(central.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE, ...extra }),
    signal: AbortSignal.timeout(15_000),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers }
}

/** A GET with the Host header a page of another name would send (DNS rebinding to 127.0.0.1). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
  })
}

async function listenerGone(redirectUri: string): Promise<boolean> {
  try {
    await fetch(redirectUri, { signal: AbortSignal.timeout(3_000) })
    return false
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
  }
}

beforeAll(async () => {
  psc = await startPscProvider()
  central = await startTrainingCentral({
    hospital: HOSPITAL,
    tokenLifetimeSeconds: CENTRAL_LIFETIME,
    psc: { issuer: psc.issuer, audience: psc.audience, clientId: psc.clientId },
    now: clock,
    log,
  })
  for (const key of ['medecin', 'infirmier'] as const) psc.addAccount(accountOf(member(key)))
})

afterAll(async () => {
  await central?.close()
  await psc?.close()
})

describe('e-CPS sign-in through Pro Santé Connect', () => {
  it('runs the code flow with PKCE through the loopback listener and maps the userinfo', async () => {
    const doctor = member('medecin')
    const signIn = await beginEcpsSignIn({ psc: settings(), log })
    const url = new URL(signIn.authorizationUrl)
    expect(url.origin).toBe(psc.issuer)
    expect(signIn.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: psc.clientId,
      redirect_uri: signIn.redirectUri,
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      code_challenge_method: 'S256',
    })
    for (const name of ['state', 'nonce', 'code_challenge']) expect(url.searchParams.get(name)).toMatch(/^[\w-]{43,}$/)

    const page = await playBrowser(signIn.authorizationUrl, pscSubjectOf(doctor.idNat))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+='; base-uri 'none'/)
    expect(page.headers.get('referrer-policy')).toBe('no-referrer')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect(page.body).toContain('Vous pouvez fermer cet onglet et revenir à Chevet.')
    expect(page.body).not.toContain(new URL(page.callbackUrl).searchParams.get('code'))

    const result = await signIn.result
    expect(result).toMatchObject({
      idNat: doctor.idNat,
      subject: pscSubjectOf(doctor.idNat),
      givenName: doctor.givenName,
      familyName: doctor.familyName,
      displayName: `${doctor.givenName} ${doctor.familyName}`,
      role: 'medecin',
      establishment: { name: ESTABLISHMENT.name, finess: ESTABLISHMENT.finess },
    })
    expect(result.exercices).toEqual([
      expect.objectContaining({ professionCode: '10', profession: 'Médecin', activities: [expect.objectContaining({ modeCode: 'S' })] }),
    ])
    expect(result.accessToken.split('.')).toHaveLength(3)
    expect(result.idToken.split('.')).toHaveLength(3)
    expect(result.expiresAt).toBeGreaterThan(Date.now() + 590_000)
    expect(result.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000)
    // Single use: the listener is closed once the browser came back.
    expect(await listenerGone(signIn.redirectUri)).toBe(true)
    // Nothing secret in the log: neither token nor the code.
    const logged = JSON.stringify(log.lines)
    expect(logged).not.toContain(result.accessToken.slice(-20))
    expect(logged).not.toContain(new URL(page.callbackUrl).searchParams.get('code'))
  })

  it.each([
    ['another level', 'eidas2'],
    ['no acr at all', null],
  ])('refuses an ID token without acr eidas1 (%s)', async (_label, acr) => {
    psc.acr = acr
    try {
      const signIn = await beginEcpsSignIn({ psc: settings(), log })
      expect((await playBrowser(signIn.authorizationUrl, pscSubjectOf(member('medecin').idNat))).status).toBe(200)
      const failure = await signIn.result.then(() => null, (error: unknown) => error)
      expect(failure).toBeInstanceOf(EcpsError)
      expect(failure).toMatchObject({ code: 'ACR_INSUFFICIENT', detail: acr ?? 'none' })
      expect((failure as Error).message).toMatch(/niveau d’authentification exigé \(acr « eidas1 »\)/)
    } finally {
      psc.acr = 'eidas1'
    }
  })

  it('refuses a callback whose state does not match, without exchanging its code', async () => {
    const signIn = await beginEcpsSignIn({ psc: settings(), log })
    let genuine: URL | null = null
    const page = await playBrowser(signIn.authorizationUrl, pscSubjectOf(member('medecin').idNat), {
      tamper: (callback) => {
        genuine = new URL(callback)
        callback.searchParams.set('state', 'forged-state-from-another-page')
        return callback
      },
    })
    expect(page.status).toBe(400)
    expect(page.body).toContain('ne correspond à aucune connexion en cours')
    await expect(signIn.result).rejects.toMatchObject({ code: 'STATE_MISMATCH' })
    // The genuine answer, arriving after the forged one, finds no listener: the attempt is over.
    expect(genuine).not.toBeNull()
    expect(await listenerGone(signIn.redirectUri)).toBe(true)
  })

  it('reports a sign-in cancelled at Pro Santé Connect, a timeout and a cancel', async () => {
    const denied = await beginEcpsSignIn({ psc: settings(), log })
    expect((await playBrowser(denied.authorizationUrl, '', { abort: true })).status).toBe(200)
    await expect(denied.result).rejects.toMatchObject({ code: 'DENIED', detail: 'access_denied' })

    const slow = await beginEcpsSignIn({ psc: settings(), log, timeoutMs: 300 })
    // A request elsewhere on the port, or from a page of another origin, is not the callback and does not end the wait.
    expect((await fetch(slow.redirectUri.replace('/callback', '/favicon.ico'))).status).toBe(404)
    const port = new URL(slow.redirectUri).port
    expect(await getWithHost(`${slow.redirectUri}?code=x&state=y`, `attacker.example:${port}`)).toBe(404)
    await expect(slow.result).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(await listenerGone(slow.redirectUri)).toBe(true)

    const cancelled = await beginEcpsSignIn({ psc: settings(), log })
    cancelled.cancel()
    await expect(cancelled.result).rejects.toMatchObject({ code: 'CANCELLED', message: 'Connexion e-CPS annulée.' })
    expect(await listenerGone(cancelled.redirectUri)).toBe(true)
  })

  it('says Pro Santé Connect is unreachable when its discovery fails', async () => {
    const gone = await startPscProvider()
    const issuer = gone.issuer
    await gone.close()
    await expect(beginEcpsSignIn({ psc: { ...settings(), issuer } })).rejects.toMatchObject({ code: 'PROVIDER_UNREACHABLE' })
  })
})

describe('RFC 8693 token exchange at the training central', () => {
  it('gives an access token that reads the professional’s census over FHIR', async () => {
    const nurse = member('infirmier')
    const signedIn = await signInWithEcps(nurse)

    const raw = await exchange(signedIn.accessToken)
    expect(raw.status, JSON.stringify(raw.body)).toBe(200)
    expect(raw.headers.get('cache-control')).toBe('no-store')
    expect(raw.body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: ACCESS_TOKEN_TYPE,
      expires_in: CENTRAL_LIFETIME,
      practitioner: { id: nurse.practitionerId, idNat: nurse.idNat, role: 'infirmier', units: [{ id: 'loc-cardio', name: 'Cardiologie' }] },
    })

    const login = await loginAtCentralWithEcps({ tokenUrl: central.tokenUrl }, signedIn, () => undefined, log)
    try {
      expect(login.user).toEqual({
        idNat: nurse.idNat,
        practitionerId: nurse.practitionerId,
        displayName: `${nurse.givenName} ${nurse.familyName}`,
        role: 'infirmier',
        units: [{ id: 'loc-cardio', name: 'Cardiologie' }],
      })
      const client = createCentralClient({ baseUrl: central.fhirUrl, token: login.token, log })
      const census = await client.search<Encounter>('Encounter', { status: 'in-progress', location: 'Location/loc-cardio', _count: '200' })
      const expected = central.hospital.currentStays.filter((s) => s.unitId === 'loc-cardio').map((s) => s.encounterId)
      expect(expected.length).toBeGreaterThan(0)
      expect(census.resources.map((e) => e.id).sort()).toEqual([...expected].sort())
    } finally {
      login.close()
    }
  })

  it('renews the central token while PSC’s is valid, then ends the session and asks for the e-CPS again', async () => {
    const signedIn = await signInWithEcps(member('medecin'))
    let expired = 0
    const login = createEcpsCentralLogin({ tokenUrl: central.tokenUrl, subject: signedIn, onExpired: () => expired++, now: clock, log })
    try {
      await login.login()
      const first = await login.token()
      clockOffsetMs = (CENTRAL_LIFETIME - 30) * 1000 // past renewal (60 s before expiry), before expiry
      const renewed = await login.token()
      expect(renewed).not.toBe(first)
      expect(expired).toBe(0)
      // PSC's token (600 s) and the renewed central token are both past: nothing can renew without the user.
      clockOffsetMs = 700_000
      await expect(login.token()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/e-CPS sign-in needed/) })
      await expect(login.token()).rejects.toBeInstanceOf(CentralError)
      expect(expired).toBe(1)
    } finally {
      clockOffsetMs = 0
      login.close()
    }
  })

  it('refuses expired, forged, foreign and misdirected subject tokens (invalid_request, RFC 8693 §2.2.2)', async () => {
    const doctor = member('medecin')
    const signedIn = await signInWithEcps(doctor)
    const refusal = async (token: string, extra?: Record<string, string>) => {
      const answer = await exchange(token, extra)
      expect(answer.status).toBe(400)
      expect(answer.body.error).toBe('invalid_request')
      return answer.body.error_description as string
    }

    expect((await exchange(signedIn.accessToken)).status).toBe(200)
    try {
      clockOffsetMs = 700_000
      expect(await refusal(signedIn.accessToken)).toBe('The subject token has expired')
    } finally {
      clockOffsetMs = 0
    }

    const claims = { sub: pscSubjectOf(doctor.idNat), SubjectNameID: doctor.idNat }
    // Same header and claims, signed by a key PSC never published.
    const { privateKey } = await generateKeyPair('RS256')
    const forged = await new SignJWT({ ...claims, scope: 'scope_all', client_id: psc.clientId })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: psc.kid })
      .setIssuer(psc.issuer)
      .setAudience(psc.audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey)
    expect(await refusal(forged)).toBe('The subject token signature does not verify with the issuer keys')
    expect(await refusal(`${forged.split('.').slice(0, 2).join('.')}.`)).toMatch(/not a signed JWT|signature/)

    const other = await startPscProvider()
    try {
      expect(await refusal(await other.mint(claims))).toBe('The subject token signature does not verify with the issuer keys')
    } finally {
      await other.close()
    }
    expect(await refusal(await psc.mint({ ...claims, iss: 'https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet' }))).toBe(
      'The subject token is not from the trusted Pro Santé Connect issuer',
    )
    expect(await refusal(await psc.mint({ ...claims, aud: 'https://another-service.example' }))).toBe('The subject token is not meant for this central')
    expect(await refusal(await psc.mint({ ...claims, client_id: 'another-client' }))).toBe('The subject token was issued to another client')
    expect(await refusal(await psc.mint({ sub: pscSubjectOf('810099999999'), SubjectNameID: '810099999999' }))).toBe(
      'No active practitioner with a role has this national id at this central',
    )
    // The ID token is signed by the same keys but is not an access token for this central.
    expect(await refusal(signedIn.idToken)).toBe('The subject token is not meant for this central')
    expect(await refusal(signedIn.idToken, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).toBe(
      'Only a Pro Santé Connect access token is accepted as subject_token_type',
    )
    // The genuine token still works: none of the refusals above came from it.
    expect((await exchange(signedIn.accessToken)).status).toBe(200)
    expect(JSON.stringify(log.lines)).not.toContain(signedIn.accessToken.slice(-20))
  })
})

describe('the workstation session with e-CPS', () => {
  function sessionWithEcps() {
    const events = new EventBus()
    const seen: string[] = []
    events.onAny((name, payload) => seen.push(`${name}:${JSON.stringify(payload).slice(0, 200)}`))
    const workspaces: { closed: boolean }[] = []
    const session = new SessionService({
      providers: () => [],
      loginAtCentral: () => Promise.reject(new Error('no card here')),
      ecps: {
        begin: () => beginEcpsSignIn({ psc: settings(), log }),
        loginAtCentral: (signedIn, onExpired) => loginAtCentralWithEcps(central, signedIn, onExpired, log),
      },
      startWorkspace: async () => {
        const workspace = { closed: false }
        workspaces.push(workspace)
        return { close: async () => void (workspace.closed = true) }
      },
      events,
      log,
      inactivityMs: 60_000,
    })
    return { session, seen, workspaces }
  }

  async function until(check: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  it('signs in, locks, and unlocks with a new e-CPS sign-in of the same professional', async () => {
    const nurse = member('infirmier')
    const { session, seen, workspaces } = sessionWithEcps()
    try {
      const begun = await session.beginEcps()
      // The browser host: main does not open a browser, the page does.
      expect(begun.opened).toBe(false)
      expect((await playBrowser(begun.authorizationUrl, pscSubjectOf(nurse.idNat))).status).toBe(200)
      await until(() => session.state === 'active', 15_000)
      expect(session.status()).toMatchObject({ state: 'active', slotId: null, user: { idNat: nurse.idNat, role: 'infirmier' } })

      session.lock('manual')
      expect(session.state).toBe('locked')
      const again = await session.beginEcps()
      await playBrowser(again.authorizationUrl, pscSubjectOf(nurse.idNat))
      await until(() => session.state === 'active', 15_000)
      expect(workspaces.map((w) => w.closed)).toEqual([true, false])
      expect(seen.filter((e) => e.startsWith('session.changed')).map((e) => /"state":"(\w+[-\w]*)"/.exec(e)?.[1])).toEqual([
        'active',
        'locked',
        'active',
      ])
      // Tokens never reach an event (events go to the page).
      expect(seen.join('\n')).not.toMatch(/eyJ[\w-]{20,}/)
    } finally {
      await session.close()
    }
  })

  it('announces a refused e-CPS sign-in (acr other than eidas1) with its code, and stays signed out', async () => {
    const nurse = member('infirmier')
    const { session, seen } = sessionWithEcps()
    psc.acr = 'eidas2'
    try {
      const begun = await session.beginEcps()
      await playBrowser(begun.authorizationUrl, pscSubjectOf(nurse.idNat))
      await until(() => seen.some((e) => e.startsWith('auth.ecps.failed')), 15_000)
      expect(seen.find((e) => e.startsWith('auth.ecps.failed'))).toBe('auth.ecps.failed:{"code":"ACR_INSUFFICIENT"}')
      expect(session.state).toBe('signed-out')
      // A cancelled attempt says nothing and leaves nothing listening.
      const cancelled = await session.beginEcps()
      expect(session.cancelEcps()).toBe(true)
      expect(await listenerGone(new URL(cancelled.authorizationUrl).searchParams.get('redirect_uri')!)).toBe(true)
    } finally {
      psc.acr = 'eidas1'
      await session.close()
    }
  })
})
