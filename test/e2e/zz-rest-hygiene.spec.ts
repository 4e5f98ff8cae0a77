import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3-multiple-ciphers'
import { DEMO_STAFF, expect, hostRpc, staffMember, test } from './fixtures'
import { currentInpatientIdentities } from './support/synthetic-identities'

// Issue 10, nothing readable at rest (docs/security.md §1). Named zz- so that it runs at the end, on the worker's
// shared host after every other spec's real work (one worker, files in name order). It also does work of its own,
// so that it means something when run alone: a sign-in, the census, a search, charts, and a note that names its
// patient and INS (so the outbox and the cache hold them) — then the WHOLE data directory is searched.

const sqlcipher = createRequire(import.meta.url)('@journeyapps/sqlcipher') as typeof import('@journeyapps/sqlcipher')

/** Every file under the data directory (database, -wal, -shm, journals, logs, training folder, anything else). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
}

/**
 * The byte patterns of one word, as UTF-8 and UTF-16LE. A short name (under 6 bytes) is searched in quotes, as
 * JSON would hold it: four random bytes of ciphertext match a 4-letter name often enough over tens of megabytes.
 */
function needles(word: string): Buffer[] {
  const text = Buffer.byteLength(word) < 6 ? `"${word}"` : word
  return [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le')]
}

function sqlcipherCli(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/sqlcipher', [file, 'SELECT count(*) FROM sqlite_master;'], { timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

/** Zetetic's SQLCipher 4 (the reference implementation), read-only, with or without the key. */
async function zetetic(file: string, key: string | null, query: string): Promise<{ ok: true; row: unknown } | { ok: false; error: string }> {
  const db = new sqlcipher.Database(file, sqlcipher.OPEN_READONLY)
  try {
    return await new Promise((resolve) => {
      db.serialize()
      if (key) db.run(`PRAGMA key = "x'${key}'"`)
      db.get(query, (error: Error | null, row: unknown) => resolve(error ? { ok: false, error: error.message } : { ok: true, row }))
    })
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()))
  }
}

test.describe('nothing readable at rest', () => {
  test('after the e2e run, no file of the data directory holds a synthetic name or INS, and the database needs its key', async ({ host }) => {
    test.setTimeout(120_000)
    const { names, ins } = currentInpatientIdentities()
    const marker = `REPOS-${randomBytes(6).toString('hex')}`

    const doctor = staffMember('medecin')
    const signIn = await hostRpc(host, 'auth.signIn', { slotId: `virtual:${doctor.key}`, pin: doctor.pin })
    expect(signIn.ok, signIn.error?.message).toBe(true)
    let noted: { family: string; ins: string | null } | null = null
    try {
      type Census = { entries: { patient: { id: string; familyName: string; masked?: boolean } }[] }
      let entries: Census['entries'] = []
      await expect
        .poll(async () => {
          const census = await hostRpc(host, 'census.list')
          entries = census.ok ? (census.value as Census).entries : []
          return entries.length
        }, { timeout: 60_000 })
        .toBeGreaterThan(0)
      // Patients a list masks (sensitive) are left aside: their names are not given to search with.
      entries = entries.filter((entry) => !entry.patient.masked)
      for (const entry of entries.slice(0, 3)) {
        const search = await hostRpc(host, 'patients.search', { query: entry.patient.familyName })
        expect(search.ok, search.error?.message).toBe(true)
        expect((await hostRpc(host, 'chart.open', { patientId: entry.patient.id })).ok).toBe(true)
      }
      const first = entries[0]!.patient
      const patientIns = ins.find((value) => JSON.stringify(entries[0]).includes(value)) ?? null
      const text = `${marker} Entretien avec la famille ${first.familyName}${patientIns ? `, INS ${patientIns}` : ''}.`
      const note = await hostRpc(host, 'notes.create', { patientId: first.id, kind: 'observation', text })
      expect(note.ok, note.error?.message).toBe(true)
      noted = { family: first.familyName, ins: patientIns }
    } finally {
      await hostRpc(host, 'auth.signOut')
    }
    expect(noted).not.toBeNull()
    expect(names).toContain(noted!.family)

    const files = filesUnder(host.dataDir)
    const databases = files.filter((file) => file.endsWith('.db'))
    expect(databases.length, 'database files').toBeGreaterThan(0)
    let bytes = 0
    const found: string[] = []
    const staff = new Set(DEMO_STAFF.map((member) => member.familyName))
    const words = [...new Set([...names, ...ins, ...staff, marker])]
    const patterns = words.map((word) => ({ word, needles: needles(word) }))
    for (const file of files) {
      const content = readFileSync(file)
      bytes += content.length
      // A virtual card of the training central holds its (fictitious) holder's certificate, whose subject names
      // them as a real CPS card does: staff names are expected there, and only there.
      const card = path.relative(host.dataDir, file).startsWith(path.join('training', 'cards') + path.sep)
      for (const { word, needles: forms } of patterns) {
        if (card && staff.has(word)) continue
        if (forms.some((needle) => content.includes(needle))) found.push(`${path.relative(host.dataDir, file)}: ${word}`)
      }
    }
    console.log(
      `rest hygiene: ${files.length} files, ${bytes} bytes under the data directory (${files.map((f) => path.relative(host.dataDir, f)).join(', ')}); ` +
        `searched ${words.length} words (UTF-8 and UTF-16LE): ${found.length} found`,
    )
    expect(files.some((file) => file.endsWith('-wal')), 'a WAL file was searched').toBe(true)
    expect(found).toEqual([])

    for (const database of databases) {
      // Debian's sqlcipher CLI (3.4) and plain SQLite: not a database without the key.
      const cli = await sqlcipherCli(database)
      expect(cli.code, `sqlcipher CLI on ${path.basename(database)}`).not.toBe(0)
      expect(cli.stderr).toMatch(/file is (encrypted|not a database)/)
      const plain = new BetterSqlite3(database, { readonly: true, fileMustExist: true })
      try {
        expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/not a database/)
      } finally {
        plain.close()
      }
      // Zetetic's SQLCipher 4 without the key fails too; with the key it reads: the refusal is the cipher's, not a
      // version mismatch.
      const without = await zetetic(database, null, 'SELECT count(*) AS n FROM sqlite_master')
      expect(without.ok).toBe(false)
    }
    const main = databases.find((file) => path.basename(file) === 'chevet.db') ?? databases[0]!
    const withKey = await zetetic(main, host.dbKey, `SELECT count(*) AS n FROM health_resource WHERE json LIKE '%${marker}%'`)
    expect(withKey).toEqual({ ok: true, row: { n: 1 } })
  })
})
