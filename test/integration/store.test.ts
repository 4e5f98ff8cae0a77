import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import BetterSqlite3 from 'better-sqlite3-multiple-ciphers'
import { migrations, openStore, StoreError, type Migration, type Store } from '../../src-main/store'

// Loaded through require: the package is CommonJS and fills its exports at run time.
const sqlcipher = createRequire(import.meta.url)('@journeyapps/sqlcipher') as typeof import('@journeyapps/sqlcipher')

const LATEST = migrations.at(-1)!.version
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')
const POSIX = process.platform !== 'win32'

let dir: string
let file: string
let key: Buffer
const opened: Store[] = []

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-store-'))
  file = path.join(dir, 'data', 'chevet.db')
  key = randomBytes(32)
})

afterEach(() => {
  for (const store of opened.splice(0)) store.close()
  rmSync(dir, { recursive: true, force: true })
})

function open(options: { key?: Buffer; migrations?: readonly Migration[] } = {}): Store {
  const store = openStore({ file, key: options.key ?? key, ...(options.migrations ? { migrations: options.migrations } : {}) })
  opened.push(store)
  return store
}

/** Opens the file the way a peer holding the key would, without our store code. */
function rawOpen(withKey: Buffer = key): BetterSqlite3.Database {
  const db = new BetterSqlite3(file)
  db.pragma(`cipher = 'sqlcipher'`)
  db.pragma('legacy = 4')
  db.pragma(`key = "x'${withKey.toString('hex')}'"`)
  return db
}

function expectStoreError(action: () => unknown, code: StoreError['code']): StoreError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe(code)
    return error as StoreError
  }
  throw new Error(`expected StoreError ${code}, nothing was thrown`)
}

function sha256(target: string): string {
  return createHash('sha256').update(readFileSync(target)).digest('hex')
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

function insertPatient(store: Store, marker: string): void {
  const now = new Date().toISOString()
  const patient = { resourceType: 'Patient', id: 'p1', name: [{ family: marker, given: ['Hélène', 'Marie'] }] }
  store.db
    .prepare(
      `INSERT INTO identity (patient_id, identity_status, ins, ins_oid, family_name, given_name, birth_family_name,
         birth_given_names, sex, birth_date, sort_key, json, fetched_at)
       VALUES ('p1', 'QUAL', '279035912345608', '1.2.250.1.213.1.4.8', ?, 'Hélène', ?, 'Hélène Marie', 'female',
         '1979-03-12', ?, ?, ?)`,
    )
    .run(marker, marker, marker.toLowerCase(), JSON.stringify(patient), now)
  store.db
    .prepare(
      `INSERT INTO health_resource (resource_type, id, patient_id, version_id, last_updated, fetched_at, json)
       VALUES ('Observation', 'o1', 'p1', '1', ?, ?, ?)`,
    )
    .run(now, now, JSON.stringify({ resourceType: 'Observation', id: 'o1', note: [{ text: marker }] }))
}

describe('encrypted store: what an observer without the key sees', () => {
  it('leaves no plaintext on disk, and neither Debian’s sqlcipher CLI nor plain SQLite can open it', async () => {
    const marker = `DUPONT-MARQUEUR-${randomBytes(8).toString('hex')}`
    const store = open()
    insertPatient(store, marker)

    const needle = Buffer.from(marker, 'utf8')
    const walBefore = `${file}-wal`
    expect(existsSync(walBefore)).toBe(true)
    expect(readFileSync(walBefore).length).toBeGreaterThan(0)
    for (const part of [file, walBefore]) expect(readFileSync(part).includes(needle)).toBe(false)

    store.close()
    expect(existsSync(walBefore) ? statSync(walBefore).size : 0).toBe(0)
    const bytes = readFileSync(file)
    expect(bytes.length).toBeGreaterThan(4096)
    expect(bytes.subarray(0, 16).equals(SQLITE_HEADER)).toBe(false)
    expect(bytes.includes(needle)).toBe(false)

    if (POSIX) {
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700)
    }

    const cli = await run('/usr/bin/sqlcipher', [file, 'SELECT count(*) FROM sqlite_master;'])
    expect(cli.code).not.toBe(0)
    expect(cli.stderr).toMatch(/file is (encrypted|not a database)/)
    expect(cli.stdout).not.toContain(marker)

    const plain = new BetterSqlite3(file, { readonly: true })
    try {
      expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/file is not a database/)
    } finally {
      plain.close()
    }
  })

  it('keeps the WAL and shared-memory files private too, and tightens a database file left readable', () => {
    open().close()
    chmodSync(file, 0o644)
    const store = open()
    insertPatient(store, 'X')
    for (const part of [file, `${file}-wal`, `${file}-shm`]) {
      expect(existsSync(part)).toBe(true)
      expect(statSync(part).mode & 0o077).toBe(0)
    }
  })
})

