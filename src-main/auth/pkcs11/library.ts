import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type * as Pkcs11js from 'pkcs11js'

/**
 * Loading the PKCS#11 module (Cryptolib CPS in production, SoftHSM2 in tests) through pkcs11js.
 * C_Initialize is once per process and module: several users of one path share one loaded module, and the
 * last to release it finalizes it. pkcs11js itself is required on first use only, so a workstation whose
 * native build is missing still starts (and says why it has no card reader).
 */

export type Pkcs11Api = typeof Pkcs11js
export type Pkcs11 = Pkcs11js.PKCS11
export type Handle = Pkcs11js.Handle

let api: Pkcs11Api | null = null

export function pkcs11Api(): Pkcs11Api {
  api ??= createRequire(import.meta.url)('pkcs11js') as Pkcs11Api
  return api
}

/** The CKR_* name of a PKCS#11 failure ("CKR_PIN_INCORRECT"), or null for any other error. */
export function ckrName(error: unknown): string | null {
  const message = (error as { message?: unknown } | null)?.message
  return typeof message === 'string' && /^CKR_[A-Z0-9_]+$/.test(message) ? message : null
}

export interface LoadedModule {
  readonly path: string
  readonly pkcs11: Pkcs11
  readonly api: Pkcs11Api
  /** "SoftHSM 2.6 — SoftHSM project": the module's own description and maker, for hospital IT. */
  readonly description: string
  release(): void
}

/** No module could be used; `reason` is French, for the log and `chevet card list`. */
export class ModuleUnavailable extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'ModuleUnavailable'
  }
}

interface Shared {
  pkcs11: Pkcs11
  description: string
  /** False when someone else in this process had already initialized the module: they finalize it. */
  ownsInitialize: boolean
  users: number
}

const shared = new Map<string, Shared>()

function load(api: Pkcs11Api, file: string): Shared {
  const pkcs11 = new api.PKCS11()
  pkcs11.load(file)
  let ownsInitialize = true
  try {
    pkcs11.C_Initialize()
  } catch (error) {
    if (ckrName(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      pkcs11.close()
      throw error
    }
    ownsInitialize = false
  }
  const info = pkcs11.C_GetInfo()
  const version = `${info.libraryVersion.major}.${info.libraryVersion.minor}`
  const description = `${info.libraryDescription.trim()} ${version} — ${info.manufacturerID.trim()}`
  return { pkcs11, description, ownsInitialize, users: 0 }
}

/** Loads the first candidate that exists and initializes; throws ModuleUnavailable saying what was tried. */
export function openModule(candidates: readonly string[]): LoadedModule {
  const existing = candidates.filter((file) => existsSync(file))
  if (existing.length === 0) {
    const searched = candidates.length > 0 ? candidates.join(', ') : 'aucun chemin configuré'
    throw new ModuleUnavailable(`aucun module PKCS#11 trouvé (cherché : ${searched}) : pas de lecteur de carte CPS sur ce poste`)
  }
  let api: Pkcs11Api
  try {
    api = pkcs11Api()
  } catch (error) {
    throw new ModuleUnavailable(`pkcs11js ne se charge pas (module natif absent ou mal construit) : ${(error as Error).message}`)
  }
  const failures: string[] = []
  for (const file of existing) {
    let entry = shared.get(file)
    if (!entry) {
      try {
        entry = load(api, file)
      } catch (error) {
        failures.push(`${file} : ${ckrName(error) ?? (error as Error).message}`)
        continue
      }
      shared.set(file, entry)
    }
    entry.users += 1
    const used = entry
    let released = false
    return {
      path: file,
      pkcs11: used.pkcs11,
      api,
      description: used.description,
      release() {
        if (released) return
        released = true
        used.users -= 1
        if (used.users > 0) return
        shared.delete(file)
        try {
          if (used.ownsInitialize) used.pkcs11.C_Finalize()
        } finally {
          used.pkcs11.close()
        }
      },
    }
  }
  throw new ModuleUnavailable(`le module PKCS#11 ne s’initialise pas — ${failures.join(' ; ')}`)
}
