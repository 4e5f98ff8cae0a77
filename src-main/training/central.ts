import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Observation } from '@medplum/fhirtypes'
import { writePrivateFileSync } from '../fs/private-file'
import type { Logger } from '../log'
import { startFhirServer, type Authorize, type FhirServer } from './fhir-server'
import { generateHospital, type HospitalOptions, type StaffMember, type TrainingHospital } from './hospital'
import { seededAccessEvents } from './hospital/access-history'
import {
  createVirtualCardProvider,
  generateTrainingPki,
  loadOrCreateTrainingPki,
  trainingTrustAnchors,
  type TrainingPki,
  type VirtualCardProvider,
  type TrainingStaff,
} from './pki'
import {
  createAccessTokens,
  createPractitionerDirectory,
  createTokenEndpoint,
  jwtBearerGrant,
  JWT_BEARER_GRANT,
  TOKEN_EXCHANGE_GRANT,
  tokenExchangeGrant,
  type ExtraRoute,
  type GrantHandler,
  type PscTrust,
  btgExchangeGrant,
} from './token'
import { createIdentityRoute } from './identity/route'
import { startTrainingMailRelay, type TrainingMailRelay } from '../letters/transport/training-relay'
import { createPrescribingReportRoute } from './prescribing-report/route'

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 900
export const TOKEN_PATH = '/auth/token'
/** Written into the training folder so tools (and a workstation) find the central that owns those cards. */
export const CENTRAL_FILE = 'central.json'
/** The heavy series is loaded in slices so its Observation objects are never all built twice over. */
const HEAVY_SLICE = 10_000

export interface TrainingCentralOptions {
  /** 0 (the default) picks a free port. */
  port?: number
  /** Where the CA and the virtual cards live across restarts; null or absent keeps them in memory. */
  dir?: string | null
  hospital?: HospitalOptions
  tokenLifetimeSeconds?: number
  /** The Pro Santé Connect issuer whose access tokens are exchanged (RFC 8693) for the e-CPS; none: no e-CPS. */
  psc?: PscTrust | null
  now?: () => Date
  log?: Logger
  /** Port of the MSSanté relay (0, the default, picks a free one). */
  mailRelayPort?: number
}

export interface TrainingCentralTimings {
  hospitalMs: number
  /** Training CA and virtual cards: generated, or read from `dir`. */
  pkiMs: number
  /** The FHIR server up, definitions indexed. */
  serverMs: number
  /** Every resource in the store, the heavy series included. */
  loadMs: number
  totalMs: number
}

export interface TrainingCentral {
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string
  readonly fhirUrl: string
  readonly tokenUrl: string
  readonly pki: TrainingPki
  /** The demo staff's virtual cards (a CardProvider), usable against this central. */
  readonly cards: VirtualCardProvider
  /** The training root certificate, the trust anchor of the cards' assertions. */
  readonly trustAnchorsPem: string
  readonly hospital: TrainingHospital
  readonly fhir: FhirServer
  readonly timings: TrainingCentralTimings
  /** The local MSSanté relay (STARTTLS, client certificate) that keeps the letters sent in training. */
  readonly mailRelay: TrainingMailRelay
  close(): Promise<void>
}

/**
 * Every demo staff member holds an RPPS in the synthetic hospital (see hospital/staff.ts), so every card is a
 * CPS whose CN is the idNat '8' + RPPS — the Practitioner's IDNPS identifier the token endpoint looks up.
 */
export function trainingStaffOf(hospital: TrainingHospital): TrainingStaff[] {
  return hospital.staff.map((member: StaffMember) => ({
    key: member.key,
    idNat: member.idNat,
    givenName: member.givenName,
    familyName: member.familyName,
    profession: member.profession,
    kind: 'CPS',
    pin: member.pin,
  }))
}

async function loadHospital(fhir: FhirServer, hospital: TrainingHospital): Promise<void> {
  await fhir.load(hospital.resources)
  let slice: Observation[] = []
  for (const observation of hospital.heavyObservations()) {
    slice.push(observation)
    if (slice.length === HEAVY_SLICE) {
      await fhir.load(slice)
      slice = []
    }
  }
  if (slice.length > 0) await fhir.load(slice)
  // Past accesses, some suspicious, for the DPO's access review.
  await fhir.load(seededAccessEvents(hospital))
}

/**
 * The training central (DESIGN.md §7): the synthetic hospital in a FHIR R4 server on 127.0.0.1, a token endpoint
 * that takes RFC 7523 assertions from the training CA's virtual cards, and access tokens checked on every FHIR
 * request. Runs inside the workstation (no central configured) or alone (`chevet training serve`).
 */
