import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  KeyVaultRefusal,
  WRAPPED_KEY_FILE,
  createSafeStorageVault,
  type SafeStorageApi,
} from '../../src-main/shell/safe-storage-vault'

type Backend = ReturnType<SafeStorageApi['getSelectedStorageBackend']>

/**
 * safeStorage faked at its boundary: a reversible cipher keyed by the backend, so that a blob wrapped by one
 * keyring does not unwrap under another, as with the real OS secret stores.
 */
function fakeSafeStorage(backend: Backend, available = true): SafeStorageApi & { encrypted: string[] } {
  const pad = createHash('sha256').update(`secret of ${backend}`).digest()
  const xor = (data: Buffer) => Buffer.from(data.map((byte, i) => byte ^ (pad[i % pad.length] ?? 0)))
  const encrypted: string[] = []
  return {
    encrypted,
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      encrypted.push(plain)
      return Buffer.concat([Buffer.from(`v10:${backend}:`), xor(Buffer.from(plain, 'utf8'))])
    },
    decryptString(blob) {
      const tag = Buffer.from(`v10:${backend}:`)
      if (!blob.subarray(0, tag.length).equals(tag)) throw new Error('Error while decrypting the ciphertext provided')
      return xor(blob.subarray(tag.length)).toString('utf8')
    },
  }
}

let dataDir: string
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'chevet-vault-'))
})
afterEach(() => rmSync(dataDir, { recursive: true, force: true }))

const keyFile = () => path.join(dataDir, WRAPPED_KEY_FILE)

describe('safeStorage key vault', () => {
  it('creates a 32-byte key, stores it wrapped, and gives it back on the next start', () => {
    const vault = createSafeStorageVault({ safeStorage: fakeSafeStorage('gnome_libsecret'), dataDir, platform: 'linux' })
    expect(vault.backend).toBe('safeStorage:gnome_libsecret')
    expect(vault.warning).toBeNull()
    const key = vault.loadOrCreateKey()
    expect(key).toHaveLength(32)

    const raw = readFileSync(keyFile(), 'utf8')
    const envelope = JSON.parse(raw) as { v: number; backend: string; wrapped: string }
    expect(envelope).toMatchObject({ v: 1, backend: 'gnome_libsecret' })
    expect(raw).not.toContain(key.toString('hex'))
    expect(raw).not.toContain(key.toString('base64'))
    if (process.platform !== 'win32') expect(statSync(keyFile()).mode & 0o777).toBe(0o600)
    expect(readdirSync(dataDir)).toEqual([WRAPPED_KEY_FILE])

    const again = createSafeStorageVault({ safeStorage: fakeSafeStorage('gnome_libsecret'), dataDir, platform: 'linux' })
    expect(again.loadOrCreateKey().equals(key)).toBe(true)
  })

  it('returns a fresh buffer on each call, so a caller may wipe its copy', () => {
    const vault = createSafeStorageVault({ safeStorage: fakeSafeStorage('kwallet5'), dataDir, platform: 'linux' })
    const first = vault.loadOrCreateKey()
    const copy = Buffer.from(first)
    first.fill(0)
    expect(vault.loadOrCreateKey().equals(copy)).toBe(true)
  })

  it('refuses the basic_text backend on Linux with a French explanation, and writes nothing', () => {
    const create = () => createSafeStorageVault({ safeStorage: fakeSafeStorage('basic_text'), dataDir, platform: 'linux' })
    expect(create).toThrow(KeyVaultRefusal)
    expect(create).toThrow(/basic_text.*refuse/s)
    expect(create).toThrow(/GNOME Keyring|KWallet/)
    expect(existsSync(keyFile())).toBe(false)
  })

  it('refuses when encryption is unavailable or the backend is not known yet', () => {
    expect(() =>
      createSafeStorageVault({ safeStorage: fakeSafeStorage('gnome_libsecret', false), dataDir, platform: 'linux' }),
    ).toThrow(/n’est pas disponible/)
    expect(() => createSafeStorageVault({ safeStorage: fakeSafeStorage('unknown'), dataDir, platform: 'linux' })).toThrow(
      KeyVaultRefusal,
    )
    expect(() =>
      createSafeStorageVault({ safeStorage: fakeSafeStorage('unknown', false), dataDir, platform: 'win32' }),
    ).toThrow(KeyVaultRefusal)
  })

  it('names the OS store on Windows and macOS', () => {
    const win = createSafeStorageVault({ safeStorage: fakeSafeStorage('unknown'), dataDir, platform: 'win32' })
    expect(win.backend).toBe('safeStorage:dpapi')
    win.loadOrCreateKey()
    expect(JSON.parse(readFileSync(keyFile(), 'utf8')).backend).toBe('dpapi')
    const mac = createSafeStorageVault({ safeStorage: fakeSafeStorage('unknown'), dataDir, platform: 'darwin' })
    expect(mac.backend).toBe('safeStorage:keychain')
  })

  it('reports a change of backend, and says which, when the old blob no longer unwraps', () => {
    createSafeStorageVault({ safeStorage: fakeSafeStorage('gnome_libsecret'), dataDir, platform: 'linux' }).loadOrCreateKey()
    const vault = createSafeStorageVault({ safeStorage: fakeSafeStorage('kwallet6'), dataDir, platform: 'linux' })
    expect(vault.warning).toMatch(/gnome_libsecret.*kwallet6/)
    expect(() => vault.loadOrCreateKey()).toThrow(/kwallet6.*gnome_libsecret/s)
    expect(JSON.parse(readFileSync(keyFile(), 'utf8')).backend).toBe('gnome_libsecret')
  })

  it('re-wraps the key under the new backend when the old blob still unwraps', () => {
    const first = fakeSafeStorage('kwallet')
    const key = createSafeStorageVault({ safeStorage: first, dataDir, platform: 'linux' }).loadOrCreateKey()
    // Same secret, new name: as when KWallet 5 takes over the wallet of KWallet 4.
    const renamed: SafeStorageApi = { ...first, getSelectedStorageBackend: () => 'kwallet5' }
    const vault = createSafeStorageVault({ safeStorage: renamed, dataDir, platform: 'linux' })
    expect(vault.warning).toMatch(/kwallet.*kwallet5/)
    expect(vault.loadOrCreateKey().equals(key)).toBe(true)
    expect(JSON.parse(readFileSync(keyFile(), 'utf8')).backend).toBe('kwallet5')
    expect(readdirSync(dataDir)).toEqual([WRAPPED_KEY_FILE])
  })

  it('refuses a damaged key file instead of creating a new key over it', () => {
    writeFileSync(keyFile(), '{"v":1,"backend":"gnome_libsecret"}', { mode: 0o600 })
    expect(() =>
      createSafeStorageVault({ safeStorage: fakeSafeStorage('gnome_libsecret'), dataDir, platform: 'linux' }),
    ).toThrow(/illisible ou altéré/)

    const storage = fakeSafeStorage('gnome_libsecret')
    const wrapped = storage.encryptString('not a key').toString('base64')
    writeFileSync(keyFile(), JSON.stringify({ v: 1, backend: 'gnome_libsecret', wrapped }))
    const vault = createSafeStorageVault({ safeStorage: storage, dataDir, platform: 'linux' })
    expect(() => vault.loadOrCreateKey()).toThrow(/format attendu/)
  })
})
