import path from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type ChevetConfig } from '../config'
import { openStore, type Store } from '../store'
import { DATABASE_FILE_NAME, chooseNodeKeyVault } from '../store/key-vault'
import type { CliIo } from './io'

/** The workstation's configuration, or null once the reason it is invalid has been said on stderr. */
export function readConfig(io: CliIo, command: string): ChevetConfig | null {
  try {
    return loadConfig(io.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`chevet ${command} : ${error.message}`)
      return null
    }
    throw error
  }
}

/** For a command whose only option is --json: whether it was given, or null once the wrong arguments were named. */
export function readJsonFlag(args: string[], io: CliIo, command: string): boolean | null {
  try {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: false })
    return values.json === true
  } catch {
    io.err(`chevet ${command} : argument non reconnu (${args.join(' ')}). Usage : chevet ${command} [--json]`)
    return null
  }
}

/**
 * Opens the workstation's encrypted store with the key Chevet uses (the key vault's warning said on stderr, the
 * key wiped once used). Throws what the key vault or SQLCipher throws.
 */
export function openWorkstationStore(config: ChevetConfig, io: CliIo): Store {
  const keyVault = chooseNodeKeyVault(config)
  if (keyVault.warning) io.err(keyVault.warning)
  let key: Buffer | null = null
  try {
    key = keyVault.loadOrCreateKey()
    return openStore({ file: path.join(config.dataDir, DATABASE_FILE_NAME), key })
  } finally {
    key?.fill(0)
  }
}
