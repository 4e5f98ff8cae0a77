import { z } from 'zod'
import { createCentralClient } from '../central'
import { checkCentralUrl, readLimited } from '../central/http'
import { CentralError } from '../central/types'
import type { BtgBeginParams, BtgGrant, PatientSummary } from '../contract'
import type { EventBus } from '../events'
import type { Logger } from '../log'
import { RpcFailure } from '../rpc/failure'
import type { Database } from '../store'
import { forgetPatient, prefetchPatient } from '../sync/prefetch'
import type { UserWorkspace } from '../workspace'
import { minimalSummary } from './care'
import type { Sensitivity } from './sensitivity'

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
/** Where the training central answers identity look-ups, beside /fhir (training/identity/route.ts). */
const IDENTITY_PATH = '/identity/patients'
const TIMEOUT_MS = 15_000

const BtgTokenResponse = z.object({
  access_token: z.string().min(1).max(16_384),
  expires_in: z.number().positive(),
  purpose_of_use: z.literal('BTG'),
  patient: z.string(),
})

const Identities = z.object({
  patients: z
    .array(
      z.object({
        id: z.string().min(1).max(64),
        familyName: z.string().max(200).nullable(),
        givenName: z.string().max(200).nullable(),
        sex: z.enum(['male', 'female', 'other', 'unknown']),
        birthDate: z.string().max(10).nullable(),
        sensitivity: z.array(z.enum(['restricted', 'vip', 'penitentiary'])),
      }),
    )
    .max(50),
})

interface Entry {
  practitionerId: string
  grant: BtgGrant
  timer: NodeJS.Timeout
}

export interface BtgServiceOptions {
  db: Database
  log: Logger
  events: EventBus
  tokenUrl: string
  fhirUrl: string
  /** Duration of a break the glass (config `btgHours`). */
  hours: number
  /** A patient whose data stay when a grant ends: one of the signed-in user's own (care relationship). */
  keep?: (patientId: string) => boolean
  now?: () => Date
  fetch?: typeof fetch
}

export interface BtgService {
  /** The grant in force for this user on this patient; an expired one is ended here. */
  active(practitionerId: string, patientId: string): BtgGrant | null
  begin(workspace: UserWorkspace, params: BtgBeginParams): Promise<BtgGrant>
  /** Patients outside the user's care, found at the central's identity look-up (empty offline or on refusal). */
  lookUp(workspace: UserWorkspace, name: string, birthDate: string | null): Promise<PatientSummary[]>
  close(): void
}

/**
 * Break the glass on the workstation (issue 6): a reason, then a token of the central for that one patient
 * (RFC 8693 exchange of the user's token, purpose of use BTG), the chart fetched with it, and the patient admitted
 * by the care check until the grant ends — then his cached data is forgotten (kept only if a write of the user
 * still waits for the central). Grants live in memory: a restarted workstation asks again.
 */
