import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { z } from 'zod'
import { Establishment } from '../contract'
import { MssanteConfigFile, resolveMssanteConfig, type MssanteConfig } from '../letters/transport/config'

/** Default locations of the ANS Cryptolib CPS PKCS#11 library (DOMAIN.md §1.1). */
export const CRYPTOLIB_DEFAULT_PATHS: Record<string, string[]> = {
  linux: ['/opt/santesocial/CPS/lib/libcps3_pkcs11_lux.so', '/usr/local/galss/libcps3_pkcs11_lux.so'],
  win32: ['C:\\Windows\\System32\\cps3_pkcs11_w64.dll', 'C:\\Windows\\SysWOW64\\cps3_pkcs11_w32.dll'],
  darwin: ['/usr/local/lib/libcps3_pkcs11_osx.dylib'],
}

const PscEnvironment = z.enum(['production', 'bac-a-sable'])
const PscClientAuth = z.enum(['none', 'client_secret_basic', 'client_secret_post'])

/** The hospital-IT configuration file (`chevet.config.json`), validated at start. */
export const ConfigFile = z
  .object({
    centralUrl: z.string().url().optional(),
    /** Token endpoint of the central (RFC 7523 card assertions); by default `<central>/../auth/token`. */
    tokenUrl: z.string().url().optional(),
    establishment: Establishment.optional(),
    pkcs11Modules: z.array(z.string().min(1)).optional(),
    trustAnchorsDir: z.string().min(1).optional(),
    inactivityMinutes: z.number().int().min(1).max(240).optional(),
    /** Background refresh of the cache while the central answers. */
    syncIntervalSeconds: z.number().int().min(5).max(3600).optional(),
    /** Cached data of patients who left the user's units is purged after this delay (DOMAIN.md §5, docs/retention.md). */
    cacheRetentionHours: z.number().int().min(1).max(24 * 30).optional(),
    /** Duration of a break the glass (issue 6; default 4 h; the central caps it at 24 h). */
    btgHours: z.number().positive().max(24).optional(),
    /** Prescribing (issue 8): an interne's order stays a draft until a senior validates it. Default: no (CSP R6153-3). */
    internOrdersNeedSenior: z.boolean().optional(),
    chromiumPath: z.string().min(1).optional(),
    /** Hosts (and their subdomains) whose https links may open in the system browser. */
    externalLinkHosts: z
      .array(z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'nom d’hôte attendu, ex. esante.gouv.fr'))
      .optional(),
    /** MSSanté sending of letters (issue 9, docs/mssante-dmp.md); absent: the training relay, or no sending. */
    mssante: MssanteConfigFile.optional(),
    /** e-CPS sign-in through Pro Santé Connect (DOMAIN.md §1.3); absent: not offered. */
    psc: z
      .object({
        environment: PscEnvironment.optional(),
        issuer: z.string().url().optional(),
        discoveryUrl: z.string().url().optional(),
        clientId: z.string().min(1).max(200),
        clientSecret: z.string().min(1).max(500).optional(),
        clientAuth: PscClientAuth.optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
export type ConfigFile = z.infer<typeof ConfigFile>

/** Chevet's registration at Pro Santé Connect; the endpoints themselves are in src-main/auth/psc/settings.ts. */
export interface PscConfig {
  environment: z.infer<typeof PscEnvironment>
  /** Overrides the environment's issuer (and then its discovery URL). */
  issuer: string | null
  discoveryUrl: string | null
  clientId: string
  /** Never logged. */
  clientSecret: string | null
  /** null: HTTP Basic with a secret, none without. */
  clientAuth: z.infer<typeof PscClientAuth> | null
}

export interface ChevetConfig {
  dataDir: string
  /** Path of the config file that was read, or null when none exists. */
  configFile: string | null
  /** Raw database key from CHEVET_DB_KEY (64 hex digits), if set. Never logged. */
  dbKeyHex: string | null
  /** Port of the browser host; 0 picks a free port. */
  port: number
  centralUrl: string | null
  tokenUrl: string | null
  trainingDir: string | null
  establishment: Establishment | null
  pkcs11Modules: string[]
  trustAnchorsDir: string | null
  inactivityMinutes: number
  syncIntervalSeconds: number
  cacheRetentionHours: number
  /** Duration of a break the glass, in hours. */
  btgHours: number
  internOrdersNeedSenior: boolean
  chromiumPath: string | null
  /** null: the shell's default allow-list. */
  externalLinkHosts: string[] | null
  /** null: no e-CPS sign-in (no PSC client id configured). */
  psc: PscConfig | null
  /** null: no MSSanté server configured (training: the relay of the training central). */
  mssante: MssanteConfig | null
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** The central's token endpoint when none is configured: `/fhir` replaced by `/auth/token`, else appended. */
export function defaultTokenUrl(centralUrl: string): string {
  const url = new URL(centralUrl)
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/fhir$/, '') + '/auth/token'
  url.search = ''
  url.hash = ''
  return url.toString()
}

/** The OS user-data directory, as Electron's `app.getPath('userData')` would give for "Chevet". */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir()
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Chevet')
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Chevet')
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Chevet')
}

/** zod speaks English; hospital IT reads French. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `clé inconnue : ${issue.keys.join(', ')}`
    case 'invalid_type':
      return `type invalide (attendu : ${issue.expected})`
    case 'too_small':
      return `valeur trop petite (minimum : ${String(issue.minimum)})`
    case 'too_big':
      return `valeur trop grande (maximum : ${String(issue.maximum)})`
    case 'invalid_format':
      return `format invalide (${issue.format})`
    case 'invalid_value':
      return `valeur attendue : ${issue.values.map(String).join(', ')}`
    default:
      return 'valeur invalide'
  }
}

function readConfigFile(file: string): ConfigFile {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ConfigError(`Fichier de configuration illisible (${file}) : ${(error as Error).message}`)
  }
  const parsed = ConfigFile.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || '(racine)'
    throw new ConfigError(`Fichier de configuration invalide (${file}) : « ${where} » — ${issue ? describeIssue(issue) : 'invalide'}`)
  }
  return parsed.data
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 0
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`CHEVET_PORT invalide : « ${value} » (un entier de 0 à 65535 est attendu)`)
  }
  return port
}

/** One PSC setting from the environment (which wins) or the file, checked with the file's own schema. */
function pscSetting<T>(env: NodeJS.ProcessEnv, name: string, fromFile: T | undefined, schema: z.ZodType<T>, expected: string): T | null {
  const value = env[name]
  if (!value) return fromFile ?? null
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new ConfigError(`${name} invalide : « ${value} » (${expected})`)
  return parsed.data
}

function loadPscConfig(env: NodeJS.ProcessEnv, file: ConfigFile['psc']): PscConfig | null {
  const clientId = env.CHEVET_PSC_CLIENT_ID || file?.clientId || null
  const others = ['CHEVET_PSC_ENV', 'CHEVET_PSC_ISSUER', 'CHEVET_PSC_DISCOVERY_URL', 'CHEVET_PSC_CLIENT_SECRET', 'CHEVET_PSC_CLIENT_AUTH']
  if (!clientId) {
    const orphan = others.find((name) => env[name])
    if (orphan) throw new ConfigError(`${orphan} est défini mais CHEVET_PSC_CLIENT_ID manque (identifiant client Pro Santé Connect)`)
    return null
  }
  const url = z.string().url()
  const psc: PscConfig = {
    environment: pscSetting(env, 'CHEVET_PSC_ENV', file?.environment, PscEnvironment, 'production ou bac-a-sable') ?? 'production',
    issuer: pscSetting(env, 'CHEVET_PSC_ISSUER', file?.issuer, url, 'une URL https est attendue'),
    discoveryUrl: pscSetting(env, 'CHEVET_PSC_DISCOVERY_URL', file?.discoveryUrl, url, 'une URL https est attendue'),
    clientId,
    clientSecret: env.CHEVET_PSC_CLIENT_SECRET || file?.clientSecret || null,
    clientAuth: pscSetting(env, 'CHEVET_PSC_CLIENT_AUTH', file?.clientAuth, PscClientAuth, 'none, client_secret_basic ou client_secret_post'),
  }
  if (psc.clientAuth && psc.clientAuth !== 'none' && !psc.clientSecret) {
    throw new ConfigError(`Pro Santé Connect : la méthode ${psc.clientAuth} demande un secret client (CHEVET_PSC_CLIENT_SECRET ou psc.clientSecret)`)
  }
  for (const [name, value] of [['émetteur', psc.issuer], ['document de découverte', psc.discoveryUrl]] as const) {
    if (value && !/^https:/.test(value) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(value)) {
      throw new ConfigError(`Pro Santé Connect : l’${name} doit être en https (${value})`)
    }
  }
  return psc
}

/**
 * Builds the configuration from the environment and the optional config file
 * (`CHEVET_CONFIG`, else `<data dir>/chevet.config.json`). Environment variables win over the file.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ChevetConfig {
  const dataDir = path.resolve(env.CHEVET_DATA_DIR || defaultDataDir(env))
  const candidate = env.CHEVET_CONFIG ? path.resolve(env.CHEVET_CONFIG) : path.join(dataDir, 'chevet.config.json')
  if (env.CHEVET_CONFIG && !existsSync(candidate)) {
    throw new ConfigError(`CHEVET_CONFIG désigne un fichier absent : ${candidate}`)
  }
  const file = existsSync(candidate) ? readConfigFile(candidate) : {}

  const dbKeyHex = env.CHEVET_DB_KEY ?? null
  if (dbKeyHex !== null && !/^[0-9a-fA-F]{64}$/.test(dbKeyHex)) {
    throw new ConfigError('CHEVET_DB_KEY invalide : 64 chiffres hexadécimaux (32 octets) sont attendus')
  }

  const centralUrl = env.CHEVET_CENTRAL_URL || file.centralUrl || null
  if (centralUrl !== null && !z.string().url().safeParse(centralUrl).success) {
    throw new ConfigError(`CHEVET_CENTRAL_URL invalide : « ${centralUrl} »`)
  }

  const envModules = env.CHEVET_PKCS11_MODULE ? env.CHEVET_PKCS11_MODULE.split(path.delimiter).filter(Boolean) : null

  return {
    dataDir,
    configFile: existsSync(candidate) ? candidate : null,
    dbKeyHex,
    port: parsePort(env.CHEVET_PORT),
    centralUrl,
    tokenUrl: env.CHEVET_TOKEN_URL || file.tokenUrl || (centralUrl ? defaultTokenUrl(centralUrl) : null),
    trainingDir: env.CHEVET_TRAINING_DIR ? path.resolve(env.CHEVET_TRAINING_DIR) : null,
    establishment: file.establishment ?? null,
    pkcs11Modules: envModules ?? file.pkcs11Modules ?? CRYPTOLIB_DEFAULT_PATHS[process.platform] ?? [],
    trustAnchorsDir: file.trustAnchorsDir ?? null,
    inactivityMinutes: file.inactivityMinutes ?? 10,
    syncIntervalSeconds: file.syncIntervalSeconds ?? 30,
    cacheRetentionHours: file.cacheRetentionHours ?? 72,
    btgHours: file.btgHours ?? 4,
    internOrdersNeedSenior: file.internOrdersNeedSenior ?? false,
    chromiumPath: env.CHEVET_CHROMIUM || file.chromiumPath || null,
    externalLinkHosts: file.externalLinkHosts ?? null,
    psc: loadPscConfig(env, file.psc),
    mssante: file.mssante ? resolveMssanteConfig(file.mssante, path.dirname(candidate), (message) => new ConfigError(message)) : null,
  }
}