export async function startTrainingCentral(options: TrainingCentralOptions = {}): Promise<TrainingCentral> {
  const started = performance.now()
  const now = options.now ?? (() => new Date())
  const lifetime = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS
  if (!Number.isInteger(lifetime) || lifetime <= 0) throw new RangeError('tokenLifetimeSeconds must be a positive integer')
  const dir = options.dir ? path.resolve(options.dir) : null

  const hospital = generateHospital(options.hospital ?? {})
  const hospitalDone = performance.now()

  const staff = trainingStaffOf(hospital)
  if (dir) await mkdir(dir, { recursive: true, mode: 0o700 })
  const pki = dir ? await loadOrCreateTrainingPki(dir, staff) : await generateTrainingPki(staff)
  warnOnStaleCards(pki, staff, options.log)
  const pkiDone = performance.now()

  // The server listens before the hospital is in it (its store is created with it), and the token endpoint needs
  // the URLs it listens on: until both are ready, FHIR calls get 401 and token requests 503, so a workstation
  // pointed at a restarting central retries instead of reading a half-loaded hospital.
  let route: ExtraRoute = starting
  let authorize: Authorize = () => Promise.resolve({ ok: false, status: 401, reason: 'The central is starting' })
  const fhir = await startFhirServer({
    port: options.port ?? 0,
    host: '127.0.0.1',
    authorize: (request) => authorize(request),
    extraRoutes: (req, res) => route(req, res),
    // Break the glass: a BTG token (token/btg.ts) reaches the one patient it names until it expires.
    allowPatient: (user, patientId) => user.purposeOfUse === 'BTG' && (user.grantedPatients ?? []).includes(patientId),
    ...(options.log ? { log: options.log } : {}),
  })
  const serverDone = performance.now()

  let mailRelay: TrainingMailRelay | undefined
  try {
    mailRelay = await startTrainingMailRelay({ pki, port: options.mailRelayPort ?? 0, dir, ...(options.log ? { log: options.log } : {}) })
    const baseUrl = fhir.url.replace(/\/fhir$/, '')
    const tokenUrl = baseUrl + TOKEN_PATH
    const tokens = await createAccessTokens({ issuer: baseUrl, audience: fhir.url, lifetimeSeconds: lifetime, now })
    const grants: Record<string, GrantHandler> = {
      [JWT_BEARER_GRANT]: jwtBearerGrant({
        audience: tokenUrl,
        trustAnchors: trainingTrustAnchors(pki),
        directory: createPractitionerDirectory(fhir.repo),
        now,
      }),
      // RFC 8693: break the glass (purpose_of_use=BTG), and the e-CPS when a Pro Santé Connect issuer is trusted.
      [TOKEN_EXCHANGE_GRANT]: btgExchangeGrant({
        tokens,
        directory: createPractitionerDirectory(fhir.repo),
        repo: fhir.repo,
        ...(options.psc ? { otherwise: tokenExchangeGrant({ psc: options.psc, directory: createPractitionerDirectory(fhir.repo), now }) } : {}),
      }),
    }

    await loadHospital(fhir, hospital)
    const loadDone = performance.now()

    authorize = tokens.authorize
    const tokenRoute = createTokenEndpoint({ path: TOKEN_PATH, grants, tokens, ...(options.log ? { log: options.log } : {}) })
    const identityRoute = createIdentityRoute({ fhir, authorize: tokens.authorize, ...(options.log ? { log: options.log } : {}) })
    const reportRoute = createPrescribingReportRoute({ fhir, authorize: tokens.authorize, ...(options.log ? { log: options.log } : {}) })
    route = async (req, res) => (await tokenRoute(req, res)) || (await identityRoute(req, res)) || reportRoute(req, res)
    if (dir) {
      const central = { baseUrl, fhirUrl: fhir.url, tokenUrl }
      writePrivateFileSync(path.join(dir, CENTRAL_FILE), JSON.stringify(central, null, 2) + '\n', 'replace')
    }

    const timings: TrainingCentralTimings = {
      hospitalMs: Math.round(hospitalDone - started),
      pkiMs: Math.round(pkiDone - hospitalDone),
      serverMs: Math.round(serverDone - pkiDone),
      loadMs: Math.round(loadDone - serverDone),
      totalMs: Math.round(performance.now() - started),
    }
    options.log?.info('training.central.started', { ...timings, resources: hospital.resources.length + hospital.heavyObservationCount })

    return {
      baseUrl,
      fhirUrl: fhir.url,
      tokenUrl,
      pki,
      cards: createVirtualCardProvider({ pki, allowed: true }),
      trustAnchorsPem: trainingTrustAnchors(pki)
        .map((certificate) => certificate.toString('pem'))
        .join('\n'),
      hospital,
      fhir,
      timings,
      mailRelay,
      close: async () => {
        await mailRelay?.close()
        await fhir.close()
      },
    }
  } catch (error) {
    await mailRelay?.close()
    await fhir.close()
    throw error
  }
}

const starting: ExtraRoute = async (req, res) => {
  if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== TOKEN_PATH) return false
  req.resume()
  const body = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'The central is starting' })
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '2' })
  res.end(body)
  return true
}

/** Cards kept in `dir` from a hospital of another seed name idNats this central does not know: say so once. */
function warnOnStaleCards(pki: TrainingPki, staff: TrainingStaff[], log: Logger | undefined): void {
  const idNats = new Map(staff.map((member) => [member.key, member.idNat]))
  const stale = pki.cards.filter((card) => idNats.has(card.key) && idNats.get(card.key) !== card.idNat)
  if (stale.length > 0) log?.warn('training.central.stale-cards', { count: stale.length })
}
