import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCertificates } from './cps-certificate'
import type { X509 } from './x509'

/**
 * The certificates a card's authentication certificate must chain to: the IGC-Santé roots (and, if hospital IT
 * puts them there, intermediates) in `resources/trust/` or the folder `trustAnchorsDir` of the config file.
 * Read at every login, so roots dropped into the folder count without a restart.
 */

const CERTIFICATE_FILE = /\.(pem|crt|cer|der)$/i

/** `resources/trust` of the installed application, or of the source tree. */
export function defaultTrustAnchorsDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath
  // Packaged Electron app, then sources (src-main/auth) and bundle (out/main), both two levels under the root.
  const candidates = [...(resourcesPath ? [path.join(resourcesPath, 'trust')] : []), path.resolve(here, '../../resources/trust')]
  return candidates.find((dir) => existsSync(dir)) ?? (candidates[candidates.length - 1] as string)
}

export interface TrustAnchors {
  anchors: X509.X509Certificate[]
  /** Files or folders that could not be read, with why (French, for hospital IT; no personal data). */
  problems: string[]
}

export async function loadTrustAnchors(dirs: readonly string[]): Promise<TrustAnchors> {
  const anchors: X509.X509Certificate[] = []
  const problems: string[] = []
  for (const dir of dirs) {
    let names: string[]
    try {
      names = (await readdir(dir)).filter((name) => CERTIFICATE_FILE.test(name)).sort()
    } catch {
      problems.push(`dossier des autorités de confiance illisible : ${dir}`)
      continue
    }
    for (const name of names) {
      const file = path.join(dir, name)
      try {
        anchors.push(...parseCertificates(new Uint8Array(await readFile(file))))
      } catch {
        problems.push(`fichier ignoré (pas un certificat PEM ou DER) : ${file}`)
      }
    }
  }
  return { anchors, problems }
}
