import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
} from 'node:fs'
import path from 'node:path'
import type { ChevetConfig } from '../config'
import { FileExistsError, writePrivateFileSync } from '../fs/private-file'
import { StoreError } from './errors'

/** Where the database key lives. The Electron shell provides a safeStorage vault with the same shape. */
export interface KeyVault {
  /** Recorded in diagnostics: 'file', 'env:CHEVET_DB_KEY', or the safeStorage backend. */
  readonly backend: string
  /** French text to print loudly when the key is less protected than in Electron; null otherwise. */
  readonly warning: string | null
  /** Returns the 32-byte key, creating and storing it on first use. Each call returns a fresh buffer. */
  loadOrCreateKey(): Buffer
}

export const KEY_FILE_NAME = 'chevet.key'
export const DATABASE_FILE_NAME = 'chevet.db'
const KEY_BYTES = 32
const POSIX = process.platform !== 'win32'

export function envKeyVault(hex: string): KeyVault {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new StoreError('KEY_INVALID', 'CHEVET_DB_KEY invalide : 64 chiffres hexadécimaux (32 octets) sont attendus')
  }
  const key = Buffer.from(hex, 'hex')
  return {
    backend: 'env:CHEVET_DB_KEY',
    warning:
      'ATTENTION : la clé de la base vient de la variable d’environnement CHEVET_DB_KEY ; ' +
      'elle n’est protégée ni par le coffre du système ni par Electron (à réserver aux tests et à la formation).',
    loadOrCreateKey: () => Buffer.from(key),
  }
}

/** Outside Electron: 32 random bytes in `<dataDir>/chevet.key`, mode 0600, guarded only by file permissions. */
export function fileKeyVault(dataDir: string): KeyVault {
  const file = path.join(dataDir, KEY_FILE_NAME)
  return {
    backend: 'file',
    warning:
      `ATTENTION : hors Electron, la clé de la base est protégée uniquement par les droits du fichier ${file} ` +
      '(lisible par ce compte seul) ; toute personne qui copie ce fichier et la base lit les données.',
    loadOrCreateKey() {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 })
      const existing = readKeyFile(file)
      if (existing) return existing
      // A new key would make the existing database unreadable for good: say what is missing instead.
      if (existsSync(path.join(dataDir, DATABASE_FILE_NAME))) {
        throw new StoreError(
          'KEY_INVALID',
          `La base ${path.join(dataDir, DATABASE_FILE_NAME)} existe mais sa clé ${file} est introuvable : ` +
            'restaurez le fichier de clé (ou CHEVET_DB_KEY) de cette installation ; Chevet n’en crée pas de nouvelle.',
        )
      }
      return createKeyFile(file)
    },
  }
}

export function chooseNodeKeyVault(config: Pick<ChevetConfig, 'dataDir' | 'dbKeyHex'>): KeyVault {
  return config.dbKeyHex ? envKeyVault(config.dbKeyHex) : fileKeyVault(config.dataDir)
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

/** Returns null when the file does not exist; refuses a link, a loose mode or a wrong size. */
function readKeyFile(file: string): Buffer | null {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | (POSIX ? constants.O_NOFOLLOW : 0))
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null
    if (errorCode(error) === 'ELOOP') {
      throw new StoreError('KEY_INVALID', `Le fichier de clé ${file} est un lien symbolique : refusé`, { cause: error })
    }
    throw error
  }
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new StoreError('KEY_INVALID', `Le fichier de clé ${file} n’est pas un fichier ordinaire`)
    if (POSIX && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0')
      throw new StoreError(
        'KEY_INVALID',
        `Le fichier de clé ${file} est lisible par d’autres comptes (mode ${mode}) : refusé. ` +
          `Corrigez ses droits (chmod 600 « ${file} ») puis relancez Chevet.`,
      )
    }
    if (stat.size !== KEY_BYTES) {
      throw new StoreError(
        'KEY_INVALID',
        `Le fichier de clé ${file} est invalide : ${KEY_BYTES} octets attendus, ${stat.size} trouvés`,
      )
    }
    const key = Buffer.alloc(KEY_BYTES)
    if (readSync(fd, key, 0, KEY_BYTES, 0) !== KEY_BYTES) {
      throw new StoreError('KEY_INVALID', `Le fichier de clé ${file} n’a pas pu être lu en entier`)
    }
    return key
  } finally {
    closeSync(fd)
  }
}

/** Publishes a new key without ever replacing one: if two first starts race, one key wins and both use it. */
function createKeyFile(file: string): Buffer {
  const key = randomBytes(KEY_BYTES)
  try {
    writePrivateFileSync(file, key, 'create')
  } catch (error) {
    key.fill(0)
    if (error instanceof FileExistsError) {
      const winner = readKeyFile(file)
      if (winner) return winner
    }
    throw error
  }
  return key
}