export function createBtgService(options: BtgServiceOptions): BtgService {
  const { db, log, events } = options
  const now = options.now ?? (() => new Date())
  const doFetch = options.fetch ?? globalThis.fetch
  const grants = new Map<string, Entry>()
  const key = (practitionerId: string, patientId: string) => `${practitionerId}|${patientId}`
  const identityUrl = new URL(checkCentralUrl(options.fhirUrl, 'central baseUrl').href.replace(/\/fhir$/, '') + IDENTITY_PATH)

  function end(entry: Entry): void {
    clearTimeout(entry.timer)
    const k = key(entry.practitionerId, entry.grant.patientId)
    if (grants.get(k) !== entry) return
    grants.delete(k)
    const stillGranted = [...grants.values()].some((other) => other.grant.patientId === entry.grant.patientId)
    // Another user's grant on the same patient, or the patient now in the user's care: the data stay for them.
    const forgotten = !stillGranted && !options.keep?.(entry.grant.patientId) && forgetPatient(db, entry.grant.patientId)
    log.info('btg.ended', { forgotten })
    events.emit('data.changed', { patientIds: [entry.grant.patientId], census: true })
  }

  async function exchange(workspace: UserWorkspace, patientId: string): Promise<z.infer<typeof BtgTokenResponse>> {
    const subject = await workspace.login.token()
    const body = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: subject,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      purpose_of_use: 'BTG',
      patient: patientId,
      requested_lifetime: String(Math.max(1, Math.round(options.hours * 3600))),
    })
    let response: Response
    try {
      response = await doFetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch {
      throw new RpcFailure('OFFLINE', 'the central is unreachable: break the glass needs it')
    }
    const text = new TextDecoder().decode(await readLimited(response, 64 * 1024, 'token endpoint'))
    if (!response.ok) {
      if (response.status >= 500) throw new RpcFailure('OFFLINE', `the token endpoint answered ${response.status}`)
      throw new RpcFailure('FORBIDDEN', 'the central refused the break the glass')
    }
    const parsed = BtgTokenResponse.safeParse(JSON.parse(text))
    if (!parsed.success || parsed.data.patient !== patientId) throw new RpcFailure('INTERNAL', 'unexpected break-the-glass token response')
    return parsed.data
  }

  return {
    active(practitionerId, patientId) {
      const entry = grants.get(key(practitionerId, patientId))
      if (!entry) return null
      if (Date.parse(entry.grant.expiresAt) <= now().getTime()) {
        end(entry)
        return null
      }
      return entry.grant
    },

    async begin(workspace, params) {
      const { practitionerId } = workspace.user
      const issued = await exchange(workspace, params.patientId)
      const grantedAt = now()
      const grant: BtgGrant = {
        patientId: params.patientId,
        reason: params.reason,
        justification: params.justification ?? '',
        grantedAt: grantedAt.toISOString(),
        expiresAt: new Date(grantedAt.getTime() + issued.expires_in * 1000).toISOString(),
      }
      const central = createCentralClient({ baseUrl: options.fhirUrl, token: () => Promise.resolve(issued.access_token), log, retries: 1 })
      try {
        await prefetchPatient({ db, central, patientId: params.patientId, now: grant.grantedAt, log, view: workspace.user.role })
      } catch (error) {
        if (error instanceof CentralError) throw new RpcFailure(error.code, `break the glass: chart not fetched (${error.code})`)
        throw error
      }
      const previous = grants.get(key(practitionerId, params.patientId))
      if (previous) clearTimeout(previous.timer)
      const entry: Entry = { practitionerId, grant, timer: setTimeout(() => end(entry), Math.max(0, Date.parse(grant.expiresAt) - now().getTime())) }
      entry.timer.unref()
      grants.set(key(practitionerId, params.patientId), entry)
      log.info('btg.granted', { reason: params.reason, seconds: issued.expires_in })
      events.emit('data.changed', { patientIds: [params.patientId], census: false })
      return grant
    },

    async lookUp(workspace, name, birthDate) {
      const url = new URL(identityUrl)
      if (name) url.searchParams.set('name', name)
      if (birthDate) url.searchParams.set('birthdate', birthDate)
      try {
        const response = await doFetch(url, {
          headers: { Authorization: `Bearer ${await workspace.login.token()}`, Accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(5_000),
        })
        const text = new TextDecoder().decode(await readLimited(response, 1024 * 1024, 'identity look-up'))
        if (!response.ok) return []
        const parsed = Identities.safeParse(JSON.parse(text))
        return parsed.success ? parsed.data.patients.map((p) => minimalSummary({ ...p, sensitivity: p.sensitivity as Sensitivity[] })) : []
      } catch {
        // Offline, or a central without the look-up: the search shows the cache only.
        return []
      }
    },

    close() {
      for (const entry of grants.values()) clearTimeout(entry.timer)
      grants.clear()
    },
  }
}