describe('encrypted store: interoperability with Zetetic’s SQLCipher 4', () => {
  it('opens with the key in @journeyapps/sqlcipher and reads back what the store wrote', async () => {
    const marker = `Hélène-${randomBytes(4).toString('hex')}`
    const store = open()
    insertPatient(store, marker)
    const schemaVersion = store.schemaVersion
    store.close()

    const db = new sqlcipher.Database(file)
    const get = (sql: string) =>
      new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout: ${sql}`)), 15_000)
        db.get(sql, (error: Error | null, row: Record<string, unknown> | undefined) => {
          clearTimeout(timer)
          if (error) reject(error)
          else resolve(row)
        })
      })
    try {
      db.serialize()
      db.run(`PRAGMA key = "x'${key.toString('hex')}'"`)
      const version = await get('PRAGMA cipher_version')
      expect(String(version?.cipher_version)).toMatch(/^4\./)
      const row = await get(`SELECT birth_family_name, birth_given_names FROM identity WHERE patient_id = 'p1'`)
      expect(row).toEqual({ birth_family_name: marker, birth_given_names: 'Hélène Marie' })
      const observation = await get(`SELECT json ->> '$.note[0].text' AS text FROM health_resource WHERE id = 'o1'`)
      expect(observation?.text).toBe(marker)
      expect((await get('PRAGMA user_version'))?.user_version).toBe(schemaVersion)
    } finally {
      await new Promise<void>((resolve) => db.close(() => resolve()))
    }
  })
})

describe('encrypted store: keys', () => {
  it('refuses a wrong key with WRONG_KEY and a French message, leaving the file as it was', () => {
    open().close()
    const before = sha256(file)
    const error = expectStoreError(() => open({ key: randomBytes(32) }), 'WRONG_KEY')
    expect(error.message).toContain(
      "La base chiffrée ne s'ouvre pas avec cette clé (clé erronée ou fichier d'une autre installation)",
    )
    expect(sha256(file)).toBe(before)
    expect(open().schemaVersion).toBe(LATEST)
  })

  it('refuses a key that is not 32 bytes with KEY_INVALID, before creating anything', () => {
    const error = expectStoreError(() => open({ key: randomBytes(31) }), 'KEY_INVALID')
    expect(error.message).toMatch(/32 octets/)
    expect(existsSync(file)).toBe(false)
    expectStoreError(() => open({ key: randomBytes(33) }), 'KEY_INVALID')
  })
})

describe('encrypted store: pragmas and schema', () => {
  it('runs with WAL, synchronous=FULL, foreign keys and secure delete', () => {
    const { db } = open()
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('secure_delete', { simple: true })).toBe(1)
    expect(db.pragma('temp_store', { simple: true })).toBe(2)
    expect(() =>
      db.prepare(`INSERT INTO identity_token (token, sort_key, patient_id) VALUES ('x', 'x', 'nobody')`).run(),
    ).toThrow(/FOREIGN KEY constraint failed/)
  })

  it('creates the segmented tables as STRICT tables, with an append-only audit journal', () => {
    const { db } = open()
    const tables = db
      .prepare(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all()
    expect(tables).toEqual(
      [
        'administrative',
        'audit_journal',
        'bdpm_composition',
        'bdpm_generic',
        'bdpm_import',
        'bdpm_presentation',
        'bdpm_speciality',
        'conflict_task',
        'document',
        'encounter',
        'formulary_token',
        'health_resource',
        'identity',
        'identity_token',
        'letter',
        'letter_delivery',
        'location',
        'meta',
        'outbox',
        'professional',
        'sync_state',
      ].map(
        (name) => ({ name, strict: 1 }),
      ),
    )
    expect(() => db.prepare(`INSERT INTO meta (key, value) VALUES ('n', x'01')`).run()).toThrow(/cannot store BLOB/)

    const zero = '0'.repeat(64)
    db.prepare(
      `INSERT INTO audit_journal (recorded_at, actor, action, prev_hash, hash) VALUES ('t', 'pr1', 'read', ?, ?)`,
    ).run(zero, 'a'.repeat(64))
    expect(() => db.prepare('DELETE FROM audit_journal').run()).toThrow(/append-only/)
    expect(() => db.prepare(`UPDATE audit_journal SET actor = 'other'`).run()).toThrow(/append-only/)
    db.prepare(`UPDATE audit_journal SET exported_at = 't2'`).run()

    db.prepare(
      `INSERT INTO outbox (idempotency_key, kind, method, resource_type, body, created_at, updated_at)
         VALUES ('k1', 'vitals', 'POST', 'Bundle', '{}', 't', 't')`,
    ).run()
    expect(() =>
      db.prepare(
        `INSERT INTO outbox (idempotency_key, kind, method, resource_type, body, created_at, updated_at)
         VALUES ('k1', 'vitals', 'POST', 'Bundle', '{}', 't', 't')`,
      ).run(),
    ).toThrow(/UNIQUE constraint failed: outbox.idempotency_key/)
  })
})

describe('encrypted store: migrations', () => {
  it('is idempotent: a second open runs nothing, recreates nothing and keeps the data', () => {
    let runs = 0
    const counted: Migration[] = [
      ...migrations,
      {
        version: LATEST + 1,
        name: 'counted',
        up(db) {
          runs += 1
          db.exec('CREATE TABLE extra (x TEXT) STRICT')
        },
      },
    ]
    const first = open({ migrations: counted })
    expect(first.schemaVersion).toBe(LATEST + 1)
    insertPatient(first, 'KEPT')
    const schema = first.db.prepare('SELECT name, rootpage, sql FROM sqlite_master ORDER BY name').all()
    const meta = first.db.prepare('SELECT key, value FROM meta ORDER BY key').all()
    first.close()

    const second = open({ migrations: counted })
    expect(runs).toBe(1)
    expect(second.schemaVersion).toBe(LATEST + 1)
    expect(second.db.prepare('SELECT name, rootpage, sql FROM sqlite_master ORDER BY name').all()).toEqual(schema)
    expect(second.db.prepare('SELECT key, value FROM meta ORDER BY key').all()).toEqual(meta)
    expect(second.db.prepare(`SELECT birth_family_name FROM identity WHERE patient_id = 'p1'`).pluck().get()).toBe('KEPT')
  })

  it('rolls a failing migration back entirely and stays at the previous version', () => {
    const first: Migration = { version: 1, name: 'first', up: (db) => db.exec('CREATE TABLE a (x TEXT) STRICT') }
    const broken: Migration = {
      version: 2,
      name: 'broken-step',
      up(db) {
        db.exec('CREATE TABLE b (y TEXT) STRICT')
        db.exec(`INSERT INTO a VALUES ('half')`)
        throw new Error('boom')
      },
    }
    const error = expectStoreError(() => open({ migrations: [first, broken] }), 'MIGRATION_FAILED')
    expect(error.message).toContain('0002-broken-step')
    expect(error.message).toContain('schéma v1')
    expect(error.message).toContain('boom')

    const db = rawOpen()
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(1)
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all()).toEqual(['a'])
      expect(db.prepare('SELECT count(*) FROM a').pluck().get()).toBe(0)
    } finally {
      db.close()
    }
    expect(open({ migrations: [first] }).schemaVersion).toBe(1)
  })

  it('refuses a database from a newer Chevet with FUTURE_SCHEMA and does not touch it', () => {
    open().close()
    const db = rawOpen()
    db.pragma(`user_version = ${LATEST + 1}`)
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.close()
    const before = sha256(file)
    const filesBefore = readdirSync(path.dirname(file)).sort()

    const error = expectStoreError(() => open(), 'FUTURE_SCHEMA')
    expect(error.message).toBe(
      `Cette base (schéma v${LATEST + 1}) vient d'une version plus récente de Chevet (schéma v${LATEST} au plus) : mettez Chevet à jour`,
    )
    expect(sha256(file)).toBe(before)
    expect(readdirSync(path.dirname(file)).sort()).toEqual(filesBefore)
    const check = rawOpen()
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(LATEST + 1)
    } finally {
      check.close()
    }
  })

  it('rejects a migration list that is out of order', () => {
    const step = (version: number): Migration => ({ version, name: `v${version}`, up: () => undefined })
    expect(() => open({ migrations: [step(2), step(1)] })).toThrow(/out of order/)
    expect(() => open({ migrations: [step(1), step(1)] })).toThrow(/out of order/)
    expect(existsSync(file)).toBe(false)
  })
})
