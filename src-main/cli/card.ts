import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { PinState } from '../auth/card'
import { describeCertificate, parseCertificates, validateCertificate } from '../auth/cps-certificate'
import { defaultTrustAnchorsDir, loadTrustAnchors } from '../auth/trust-anchors'
import { CRYPTOLIB_DEFAULT_PATHS } from '../config'
import type { Logger } from '../log'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './io'
import { readConfig } from './workstation'

/** `chevet card …`: what hospital IT needs to see a CPS/CPE card the way the workstation sees it. */

const LIST_HELP = [
  'Usage : chevet card list [--json] [--module CHEMIN]',
  '',
  'Liste les lecteurs (slots) du module PKCS#11 et les cartes qui y sont insérées : libellé, numéro de série,',
  'titulaire (lu dans le certificat d’authentification, sans code porteur) et état du code porteur',
  '(utilisable, essais manqués, dernier essai, bloqué). Ne demande aucun code et ne modifie pas les cartes.',
  '',
  'Module utilisé : --module, sinon CHEVET_PKCS11_MODULE, sinon « pkcs11Modules » du fichier de configuration,',
  `sinon la Cryptolib CPS à son emplacement habituel (${(CRYPTOLIB_DEFAULT_PATHS[process.platform] ?? []).join(', ') || 'aucun pour ce système'}).`,
  '',
  'Options :',
  '  --json            affiche la liste en JSON',
  '  --module CHEMIN   chemin du module PKCS#11 à utiliser',
  '',
  'Code de sortie : 0 si le module a pu être lu, 1 sinon.',
].join('\n')

const INSPECT_HELP = [
  'Usage : chevet card inspect-cert FICHIER [--trust DOSSIER]',
  '',
  'Affiche en JSON l’identité lue dans un certificat (DER ou PEM ; dans un fichier PEM, le premier certificat,',
  'les suivants servant d’autorités intermédiaires) : idNat et sa signification (8 + RPPS, 0 + ADELI,',
  '3 + FINESS…), kind (CPS ou CPE), profession, givenName, surname, organization, upn, issuer, notBefore,',
  'notAfter, keyUsage, et trusted : le certificat remonte-t-il à une autorité de confiance, et est-il dans ses',
  'dates ? Sinon, reason dit pourquoi.',
  '',
  'Options :',
  '  --trust DOSSIER   autorités de confiance (fichiers .pem, .crt, .cer, .der) ; par défaut « trustAnchorsDir »',
  '                    du fichier de configuration, sinon le dossier resources/trust de l’application',
  '',
  'Code de sortie : 0 si le certificat est reconnu, 1 s’il ne l’est pas ou si le fichier n’est pas un certificat.',
].join('\n')

const PIN_STATE: Record<PinState, (triesLeft: number | null) => string> = {
  ok: () => 'utilisable',
  countLow: (left) => `au moins un essai manqué${left === null ? '' : `, il reste au plus ${left} essais`}`,
  finalTry: () => 'DERNIER ESSAI avant blocage',
  locked: () => 'BLOQUÉ — débloquer la carte avec son code de déblocage (PUK, outil CPS Gestion)',
}

// The provider logs for the workstation's log file; here the same facts are printed in French instead.
const QUIET: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined }

