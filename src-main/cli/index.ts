import { auditVerifyCommand } from './audit'
import { cardInspectCertCommand, cardListCommand } from './card'
import { doctorCommand } from './doctor'
import { formularyImportCommand, formularySearchCommand } from './formulary'
import { trainingServeCommand } from './training'
import { EXIT_CRASH, EXIT_OK, EXIT_USAGE, processIo, type CliCommand, type CliIo } from './io'

export type { CliCommand, CliIo } from './io'

/**
 * Every `chevet` command. A key may have several words (`training serve`, `audit verify`): the longest
 * key matching the start of the command line wins, so later commands are one entry each.
 */
export const commands: Record<string, CliCommand> = {
  doctor: doctorCommand,
  'training serve': trainingServeCommand,
  'card list': cardListCommand,
  'card inspect-cert': cardInspectCertCommand,
  'formulary import': formularyImportCommand,
  'formulary search': formularySearchCommand,
  'audit verify': auditVerifyCommand,
}

const HELP_FLAGS = new Set(['help', '--help', '-h'])

function usage(): string {
  const names = Object.keys(commands).sort()
  const left = (name: string) => `${name} ${commands[name]?.synopsis ?? ''}`.trim()
  const width = Math.max('help [commande]'.length, ...names.map((name) => left(name).length)) + 3
  const lines = names.map((name) => `  ${left(name).padEnd(width)}${commands[name]?.summary ?? ''}`)
  lines.push(`  ${'help [commande]'.padEnd(width)}affiche cette aide, ou celle d'une commande`)
  return [
    'Chevet — poste de travail clinique',
    '',
    'Usage : chevet <commande> [options]',
    '',
    'Commandes :',
    ...lines,
    '',
    "Variables d'environnement : CHEVET_DATA_DIR (dossier de données), CHEVET_CONFIG (fichier de configuration),",
    '  CHEVET_DB_KEY (clé de la base, 64 chiffres hexadécimaux), CHEVET_CENTRAL_URL (DPI central),',
    '  CHEVET_PKCS11_MODULE (module(s) PKCS#11 de la carte CPS), CHEVET_CHROMIUM (chemin de Chromium).',
  ].join('\n')
}

/** The command named at the start of `argv`, and the arguments after its name. */
export function findCommand(argv: readonly string[]): { name: string; command: CliCommand; args: string[] } | null {
  let best: { name: string; words: number } | null = null
  for (const name of Object.keys(commands)) {
    const words = name.split(' ')
    const matches = words.every((word, i) => argv[i] === word)
    if (matches && (best === null || words.length > best.words)) best = { name, words: words.length }
  }
  if (best === null) return null
  const command = commands[best.name]
  return command ? { name: best.name, command, args: argv.slice(best.words) } : null
}

function unknown(what: string, io: CliIo): number {
  io.err(`chevet : commande inconnue « ${what} ». Tapez « chevet help » pour la liste des commandes.`)
  return EXIT_USAGE
}

/** Runs one `chevet` command line and gives its exit code; never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [first] = argv
  if (first === undefined) {
    io.err(usage())
    return EXIT_USAGE
  }
  if (HELP_FLAGS.has(first)) {
    const topic = argv.slice(1)
    if (topic.length === 0) {
      io.out(usage())
      return EXIT_OK
    }
    const found = findCommand(topic)
    if (found === null || found.args.length > 0) return unknown(topic.join(' '), io)
    io.out(found.command.help)
    return EXIT_OK
  }
  const found = findCommand(argv)
  if (found === null) return unknown(first, io)
  if (found.args.some((arg) => arg === '--help' || arg === '-h')) {
    io.out(found.command.help)
    return EXIT_OK
  }
  try {
    return await found.command.run(found.args, io)
  } catch (error) {
    // A crash is a bug: say so plainly, without a stack that could carry data.
    io.err(`chevet ${found.name} : erreur inattendue — ${(error as Error).message}`)
    return EXIT_CRASH
  }
}
