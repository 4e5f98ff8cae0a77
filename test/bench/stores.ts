import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3-multiple-ciphers'
import { migrations, openStore, type Database } from '../../src-main/store'

export interface BenchDb {
  db: Database
  close(): void
}

/** One temp dir for every database of the run, removed by `cleanup()` (also on failure). */
export function createScratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-bench-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The product's encrypted store (SQLCipher 4, raw 32-byte key), exactly as the workstation opens it. */
export function openEncrypted(dir: string, name: string): BenchDb {
  const store = openStore({ file: path.join(dir, `${name}.db`), key: randomBytes(32) })
  return { db: store.db, close: () => store.close() }
}

/**
 * The same schema without encryption, for the cipher overhead. openStore refuses anything but a 32-byte key, so
 * this mirrors its pragmas (WAL, synchronous FULL, foreign keys, secure_delete, temp_store MEMORY) and runs the
 * same migrations, each in a transaction, as it does.
 */
export function openPlain(dir: string, name: string): BenchDb {
  const db = new BetterSqlite3(path.join(dir, `${name}.db`))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('secure_delete = ON')
  db.pragma('temp_store = MEMORY')
  for (const step of migrations) {
    db.transaction(() => {
      step.up(db)
      db.pragma(`user_version = ${step.version}`)
    }).immediate()
  }
  return {
    db,
    close() {
      if (!db.open) return
      db.pragma('wal_checkpoint(TRUNCATE)')
      db.close()
    },
  }
}
