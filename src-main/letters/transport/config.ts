import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/**
 * The `mssante` block of chevet.config.json: the operator's SMTP submission server (STARTTLS, port 587) and the
 * certificate the workstation authenticates with (the establishment's application-mailbox certificate). Paths are
 * read relative to the config file.
 */
export const MssanteConfigFile = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535).optional(),
    /** The sender: the establishment's application mailbox (appli@hopital.mssante.fr) unless the signer has one. */
    from: z.email(),
    clientCertPath: z.string().min(1),
    clientKeyPath: z.string().min(1),
    /** Trust anchors of the server certificate (IGC-Santé); absent: the system's. */
    caPath: z.string().min(1).optional(),
    /** Name checked in the server certificate when `host` is an address. */
    servername: z.string().min(1).max(253).optional(),
    maxAttempts: z.number().int().min(1).max(10).optional(),
    retryBaseSeconds: z.number().min(0.01).max(3600).optional(),
  })
  .strict()
export type MssanteConfigFile = z.infer<typeof MssanteConfigFile>

export interface MssanteConfig {
  host: string
  port: number
  from: string
  clientCertPath: string
  clientKeyPath: string
  caPath: string | null
  servername: string | null
  maxAttempts: number
  retryBaseMs: number
}

export const MSSANTE_DEFAULT_PORT = 587
export const MSSANTE_DEFAULT_ATTEMPTS = 4
export const MSSANTE_DEFAULT_RETRY_MS = 30_000

/** Resolves paths against `baseDir` and checks the files are there; `fail` turns a problem into the caller's error. */
export function resolveMssanteConfig(file: MssanteConfigFile, baseDir: string, fail: (message: string) => Error): MssanteConfig {
  const resolve = (p: string, what: string) => {
    const full = path.resolve(baseDir, p)
    if (!existsSync(full)) throw fail(`MSSanté : ${what} introuvable (${full})`)
    return full
  }
  return {
    host: file.host,
    port: file.port ?? MSSANTE_DEFAULT_PORT,
    from: file.from,
    clientCertPath: resolve(file.clientCertPath, 'certificat client'),
    clientKeyPath: resolve(file.clientKeyPath, 'clé privée du certificat client'),
    caPath: file.caPath ? resolve(file.caPath, 'autorités de confiance') : null,
    servername: file.servername ?? null,
    maxAttempts: file.maxAttempts ?? MSSANTE_DEFAULT_ATTEMPTS,
    retryBaseMs: Math.round((file.retryBaseSeconds ?? MSSANTE_DEFAULT_RETRY_MS / 1000) * 1000),
  }
}

/** What the transport is given: the TLS material itself, never paths (the training relay has none). */
export interface MssanteTransportSettings {
  host: string
  port: number
  from: string
  tls: { cert: string; key: string; ca?: string; servername?: string }
  maxAttempts: number
  retryBaseMs: number
}

export function mssanteTransportSettings(config: MssanteConfig): MssanteTransportSettings {
  return {
    host: config.host,
    port: config.port,
    from: config.from,
    tls: {
      cert: readFileSync(config.clientCertPath, 'utf8'),
      key: readFileSync(config.clientKeyPath, 'utf8'),
      ...(config.caPath ? { ca: readFileSync(config.caPath, 'utf8') } : {}),
      ...(config.servername ? { servername: config.servername } : {}),
    },
    maxAttempts: config.maxAttempts,
    retryBaseMs: config.retryBaseMs,
  }
}