async function runList(args: string[], io: CliIo): Promise<number> {
  let values: { json?: boolean; module?: string }
  try {
    ;({ values } = parseArgs({ args, options: { json: { type: 'boolean' }, module: { type: 'string' } }, strict: true, allowPositionals: false }))
  } catch {
    io.err(`chevet card list : argument non reconnu (${args.join(' ')}). Usage : chevet card list [--json] [--module CHEMIN]`)
    return EXIT_USAGE
  }
  let modules: string[]
  if (values.module) modules = [path.resolve(values.module)]
  else {
    const config = readConfig(io, 'card list')
    if (!config) return EXIT_FAILURE
    modules = config.pkcs11Modules
  }

  // Loaded here: the other commands need not load the native module.
  const { createPkcs11CardProvider } = await import('../auth/pkcs11')
  const provider = createPkcs11CardProvider({ modules, trustAnchors: async () => [], log: QUIET })
  try {
    const slots = await provider.slots()
    const status = provider.status()
    if (!status.module) {
      if (values.json) io.out(JSON.stringify({ module: null, reason: status.reason, slots: [] }, null, 2))
      io.err(`chevet card list : ${status.reason ?? 'module PKCS#11 indisponible'}`)
      return EXIT_FAILURE
    }
    if (values.json) {
      io.out(JSON.stringify({ module: status.module, description: status.description, slots }, null, 2))
      return EXIT_OK
    }
    const lines = [`Module PKCS#11 : ${status.module} (${status.description ?? ''})`]
    let usable = 0
    for (const slot of slots) {
      const reader = `Lecteur ${slot.slotId} — ${slot.description || 'sans description'}`
      if (!slot.tokenPresent) lines.push(`${reader} : aucune carte`)
      else if (slot.error || !slot.token) lines.push(`${reader} : carte illisible (${slot.error ?? 'inconnue'})`)
      else if (!slot.token.initialized) lines.push(`${reader} : carte non initialisée (ignorée)`)
      else {
        usable += 1
        const token = slot.token
        lines.push(`${reader} : carte « ${token.label} » (n° de série ${token.serialNumber || 'inconnu'})`)
        const who = token.holder ?? (token.idNat ? 'nom absent du certificat' : 'titulaire illisible sans code porteur')
        lines.push(`    titulaire : ${who}${token.idNat ? ` — ${token.kind ?? 'unknown'}, idNat ${token.idNat}` : ''}`)
        lines.push(`    code porteur : ${PIN_STATE[token.pinState](token.triesLeft)}`)
      }
    }
    lines.push(`${slots.length} lecteur(s), ${usable} carte(s) utilisable(s).`)
    io.out(lines.join('\n'))
    return EXIT_OK
  } finally {
    await provider.dispose()
  }
}

async function runInspect(args: string[], io: CliIo): Promise<number> {
  let values: { trust?: string }
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({ args, options: { trust: { type: 'string' } }, strict: true, allowPositionals: true }))
  } catch {
    positionals = []
    values = {}
  }
  const [file, ...extra] = positionals
  if (!file || extra.length > 0) {
    io.err(`chevet card inspect-cert : un fichier est attendu. Usage : chevet card inspect-cert FICHIER [--trust DOSSIER]`)
    return EXIT_USAGE
  }
  let certificates
  try {
    certificates = parseCertificates(new Uint8Array(await readFile(path.resolve(file))))
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'fichier introuvable' : 'ce n’est pas un certificat DER ou PEM lisible'
    io.err(`chevet card inspect-cert : ${file} — ${why}`)
    return EXIT_FAILURE
  }
  let trustDir: string
  if (values.trust) trustDir = path.resolve(values.trust)
  else {
    const config = readConfig(io, 'card inspect-cert')
    if (!config) return EXIT_FAILURE
    trustDir = config.trustAnchorsDir ?? defaultTrustAnchorsDir()
  }
  const { anchors, problems } = await loadTrustAnchors([trustDir])
  for (const problem of problems) io.err(`chevet card inspect-cert : ${problem}`)

  const [leaf, ...pool] = certificates
  if (!leaf) return EXIT_FAILURE
  const info = describeCertificate(leaf)
  const verdict = await validateCertificate(leaf, { pool, anchors })
  const { idNat, kind, profession, givenName, surname, organization, upn, issuer, notBefore, notAfter, keyUsage, ...more } = info
  const report = {
    idNat,
    kind,
    profession,
    givenName,
    surname,
    organization,
    upn,
    issuer,
    notBefore,
    notAfter,
    keyUsage,
    trusted: verdict.trusted,
    reason: verdict.reason,
    reasonCode: verdict.code,
    ...more,
    chain: verdict.chain.map((certificate) => certificate.subject),
    trustAnchorsDir: trustDir,
  }
  io.out(JSON.stringify(report, null, 2))
  return verdict.trusted ? EXIT_OK : EXIT_FAILURE
}

export const cardListCommand: CliCommand = {
  synopsis: '[--json] [--module CHEMIN]',
  summary: 'liste les lecteurs PKCS#11 et les cartes CPS/CPE insérées, avec l’état du code porteur',
  help: LIST_HELP,
  run: runList,
}

export const cardInspectCertCommand: CliCommand = {
  synopsis: 'FICHIER [--trust DOSSIER]',
  summary: 'affiche en JSON l’identité lue dans un certificat CPS/CPE et s’il est reconnu',
  help: INSPECT_HELP,
  run: runInspect,
}
