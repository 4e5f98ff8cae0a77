import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { SafeStorage } from 'electron'
import { z } from 'zod'
import type { KeyVault } from '../store/key-vault'
import { writePrivateFileSync } from '../fs/private-file'

/** The wrapped database key, next to the database. */
export const WRAPPED_KEY_FILE = 'chevet.key.enc'

const Envelope = z
  .object({
    v: z.literal(1),
    /** The OS secret store that wrapped the key, so that a change of keyring is noticed, not guessed. */
    backend: z.string().min(1).max(100),
    wrapped: z.string().min(1).max(100_000),
  })
  .strict()
type Envelope = z.infer<typeof Envelope>

export type SafeStorageApi = Pick<
  SafeStorage,
  'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'
>

export interface SafeStorageVaultOptions {
  safeStorage: SafeStorageApi
  dataDir: string
  platform?: NodeJS.Platform
}

/** Raised when the key cannot be protected or unwrapped; its message is meant for hospital IT, in French. */
export class KeyVaultRefusal extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'KeyVaultRefusal'
  }
}

/** The secret store safeStorage uses on this OS (on Linux, the one Chromium selected). */
export function safeStorageBackend(safeStorage: SafeStorageApi, platform: NodeJS.Platform): string {
  if (platform === 'win32') return 'dpapi'
  if (platform === 'darwin') return 'keychain'
  return safeStorage.getSelectedStorageBackend()
}

function refuseUnsafeBackend(safeStorage: SafeStorageApi, backend: string): void {
  if (backend === 'basic_text') {
    throw new KeyVaultRefusal(
      'Aucun trousseau système sécurisé n’est disponible (Electron utiliserait « basic_text », une clé en clair) : ' +
        'Chevet refuse d’y protéger la clé de la base locale. Installez et déverrouillez GNOME Keyring (libsecret) ' +
        'ou KWallet pour la session de l’utilisateur, puis relancez Chevet.',
    )
  }
  if (backend === 'unknown' || !safeStorage.isEncryptionAvailable()) {
    throw new KeyVaultRefusal(
      `Le chiffrement du système (safeStorage, trousseau « ${backend} ») n’est pas disponible : ` +
        'Chevet ne peut pas protéger la clé de la base locale. Vérifiez que le trousseau de la session ' +
        'est installé et déverrouillé, puis relancez Chevet.',
    )
  }
}

function readEnvelope(file: string): Envelope | null {
  if (!existsSync(file)) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    parsed = null
  }
  const envelope = Envelope.safeParse(parsed)
  if (!envelope.success) {
    throw new KeyVaultRefusal(
      `Le fichier de clé ${file} est illisible ou altéré : la base locale ne peut pas être ouverte. ` +
        'Restaurez ce fichier depuis une sauvegarde ou contactez le support informatique.',
    )
  }
  return envelope.data
}


/**
 * The Electron key vault (DESIGN.md §5): 32 random bytes, wrapped by safeStorage (DPAPI, Keychain, libsecret,
 * KWallet) and stored as `{ v: 1, backend, wrapped }`. Linux `basic_text` is refused at creation.
 * Must be created after the app's `ready` event (safeStorage is not usable before).
 */
export function createSafeStorageVault(options: SafeStorageVaultOptions): KeyVault {
  const { safeStorage, dataDir } = options
  const backend = safeStorageBackend(safeStorage, options.platform ?? process.platform)
  refuseUnsafeBackend(safeStorage, backend)

  const file = path.join(dataDir, WRAPPED_KEY_FILE)
  const recorded = readEnvelope(file)
  const warning =
    recorded !== null && recorded.backend !== backend
      ? `Le trousseau système a changé depuis la création de la clé de la base locale (« ${recorded.backend} » → « ${backend} »).`
      : null

  function store(key: Buffer, mode: 'create' | 'replace'): void {
    const wrapped = safeStorage.encryptString(key.toString('hex'))
    const envelope: Envelope = { v: 1, backend, wrapped: wrapped.toString('base64') }
    wrapped.fill(0)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    writePrivateFileSync(file, JSON.stringify(envelope), mode)
  }

  function unwrap(envelope: Envelope): Buffer {
    const wrapped = Buffer.from(envelope.wrapped, 'base64')
    let hex: string
    try {
      // A JS string cannot be wiped; it lives only for the few lines below.
      hex = safeStorage.decryptString(wrapped)
    } catch {
      throw new KeyVaultRefusal(
        `La clé de la base locale (${file}) ne peut pas être déchiffrée par le trousseau « ${backend} »` +
          (envelope.backend !== backend ? ` (elle a été protégée par « ${envelope.backend} »)` : '') +
          '. Rouvrez la session avec le trousseau d’origine, ou contactez le support informatique.',
      )
    } finally {
      wrapped.fill(0)
    }
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new KeyVaultRefusal(`La clé déchiffrée depuis ${file} n’a pas le format attendu (32 octets).`)
    }
    return Buffer.from(hex, 'hex')
  }

  function loadOrCreateKey(): Buffer {
    const envelope = readEnvelope(file)
    if (envelope === null) {
      const key = randomBytes(32)
      try {
        store(key, 'create')
        return key
      } catch (error) {
        key.fill(0)
        // Another first start won the race: use its key.
        if ((error as { code?: unknown }).code === 'EEXIST') return loadOrCreateKey()
        throw error
      }
    }
    const key = unwrap(envelope)
    // The old keyring could still unwrap it: protect it again under the current one.
    if (envelope.backend !== backend) store(key, 'replace')
    return key
  }

  return { backend: `safeStorage:${backend}`, warning, loadOrCreateKey }
}
