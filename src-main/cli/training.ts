import path from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from '../log'
import type { TrainingCentral } from '../training/central'
import type { StaffMember } from '../training/hospital'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './io'

const USAGE = 'Usage : chevet training serve [--port P] [--dir DOSSIER] [--psc-issuer URL [--psc-client-id ID]]'
const HELP = [
  USAGE,
  '',
  'Lance la centrale de formation seule, dans ce processus : un DPI FHIR R4 sur 127.0.0.1 avec un hôpital',
  'fictif (données de formation, personnes inventées), son point de jeton /auth/token et les cartes',
  'virtuelles du personnel de démonstration. Affiche l’adresse FHIR, puis tourne jusqu’à Ctrl+C (ou SIGTERM).',
  '',
  'Options :',
  '  --port P         port d’écoute (0 ou absent : un port libre)',
  '  --dir DOSSIER    dossier où écrire le certificat de l’AC (ca.pem), les cartes virtuelles (cards/)',
  '                   et central.json ; par défaut CHEVET_TRAINING_DIR. Au redémarrage, les cartes et l’AC',
  '                   déjà présentes sont reprises. Sans dossier, tout reste en mémoire.',
  '  --psc-issuer URL émetteur Pro Santé Connect (ou son remplaçant de test) dont les jetons d’accès sont',
  '                   échangés contre ceux de la centrale (e-CPS, RFC 8693) ; par défaut CHEVET_PSC_ISSUER.',
  '                   Sans émetteur, la connexion e-CPS n’est pas acceptée.',
  '  --psc-client-id ID  n’accepter que les jetons délivrés à ce client (par défaut CHEVET_PSC_CLIENT_ID).',
  '',
  'Pour qu’un poste utilise cette centrale : CHEVET_CENTRAL_URL=<adresse affichée> CHEVET_TRAINING_DIR=<DOSSIER>.',
].join('\n')

function parsePort(text: string | undefined): number | null {
  if (text === undefined) return 0
  if (!/^\d{1,5}$/.test(text)) return null
  const port = Number(text)
  return port <= 65535 ? port : null
}

/** Resolves at the first SIGINT or SIGTERM, even one received while the central was still starting. */
function stopSignal(): { stopped: Promise<string>; dispose(): void } {
  let resolveStop: (signal: string) => void = () => undefined
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve))
  const onSignal = (signal: NodeJS.Signals) => resolveStop(signal)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stopped,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

function startFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE') return 'le port demandé est déjà utilisé'
  if (code === 'EACCES' || code === 'EPERM') return 'accès refusé (port réservé, ou dossier non inscriptible)'
  return (error as Error).message
}

function printCards(central: TrainingCentral, io: CliIo): void {
  const byKey = new Map<string, StaffMember>(central.hospital.staff.map((member) => [member.key, member]))
  // These PINs are printed on purpose: they unlock training cards of fictitious staff, valid only against the
  // training CA, and the training guide lists them. A real card's PIN is never printed, stored or logged.
  for (const card of central.pki.cards) {
    const member = byKey.get(card.key)
    if (!member) continue
    io.err(`Cartes virtuelles : ${card.holder} — ${card.label} (${member.role}) — PIN ${member.pin}`)
  }
}

async function runServe(args: string[], io: CliIo): Promise<number> {
  let values: { port?: string; dir?: string; 'psc-issuer'?: string; 'psc-client-id'?: string }
  try {
    ;({ values } = parseArgs({
      args,
      options: { port: { type: 'string' }, dir: { type: 'string' }, 'psc-issuer': { type: 'string' }, 'psc-client-id': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }))
  } catch {
    io.err(`chevet training serve : argument non reconnu (${args.join(' ')}). ${USAGE}`)
    return EXIT_USAGE
  }
  const port = parsePort(values.port)
  if (port === null) {
    io.err(`chevet training serve : port invalide « ${values.port ?? ''} » (un nombre de 0 à 65535).`)
    return EXIT_USAGE
  }
  const dirText = values.dir ?? io.env.CHEVET_TRAINING_DIR
  const dir = dirText ? path.resolve(dirText) : null
  const pscIssuer = values['psc-issuer'] ?? io.env.CHEVET_PSC_ISSUER
  if (pscIssuer !== undefined && !URL.canParse(pscIssuer)) {
    io.err(`chevet training serve : émetteur Pro Santé Connect invalide « ${pscIssuer} » (une URL est attendue).`)
    return EXIT_USAGE
  }
  const pscClientId = values['psc-client-id'] ?? io.env.CHEVET_PSC_CLIENT_ID
  const psc = pscIssuer ? { issuer: pscIssuer, ...(pscClientId ? { clientId: pscClientId } : {}) } : null

  const signal = stopSignal()
  try {
    let central: TrainingCentral
    try {
      // Loaded here, not at the top: the other commands need not load medplum and the PKI.
      const { startTrainingCentral } = await import('../training/central')
      central = await startTrainingCentral({ port, dir, psc, log: createLogger() })
    } catch (error) {
      io.err(`chevet training serve : la centrale de formation n’a pas pu démarrer — ${startFailure(error)}`)
      return EXIT_FAILURE
    }
    try {
      io.out(`Centrale de formation : ${central.fhirUrl}`)
      io.err(dir ? `Certificat de l’AC et cartes virtuelles : ${dir}` : 'Aucun dossier (--dir) : l’AC et les cartes restent en mémoire.')
      if (psc) io.err(`e-CPS : jetons Pro Santé Connect acceptés de ${psc.issuer}`)
      io.err(
        `Relais MSSanté de formation : ${central.mailRelay.host}:${central.mailRelay.port} (STARTTLS, certificat client)` +
          (dir ? ` — réglages du poste dans ${dir}/mssante.json` : ''),
      )
      printCards(central, io)
      await signal.stopped
    } finally {
      await central.close()
    }
    io.err('Centrale de formation arrêtée.')
    return EXIT_OK
  } finally {
    signal.dispose()
  }
}

export const trainingServeCommand: CliCommand = {
  synopsis: '[--port P] [--dir DOSSIER]',
  summary: 'lance la centrale de formation (DPI fictif, jetons, cartes virtuelles) jusqu’à Ctrl+C',
  help: HELP,
  run: runServe,
}
