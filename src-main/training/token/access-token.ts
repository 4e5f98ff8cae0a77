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
})

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
  issue(practitioner: AuthenticatedPractitioner): Promise<IssuedToken>
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
    async issue(practitioner) {
      const iat = seconds()
      const token = await new SignJWT({
        idNat: practitioner.idNat,
        role: practitioner.role,
        units: practitioner.units.map((unit) => unit.id),
      })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(practitioner.id)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.lifetimeSeconds)
        .sign(privateKey)
      return { token, expiresIn: options.lifetimeSeconds }
    },

    async authorize(request) {
      const header = request.headers.authorization
      if (typeof header !== 'string' || header.length === 0) return refuse('Missing bearer token')
      const match = /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(header.trim())
      if (!match?.[1]) return refuse('Authorization is not a Bearer token')
      let payload: JWTPayload
      try {
        ;({ payload } = await jwtVerify(match[1], publicKey, {
          algorithms: [ALGORITHM],
          issuer: options.issuer,
          audience: options.audience,
          typ: 'at+jwt',
          clockTolerance: ACCESS_TOKEN_SKEW_SECONDS,
          currentDate: options.now(),
          requiredClaims: ['exp', 'iat', 'sub'],
        }))
      } catch (error) {
        if (error instanceof errors.JWTExpired) return refuse('Access token expired')
        return refuse('Invalid access token')
      }
      const claims = accessClaims.safeParse(payload)
      if (!claims.success) return refuse('Invalid access token')
      return { ok: true, user: { id: claims.data.sub, units: claims.data.units, role: claims.data.role } }
    },
  }
}
