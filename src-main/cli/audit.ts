import { existsSync } from 'node:fs'
import path from 'node:path'
import { verifyChain, type ChainBreak, type ChainReport } from '../audit/chain'
import { DATABASE_FILE_NAME } from '../store/key-vault'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './io'
import { openWorkstationStore, readConfig, readJsonFlag } from './workstation'

const HELP = [
  'Usage : chevet audit verify [--json]',
  '',
  'Vérifie la chaîne du journal des accès de ce poste (base chiffrée, même clé que Chevet) :',
  'chaque entrée doit avoir le hash SHA-256 de son contenu et porter le hash de l’entrée précédente.',
  'Affiche « OK » avec le nombre d’entrées et la tête de chaîne, ou la PREMIÈRE entrée rompue.',
  '',
  'Options :',
  '  --json   affiche le résultat en JSON',
  '',
  'Code de sortie : 0 si la chaîne est intacte, 1 si elle est rompue ou si la base ne s’ouvre pas.',
].join('\n')

/** The French sentence naming the first broken entry. */
export function describeBreak(broken: ChainBreak): string {
  const at = broken.recordedAt ? ` (enregistrée le ${broken.recordedAt})` : ''
  switch (broken.check) {
    case 'hash':
      return `entrée seq ${broken.seq}${at} : son hash ne correspond plus à son contenu — entrée modifiée.`
    case 'prev_hash': {
      const before =
        broken.previousSeq === null
          ? 'elle devrait ouvrir la chaîne (hash précédent à zéro)'
          : `elle ne porte pas le hash de l’entrée seq ${broken.previousSeq}`
      const first = (broken.previousSeq ?? 0) + 1
      const last = broken.seq - 1
      const gap = last < first ? '' : last === first ? ` ; entrée seq ${first} absente` : ` ; entrées seq ${first} à ${last} absentes`
      return `entrée seq ${broken.seq}${at} : hash précédent (prev_hash) incohérent — ${before}${gap} (entrée supprimée, insérée ou réécrite).`
    }
    case 'tail':
      return `fin de journal : la dernière entrée présente est seq ${broken.seq}${at}, mais des entrées ont été numérotées jusqu’à seq ${broken.lastIssued} — entrée(s) supprimée(s) en fin de journal.`
  }
}

export function formatChainReport(report: ChainReport): string {
  if (report.ok) return `OK : ${report.entries} entrées, tête ${report.head}`
  return `ROMPU : ${describeBreak(report.broken)}`
}

async function runVerify(args: string[], io: CliIo): Promise<number> {
  const json = readJsonFlag(args, io, 'audit verify')
  if (json === null) return EXIT_USAGE
  const config = readConfig(io, 'audit verify')
  if (!config) return EXIT_FAILURE
  const file = path.join(config.dataDir, DATABASE_FILE_NAME)
  // Verifying must not create a database (nor a key) where there is none.
  if (!existsSync(file)) {
    io.err(`chevet audit verify : aucune base à ${file} (CHEVET_DATA_DIR ?)`)
    return EXIT_FAILURE
  }
  let store
  try {
    store = openWorkstationStore(config, io)
  } catch (error) {
    io.err(`chevet audit verify : la base ne s’ouvre pas — ${(error as Error).message}`)
    return EXIT_FAILURE
  }
  try {
    const report = verifyChain(store.db)
    io.out(json ? JSON.stringify(report, null, 2) : formatChainReport(report))
    return report.ok ? EXIT_OK : EXIT_FAILURE
  } finally {
    store.close()
  }
}

export const auditVerifyCommand: CliCommand = {
  synopsis: '[--json]',
  summary: 'vérifie la chaîne du journal des accès et nomme la première entrée rompue',
  help: HELP,
  run: runVerify,
}
