import path from 'node:path'
import type { Check, CheckId, DiagnosticsReport } from '../contract'
import { createLogger, type Logger } from '../log'
import { openStore, type Store } from '../store'
import { DATABASE_FILE_NAME, chooseNodeKeyVault, type KeyVault } from '../store/key-vault'
import { createDiagnostics } from '../system/diagnostics'
import type { OutcomeCode } from '../system/checks'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './io'
import { readConfig, readJsonFlag } from './workstation'

// The file composeServices opens.
const DATABASE_FILE = DATABASE_FILE_NAME

const TAG: Record<Check['status'], string> = { ok: 'OK   ', warn: 'WARN ', fail: 'FAIL ' }

const LABEL: Record<CheckId, string> = {
  electron: 'Environnement Electron',
  keyVault: 'Coffre de clés',
  database: 'Base chiffrée',
  pkcs11: 'Modules PKCS#11 (carte CPS)',
  central: 'DPI central',
  chromium: 'Chromium',
}

// The CLI's French wording of each outcome; the renderer has its own in its i18n files.
const OUTCOME: Record<OutcomeCode, string> = {
  'electron.present': 'runtime présent',
  'electron.missing': "runtime absent, le poste s'ouvre dans le navigateur (hôte navigateur)",
  'keyVault.safeStorage': 'clé protégée par le coffre du système',
  'keyVault.file': 'clé dans un fichier du dossier de données, protégée seulement par ses droits (0600)',
  'keyVault.env': "clé fournie par CHEVET_DB_KEY, protégée seulement par l'environnement",
  'keyVault.refused': 'clé de la base refusée ou illisible',
  'database.ok': 'ouverte',
  'database.failed': "ne s'ouvre pas",
  'pkcs11.found': 'module trouvé',
  'pkcs11.missing': 'aucun module trouvé : pas de carte CPS sur ce poste',
  'central.reachable': 'joignable',
  'central.unreachable': 'injoignable',
  'central.training': 'environnement de formation (DPI intégré)',
  'chromium.found': 'trouvé',
  'chromium.missing': "introuvable (nécessaire à l'hôte navigateur et aux tests de bout en bout)",
}

export function formatCheck(check: Check): string {
  const outcome = OUTCOME[check.code as OutcomeCode] ?? check.code
  return `${TAG[check.status]}${LABEL[check.id]} : ${outcome}${check.detail ? ` — ${check.detail}` : ''}`
}

export function requiredFailures(report: DiagnosticsReport): Check[] {
  return report.checks.filter((check) => check.required && check.status === 'fail')
}

export function formatReport(report: DiagnosticsReport): string {
  const lines = report.checks.map(formatCheck)
  const count = (status: Check['status']) => report.checks.filter((check) => check.status === status).length
  const failed = requiredFailures(report).length
  const verdict =
    failed === 0
      ? 'le poste peut fonctionner'
      : `${failed} vérification(s) requise(s) en échec, le poste ne peut pas fonctionner`
  const counts = `${count('ok')} OK, ${count('warn')} WARN, ${count('fail')} FAIL`
  lines.push(`${report.checks.length} vérifications : ${counts} — ${verdict}.`)
  return lines.join('\n')
}

const HELP = [
  'Usage : chevet doctor [--json]',
  '',
  'Vérifie le poste et affiche une ligne par point contrôlé (OK, WARN ou FAIL) :',
  '  environnement Electron, coffre de clés, base chiffrée et version de son schéma,',
  '  modules PKCS#11 de la carte CPS, DPI central (ou environnement de formation), Chromium.',
  '',
  'Options :',
  '  --json   affiche le rapport en JSON',
  '',
  'Code de sortie : 0 si aucune vérification requise n’échoue, 1 sinon ou si la configuration est invalide.',
].join('\n')

// An unwritable data dir is for the database check to report, not a reason to stop before it.
function openLog(dataDir: string): Logger {
  try {
    return createLogger({ dir: dataDir })
  } catch {
    return createLogger()
  }
}

/** Opens what the workstation would open at start, keeping each failure for the report instead of stopping. */
function openForDiagnosis(
  keyVault: KeyVault,
  dataDir: string,
): { store: Store | null; storeError?: string; keyVaultError?: string } {
  let key: Buffer
  try {
    key = keyVault.loadOrCreateKey()
  } catch (error) {
    return { store: null, keyVaultError: (error as Error).message, storeError: 'pas de clé, base non ouverte' }
  }
  try {
    return { store: openStore({ file: path.join(dataDir, DATABASE_FILE), key }) }
  } catch (error) {
    return { store: null, storeError: (error as Error).message }
  } finally {
    key.fill(0)
  }
}

async function runDoctor(args: string[], io: CliIo): Promise<number> {
  const json = readJsonFlag(args, io, 'doctor')
  if (json === null) return EXIT_USAGE
  const config = readConfig(io, 'doctor')
  if (!config) return EXIT_FAILURE

  const log = openLog(config.dataDir)
  const keyVault = chooseNodeKeyVault(config)
  // Said once, loudly, as every start outside Electron says it; the report line stays short.
  if (keyVault.warning) io.err(keyVault.warning)
  const opened = openForDiagnosis(keyVault, config.dataDir)
  try {
    const diagnostics = createDiagnostics({ config, keyVault, log, ...opened })
    const report = await diagnostics.report({ refresh: true })
    io.out(json ? JSON.stringify(report, null, 2) : formatReport(report))
    return requiredFailures(report).length > 0 ? EXIT_FAILURE : EXIT_OK
  } finally {
    opened.store?.close()
  }
}

export const doctorCommand: CliCommand = {
  synopsis: '[--json]',
  summary: 'vérifie le poste : Electron, coffre de clés, base, carte CPS, DPI central, Chromium',
  help: HELP,
  run: runDoctor,
}
