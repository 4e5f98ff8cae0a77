import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreError } from '../../src-main/store'
import { chooseNodeKeyVault, DATABASE_FILE_NAME, envKeyVault, fileKeyVault, KEY_FILE_NAME } from '../../src-main/store/key-vault'

const POSIX = process.platform !== 'win32'

let dir: string
let dataDir: string

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-vault-'))
  dataDir = path.join(dir, 'data')
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

function expectKeyInvalid(action: () => unknown, message: RegExp): void {
  let caught: unknown
  try {
    action()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(StoreError)
  expect((caught as StoreError).code).toBe('KEY_INVALID')
  expect((caught as StoreError).message).toMatch(message)
}

describe('file key vault', () => {
  it('creates a private 32-byte key file once and returns the same key afterwards', () => {
    const vault = fileKeyVault(dataDir)
    expect(vault.backend).toBe('file')
    expect(vault.warning).toMatch(/protégée uniquement par les droits du fichier/)

    const key = vault.loadOrCreateKey()
    const file = path.join(dataDir, KEY_FILE_NAME)
    expect(key.length).toBe(32)
    expect(readFileSync(file).equals(key)).toBe(true)
    if (POSIX) {
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    }
    expect(readdirSync(dataDir)).toEqual([KEY_FILE_NAME])

    expect(vault.loadOrCreateKey().equals(key)).toBe(true)
    expect(fileKeyVault(dataDir).loadOrCreateKey().equals(key)).toBe(true)
  })

  it('creates a different key for a different installation', () => {
    const other = path.join(dir, 'other')
    expect(fileKeyVault(dataDir).loadOrCreateKey().equals(fileKeyVault(other).loadOrCreateKey())).toBe(false)
  })

  it('refuses a key file that other accounts can read, and leaves it alone', () => {
    mkdirSync(dataDir, { recursive: true })
    const file = path.join(dataDir, KEY_FILE_NAME)
    const key = randomBytes(32)
    writeFileSync(file, key, { mode: 0o600 })
    chmodSync(file, 0o644)
    expectKeyInvalid(() => fileKeyVault(dataDir).loadOrCreateKey(), /lisible par d’autres comptes \(mode 0644\)/)
    expect(readFileSync(file).equals(key)).toBe(true)
    expect(statSync(file).mode & 0o777).toBe(0o644)
  })

  it('refuses a key file of the wrong size', () => {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(path.join(dataDir, KEY_FILE_NAME), randomBytes(31), { mode: 0o600 })
    expectKeyInvalid(() => fileKeyVault(dataDir).loadOrCreateKey(), /32 octets attendus, 31 trouvés/)
  })

  it('refuses a key file that is a symbolic link', () => {
    mkdirSync(dataDir, { recursive: true })
    const target = path.join(dir, 'elsewhere.key')
    writeFileSync(target, randomBytes(32), { mode: 0o600 })
    symlinkSync(target, path.join(dataDir, KEY_FILE_NAME))
    expectKeyInvalid(() => fileKeyVault(dataDir).loadOrCreateKey(), /lien symbolique/)
  })

  it('refuses to create a new key beside an existing database whose key file is gone', () => {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(path.join(dataDir, DATABASE_FILE_NAME), 'encrypted bytes')
    expectKeyInvalid(() => fileKeyVault(dataDir).loadOrCreateKey(), /existe mais sa clé .* est introuvable/)
    expect(readdirSync(dataDir)).toEqual([DATABASE_FILE_NAME])
  })
})

describe('environment key vault', () => {
  it('returns the key given as 64 hex digits, a fresh copy each time, with a warning', () => {
    const key = randomBytes(32)
    const vault = envKeyVault(key.toString('hex').toUpperCase())
    expect(vault.backend).toBe('env:CHEVET_DB_KEY')
    expect(vault.warning).toMatch(/CHEVET_DB_KEY/)
    const first = vault.loadOrCreateKey()
    expect(first.equals(key)).toBe(true)
    first.fill(0)
    expect(vault.loadOrCreateKey().equals(key)).toBe(true)
  })

  it('refuses anything but 64 hex digits', () => {
    for (const bad of ['', 'ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32), ` ${'ab'.repeat(32)}`]) {
      expectKeyInvalid(() => envKeyVault(bad), /64 chiffres hexadécimaux/)
    }
  })
})

describe('chooseNodeKeyVault', () => {
  it('uses CHEVET_DB_KEY when set, the key file otherwise', () => {
    expect(chooseNodeKeyVault({ dataDir, dbKeyHex: 'ab'.repeat(32) }).backend).toBe('env:CHEVET_DB_KEY')
    expect(chooseNodeKeyVault({ dataDir, dbKeyHex: null }).backend).toBe('file')
  })
})
