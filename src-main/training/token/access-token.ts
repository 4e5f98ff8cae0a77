import { randomUUID } from 'node:crypto'
import { errors, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWTPayload } from 'jose'
import { z } from 'zod'
import { Role } from '../../contract/session'
import type { AccessDecision, Authorize } from '../fhir-server'
import type { AuthenticatedPractitioner } from './directory'

const ALGORITHM = 'ES256'
/** Clock skew tolerated on exp/iat when a token comes back (the workstation and the central may differ a little). */
export const ACCESS_TOKEN_SKEW_SECONDS = 5

const accessClaims = z.object({
  sub: z.string().min(1),
  idNat: z.string().min(1),
  role: Role,
  units: z.array(z.string()),
  /** Break the glass (btg.ts): the one patient this token reaches beyond the care relationship. */
  purpose_of_use: z.literal('BTG').optional(),
  btg_patient: z.string().min(1).max(64).optional(),
})

/** What a break-the-glass token adds to an ordinary one: its patient, and a lifetime of its own. */
export interface BtgClaims {
  patient: string
  lifetimeSeconds: number
}

/** Who an access token of this central names, once verified (the break-the-glass exchange starts from it). */
export interface VerifiedAccessToken {
  sub: string
  idNat: string
  btg: boolean
}

export interface AccessTokenOptions {
  /** The central's base URL: `iss` of every token. */
  issuer: string
  /** The FHIR base URL: `aud`, so a token is only good at this central's FHIR endpoint. */
  audience: string
  lifetimeSeconds: number
  now: () => Date
}

export interface IssuedToken {
  token: string
  expiresIn: number
}

export interface AccessTokens {
  issue(practitioner: AuthenticatedPractitioner, btg?: BtgClaims): Promise<IssuedToken>
  /** An access token of this central still valid now; null otherwise. */
  verify(token: string): Promise<VerifiedAccessToken | null>
  /** The FHIR server's `authorize`: a valid Bearer token of this central, or 401 with the reason. */
  authorize: Authorize
}

function refuse(reason: string): AccessDecision {
  return { ok: false, status: 401, reason }
}

/**
 * Access tokens of the training central: JWTs signed with an ES256 key that lives in this process only, so a
 * restarted central invalidates every token it gave (workstations sign in again with their card, which it still
 * trusts). Stateless: nothing is stored per token.
 */
export async function createAccessTokens(options: AccessTokenOptions): Promise<AccessTokens> {
  const { privateKey, publicKey }: { privateKey: CryptoKey; publicKey: CryptoKey } = await generateKeyPair(ALGORITHM)
  const seconds = () => Math.floor(options.now().getTime() / 1000)

  return {
    async issue(practitioner, btg) {
      const iat = seconds()
      const lifetime = btg?.lifetimeSeconds ?? options.lifetimeSeconds
      const token = await new SignJWT({
        idNat: practitioner.idNat,
        role: practitioner.role,
        units: practitioner.units.map((unit) => unit.id),
        ...(btg ? { purpose_of_use: 'BTG', btg_patient: btg.patient } : {}),
      })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(practitioner.id)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(privateKey)
      return { token, expiresIn: lifetime }
    },

    async verify(token) {
      const decision = await verifyBearer(token)
      if (!decision) return null
      return { sub: decision.sub, idNat: decision.idNat, btg: decision.purpose_of_use === 'BTG' }
    },

    async authorize(request) {
      const header = request.headers.authorization
      if (typeof header !== 'string' || header.length === 0) return refuse('Missing bearer token')
      const match = /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(header.trim())
      if (!match?.[1]) return refuse('Authorization is not a Bearer token')
      let payload: JWTPayload
      try {
        payload = await verifyJwt(match[1])
      } catch (error) {
        if (error instanceof errors.JWTExpired) return refuse('Access token expired')
        return refuse('Invalid access token')
      }
      const claims = accessClaims.safeParse(payload)
      if (!claims.success) return refuse('Invalid access token')
      const btg = claims.data.purpose_of_use === 'BTG' && claims.data.btg_patient !== undefined
      return {
        ok: true,
        user: {
          id: claims.data.sub,
          units: claims.data.units,
          role: claims.data.role,
          // An ordinary token names no patient beyond the care relationship; a BTG token names one.
          grantedPatients: btg ? [claims.data.btg_patient as string] : [],
          ...(btg ? { purposeOfUse: 'BTG' as const } : {}),
        },
      }
    },
  }

  async function verifyJwt(token: string): Promise<JWTPayload> {
    return (
      await jwtVerify(token, publicKey, {
        algorithms: [ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        typ: 'at+jwt',
        clockTolerance: ACCESS_TOKEN_SKEW_SECONDS,
        currentDate: options.now(),
        requiredClaims: ['exp', 'iat', 'sub'],
      })
    ).payload
  }

  async function verifyBearer(token: string): Promise<z.infer<typeof accessClaims> | null> {
    try {
      const claims = accessClaims.safeParse(await verifyJwt(token))
      return claims.success ? claims.data : null
    } catch {
      return null
    }
  }
}
