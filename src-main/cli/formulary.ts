import { parseArgs } from 'node:util'
import { BdpmImportError, importBdpm, type ImportSummary } from '../formulary/bdpm-import'
import type { FormCategory } from '../formulary/forms'
import { searchFormulary, type SearchKind } from '../formulary/search'
import type { Store } from '../store'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliCommand, type CliIo } from './io'
import { openWorkstationStore, readConfig } from './workstation'

const IMPORT_USAGE = 'Usage : chevet formulary import DOSSIER [--json]'
const SEARCH_USAGE = 'Usage : chevet formulary search TEXTE [--dc | --brand | --substance] [--limit N] [--json]'

const CATEGORY_LABEL: Record<FormCategory | 'unclassified', string> = {
  'oral-solid': 'voie orale, forme solide',
  'oral-liquid': 'voie orale, forme liquide',
  injectable: 'injectable',
  cutaneous: 'cutanée',
  ophthalmic: 'ophtalmique',
  inhaled: 'inhalée',
  rectal: 'rectale',
  vaginal: 'vaginale',
  nasal: 'nasale',
  auricular: 'auriculaire',
  transdermal: 'transdermique',
  other: 'autre',
  unclassified: 'non classée',
}

// French digit grouping, with a plain space so that hospital IT can grep the output.
const number = (value: number) => value.toLocaleString('fr-FR').replace(/\s/g, ' ')

/** Opens the workstation's encrypted store, or says why not and gives the exit code. */
function openFormularyStore(io: CliIo, name: string): Store | number {
  const config = readConfig(io, name)
  if (!config) return EXIT_FAILURE
  try {
    return openWorkstationStore(config, io)
  } catch (error) {
    io.err(`chevet ${name} : ${(error as Error).message}`)
    return EXIT_FAILURE
  }
}

/** A bar redrawn in place on a terminal; nothing at all otherwise (the final line says the outcome). */
function progressBar(): { update(fraction: number): void; clear(): void } {
  const tty = process.stderr.isTTY === true
  let shown = -1
  return {
    update(fraction) {
      if (!tty) return
      const percent = Math.floor(fraction * 100)
      if (percent === shown) return
      shown = percent
      const filled = Math.round(percent / 4)
      process.stderr.write(`\rImport de la BDPM [${'#'.repeat(filled)}${' '.repeat(25 - filled)}] ${String(percent).padStart(3)} %`)
    },
    clear() {
      if (tty && shown >= 0) process.stderr.write('\r\x1b[K')
    },
  }
}

export function formatImportSummary(summary: ImportSummary): string {
  const lines = [`BDPM importée depuis ${summary.source} en ${(summary.durationMs / 1000).toFixed(1).replace('.', ',')} s.`]
  for (const file of summary.files) {
    const extra = [
      file.rejected > 0 ? `${number(file.rejected)} rejetée(s)` : '',
      file.ignored > 0 ? `${number(file.ignored)} ignorée(s) (CIS absent de CIS_bdpm.txt)` : '',
    ].filter((part) => part !== '')
    lines.push(`  ${file.file.padEnd(20)} ${number(file.imported).padStart(7)} ligne(s) importée(s) sur ${number(file.lines)}${extra.length ? ` — ${extra.join(', ')}` : ''}`)
  }
  lines.push(`Spécialités : ${number(summary.specialities)}. Formes pharmaceutiques par catégorie :`)
  for (const [category, count] of Object.entries(summary.categories)) {
    lines.push(`  ${CATEGORY_LABEL[category as FormCategory | 'unclassified'].padEnd(26)} ${number(count).padStart(7)}`)
  }
  for (const warning of summary.warnings) lines.push(`ATTENTION : ${warning}`)
  if (summary.rejectedTotal === 0) {
    lines.push('Aucune ligne rejetée.')
  } else {
    lines.push(`Lignes rejetées : ${number(summary.rejectedTotal)}`)
    for (const rejection of summary.rejections) lines.push(`  ${rejection.file}, ligne ${rejection.line} : ${rejection.reason}`)
    if (summary.rejections.length < summary.rejectedTotal) {
      lines.push(`  … et ${number(summary.rejectedTotal - summary.rejections.length)} autre(s), non listée(s)`)
    }
  }
  return lines.join('\n')
}

async function runImport(args: string[], io: CliIo): Promise<number> {
  let json: boolean
  let dir: string
  try {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true })
    if (positionals.length !== 1) throw new Error('one folder')
    json = values.json === true
    dir = positionals[0] as string
  } catch {
    io.err(`chevet formulary import : arguments invalides (${args.join(' ')}). ${IMPORT_USAGE}`)
    return EXIT_USAGE
  }
  const store = openFormularyStore(io, 'formulary import')
  if (typeof store === 'number') return store
  const bar = progressBar()
  try {
    const summary = await importBdpm(store.db, dir, { onProgress: (fraction) => bar.update(fraction) })
    bar.clear()
    io.err(`Import de la BDPM terminé : ${number(summary.specialities)} spécialités, ${number(summary.rejectedTotal)} ligne(s) rejetée(s).`)
    io.out(json ? JSON.stringify(summary, null, 2) : formatImportSummary(summary))
    return EXIT_OK
  } catch (error) {
    bar.clear()
    if (error instanceof BdpmImportError) {
      io.err(`chevet formulary import : ${error.message}. L’import précédent est conservé.`)
      return EXIT_FAILURE
    }
    throw error
  } finally {
    store.close()
  }
}

