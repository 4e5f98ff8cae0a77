import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3-multiple-ciphers'
import { StoreError } from './errors'
import type { Database, Migration } from './migration'
import { migrations as knownMigrations } from './migrations'

export { StoreError, type StoreErrorCode } from './errors'
export type { Database, Migration } from './migration'
export { migrations } from './migrations'

/** The database key is 32 raw bytes (SQLCipher raw key: no PBKDF2 at open). */
export const KEY_BYTES = 32

export interface Store {
  readonly db: Database
  readonly file: string
  /** `user_version` once migrations have run. */
  readonly schemaVersion: number
  /** Checkpoints the WAL into the main file, then closes. Safe to call twice. */
  close(): void
}

export interface OpenStoreOptions {
  file: string
  key: Buffer
  /** Defaults to the application's own migrations; tests pass their own list. */
  migrations?: readonly Migration[]
}

const POSIX = process.platform !== 'win32'

/**
 * Opens (or creates) the encrypted database in SQLCipher 4 format, checks the key with a real read,
 * refuses a schema from a newer Chevet, sets the durability and hygiene pragmas, then migrates.
 */
export function openStore(options: OpenStoreOptions): Store {
  const { file, key } = options
  const steps = options.migrations ?? knownMigrations
  checkMigrationList(steps)
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    const got = Buffer.isBuffer(key) ? `${key.length} octets` : 'autre chose qu’un tampon d’octets'
    throw new StoreError('KEY_INVALID', `La clé de la base doit faire exactement ${KEY_BYTES} octets (reçu : ${got})`)
  }

  prepareFiles(file)
  const db = new BetterSqlite3(file)
  try {
    applyKey(db, key)
    verifyKey(db, file)
    const found = userVersion(db)
    const latest = steps.at(-1)?.version ?? 0
    if (found > latest) {
      throw new StoreError(
        'FUTURE_SCHEMA',
        `Cette base (schéma v${found}) vient d'une version plus récente de Chevet (schéma v${latest} au plus) : mettez Chevet à jour`,
      )
    }
    applyPragmas(db)
    const schemaVersion = migrate(db, steps, file)
    return handle(db, file, schemaVersion)
  } catch (error) {
    db.close()
    throw error
  }
}

function checkMigrationList(steps: readonly Migration[]): void {
  let previous = 0
  for (const step of steps) {
    if (!Number.isInteger(step.version) || step.version <= previous) {
      throw new Error(`Migrations out of order: ${step.version} (${step.name}) after ${previous}`)
    }
    previous = step.version
  }
}

/** Creates the directory 0700 and the files 0600 before SQLite does: its WAL and SHM files copy the database's mode. */
function prepareFiles(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
  if (!POSIX) return
  for (const candidate of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(candidate) && (statSync(candidate).mode & 0o077) !== 0) chmodSync(candidate, 0o600)
  }
}

/**
 * Passes the key as SQLCipher's raw-key literal `x'<64 hex>'` through sqlite3_key (what `PRAGMA key` does),
 * built in a buffer that is wiped afterwards, so no JavaScript string ever holds the key.
 */
function applyKey(db: Database, key: Buffer): void {
  db.pragma(`cipher = 'sqlcipher'`)
  db.pragma('legacy = 4')
  const digits = Buffer.from('0123456789abcdef', 'latin1')
  const literal = Buffer.alloc(3 + key.length * 2)
  literal[0] = 0x78 // x
  literal[1] = 0x27 // '
  key.forEach((byte, i) => {
    literal[2 + i * 2] = digits[byte >> 4]!
    literal[3 + i * 2] = digits[byte & 0x0f]!
  })
  literal[literal.length - 1] = 0x27
  try {
    const rc = db.key(literal)
    if (rc !== 0) throw new Error(`sqlite3_key failed (${rc})`)
  } finally {
    literal.fill(0)
  }
}

/** A wrong key is only detected when a page is read: SQLite then reports SQLITE_NOTADB. */
function verifyKey(db: Database, file: string): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').pluck().get()
  } catch (error) {
    throw classify(error, file)
  }
}

function classify(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'SQLITE_NOTADB') {
    return new StoreError(
      'WRONG_KEY',
      `La base chiffrée ne s'ouvre pas avec cette clé (clé erronée ou fichier d'une autre installation) : ${file}`,
      { cause: error },
    )
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      'CORRUPT',
      `La base chiffrée est endommagée (${file}) : restaurez-la depuis une sauvegarde ou réinitialisez le poste`,
      { cause: error },
    )
  }
  return error
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}

function applyPragmas(db: Database): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true })
  if (mode !== 'wal') throw new Error(`Le journal WAL est refusé pour cette base (mode obtenu : ${String(mode)})`)
  // FULL: an acknowledged write survives a power cut (DESIGN.md §8), at the cost of an fsync per commit.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('secure_delete = ON')
  // Sorts and temporary indexes stay in memory rather than in unencrypted temporary files.
  db.pragma('temp_store = MEMORY')
}

function label(step: Migration): string {
  return `${String(step.version).padStart(4, '0')}-${step.name}`
}

function migrate(db: Database, steps: readonly Migration[], file: string): number {
  for (const step of steps) {
    if (step.version <= userVersion(db)) continue
    const before = userVersion(db)
    const apply = db.transaction(() => {
      // Another process (the CLI next to the app) may have run this step while we waited for the lock.
      if (userVersion(db) >= step.version) return
      step.up(db)
      const violations = db.pragma('foreign_key_check') as unknown[]
      if (violations.length > 0) throw new Error(`${violations.length} violation(s) de clé étrangère`)
      db.pragma(`user_version = ${step.version}`)
    })
    try {
      // IMMEDIATE takes the write lock up front, so the version check above cannot race another writer.
      apply.immediate()
    } catch (error) {
      const cause = classify(error, file)
      if (cause instanceof StoreError) throw cause
      throw new StoreError(
        'MIGRATION_FAILED',
        `La mise à jour du schéma de la base a échoué à l'étape ${label(step)} ; la base reste au schéma v${before} ` +
          `et rien de cette étape n'a été appliqué (${(error as Error)?.message ?? String(error)})`,
        { cause: error },
      )
    }
  }
  return userVersion(db)
}

function handle(db: Database, file: string, schemaVersion: number): Store {
  return {
    db,
    file,
    schemaVersion,
    close() {
      if (!db.open) return
      try {
        // TRUNCATE leaves the whole database in the main file, readable by any SQLCipher 4 build.
        db.pragma('wal_checkpoint(TRUNCATE)')
      } finally {
        db.close()
      }
    },
  }
}