async function runSearch(args: string[], io: CliIo): Promise<number> {
  let values: { json?: boolean; dc?: boolean; brand?: boolean; substance?: boolean; limit?: string }
  let text: string
  try {
    const parsed = parseArgs({
      args,
      options: {
        json: { type: 'boolean' }, dc: { type: 'boolean' }, brand: { type: 'boolean' }, substance: { type: 'boolean' },
        limit: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    })
    values = parsed.values
    text = parsed.positionals.join(' ').trim()
    if (text === '') throw new Error('no text')
  } catch {
    io.err(`chevet formulary search : arguments invalides (${args.join(' ')}). ${SEARCH_USAGE}`)
    return EXIT_USAGE
  }
  const kinds = (['dc', 'brand', 'substance'] as const).filter((kind) => values[kind] === true)
  const limit = values.limit === undefined ? 20 : Number(values.limit)
  if (kinds.length > 1 || !Number.isInteger(limit) || limit < 1 || limit > 500) {
    io.err(`chevet formulary search : une seule option parmi --dc, --brand, --substance ; --limit de 1 à 500. ${SEARCH_USAGE}`)
    return EXIT_USAGE
  }
  const store = openFormularyStore(io, 'formulary search')
  if (typeof store === 'number') return store
  try {
    const kind: SearchKind | undefined = kinds[0]
    const matches = searchFormulary(store.db, text, { limit, ...(kind ? { kind } : {}) })
    if (json(values)) {
      io.out(JSON.stringify(matches, null, 2))
      return EXIT_OK
    }
    if (matches.length === 0) {
      const empty = store.db.prepare('SELECT count(*) FROM bdpm_speciality').pluck().get() === 0
      io.out(empty ? 'Aucune BDPM importée : lancez « chevet formulary import DOSSIER ».' : `Aucune spécialité pour « ${text} ».`)
      return EXIT_OK
    }
    for (const match of matches) {
      const category = CATEGORY_LABEL[match.formCategory ?? 'unclassified']
      const substances = match.substances.filter((s) => s.nature === 'SA').map((s) => `${s.name} ${s.dosage}`.trim())
      io.out(`${match.cis}  ${match.denomination}`)
      io.out(`          DC : ${match.dc || '—'} ; forme : ${match.form} (${category}) ; voie(s) : ${match.routes.join(', ') || '—'}`)
      io.out(`          substances : ${substances.join(' + ') || '—'}${match.genericGroup ? ` ; groupe générique ${match.genericGroup.id}` : ''}${match.marketed ? '' : ' ; non commercialisée'}`)
    }
    io.out(`${matches.length} spécialité(s)${matches.length === limit ? ` (limite ${limit} atteinte : précisez la recherche ou --limit)` : ''}.`)
    return EXIT_OK
  } finally {
    store.close()
  }
}

function json(values: { json?: boolean }): boolean {
  return values.json === true
}

export const formularyImportCommand: CliCommand = {
  synopsis: 'DOSSIER [--json]',
  summary: 'importe une BDPM de l’ANSM (CIS_bdpm, CIS_COMPO, CIS_CIP, CIS_GENER) dans la base du poste',
  help: [
    IMPORT_USAGE,
    '',
    'Importe les quatre fichiers de la Base de données publique des médicaments téléchargés sur le site de',
    'l’ANSM (CIS_bdpm.txt, CIS_COMPO_bdpm.txt, CIS_CIP_bdpm.txt, CIS_GENER_bdpm.txt : Latin-1, tabulations,',
    'sans ligne d’en-tête) dans la base chiffrée du poste. L’import remplace le précédent en une seule',
    'transaction : en cas d’échec, l’import précédent reste en place. Affiche une barre de progression,',
    'les nombres de lignes importées par fichier, les formes par catégorie et les lignes rejetées',
    '(fichier, numéro de ligne, motif).',
    '',
    'Options :',
    '  --json   affiche le bilan en JSON',
    '',
    'Code de sortie : 0 si l’import a eu lieu (même avec des lignes rejetées), 1 si un fichier manque.',
  ].join('\n'),
  run: runImport,
}

export const formularySearchCommand: CliCommand = {
  synopsis: 'TEXTE [--dc|--brand|--substance] [--limit N] [--json]',
  summary: 'cherche dans la BDPM importée par DC, nom de marque ou substance',
  help: [
    SEARCH_USAGE,
    '',
    'Cherche les spécialités de la BDPM importée dont la DC, le nom de marque ou une substance contient un mot',
    'commençant par chaque mot du texte, sans tenir compte des accents ni des majuscules (« parac » trouve',
    'PARACÉTAMOL). Pour vérifier un import.',
    '',
    'Options :',
    '  --dc, --brand, --substance   ne chercher que dans les DC, les noms de marque ou les substances',
    '  --limit N                    nombre maximal de spécialités affichées (20 par défaut)',
    '  --json                       affiche les résultats en JSON',
  ].join('\n'),
  run: runSearch,
}
