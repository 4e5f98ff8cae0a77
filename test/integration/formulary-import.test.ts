import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BDPM_FILES, importBdpm, type ImportSummary } from '../../src-main/formulary/bdpm-import'
import { findSpeciality, searchFormulary } from '../../src-main/formulary/search'
import { openStore, type Store } from '../../src-main/store'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const launcher = path.join(root, 'bin', 'chevet.mjs')
// The team's snapshot beside the checkout (../shared/data/bdpm), or wherever CHEVET_BDPM_DIR says.
const BDPM = process.env.CHEVET_BDPM_DIR ? path.resolve(process.env.CHEVET_BDPM_DIR) : path.resolve(root, '..', 'shared', 'data', 'bdpm')
const present = BDPM_FILES.every((file) => existsSync(path.join(BDPM, file)))
if (!present) console.warn(`formulary-import: BDPM snapshot absent (${BDPM}), the tests on the real base are skipped (set CHEVET_BDPM_DIR to run them)`)

let dir: string
let store: Store
let first: ImportSummary

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'chevet-formulary-'))
  store = openStore({ file: path.join(dir, 'chevet.db'), key: randomBytes(32) })
})
afterAll(() => {
  store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const count = (table: string) => store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number

describe.runIf(present)('BDPM import on the shared snapshot', () => {
  it('imports every speciality of the snapshot, in under 10 s of CPU', async () => {
    const started = performance.now()
    const cpu = process.cpuUsage()
    first = await importBdpm(store.db, BDPM)
    const seconds = (performance.now() - started) / 1000
    const used = process.cpuUsage(cpu)
    const cpuSeconds = (used.user + used.system) / 1e6
    console.warn(`formulary-import: full BDPM imported in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s of CPU)`)
    // CPU time, not wall time: the test machines run other suites at once, and the budget is the import's own work.
    expect(cpuSeconds).toBeLessThan(10)
    expect(first.specialities).toBe(14_442)
    expect(count('bdpm_speciality')).toBe(14_442)
    const lines = Object.fromEntries(first.files.map((file) => [file.file, file]))
    expect(lines['CIS_bdpm.txt']).toMatchObject({ lines: 14_442, imported: 14_442, rejected: 0 })
    expect(lines['CIS_COMPO_bdpm.txt']).toMatchObject({ lines: 27_023, imported: 27_023, rejected: 0 })
    // Three presentations and 1,462 generic-group lines name a CIS that CIS_bdpm.txt no longer lists.
    expect(lines['CIS_CIP_bdpm.txt']).toMatchObject({ lines: 20_083, imported: 20_080, ignored: 3 })
    expect(lines['CIS_GENER_bdpm.txt']).toMatchObject({ lines: 8_516, imported: 7_054, ignored: 1_462 })
    expect(count('bdpm_composition')).toBe(27_023)
    expect(first.rejectedTotal).toBe(0)
    const categorised = Object.values(first.categories).reduce((sum, n) => sum + n, 0)
    expect(categorised).toBe(14_442)
    expect(first.categories.unclassified).toBeLessThan(50)
    expect(first.categories['oral-solid']).toBeGreaterThan(8_000)
  })

  it('keeps known rows: form, category, route, substances and generic group', () => {
    expect(findSpeciality(store.db, '60002283')).toMatchObject({
      denomination: 'ANASTROZOLE ACCORD 1 mg, comprimé pelliculé',
      form: 'comprimé pelliculé',
      formCategory: 'oral-solid',
      routes: ['orale'],
      dc: 'ANASTROZOLE',
      substances: [{ name: 'ANASTROZOLE', dosage: '1,00 mg', nature: 'SA' }],
      genericGroup: { id: 659, type: 1 },
      marketed: true,
    })
    expect(findSpeciality(store.db, '66513085')).toMatchObject({
      form: 'solution injectable',
      formCategory: 'injectable',
      routes: ['sous-cutanée'],
      substances: [{ name: 'INSULINE GLARGINE', dosage: '100 unités', nature: 'SA' }],
      genericGroup: null,
    })
    expect(findSpeciality(store.db, '64793681')).toMatchObject({
      denomination: 'DOLIPRANE 100 mg, poudre pour solution buvable en sachet-dose',
      formCategory: 'oral-liquid',
      routes: ['orale'],
      dc: 'PARACÉTAMOL',
      substances: [{ name: 'PARACÉTAMOL', dosage: '100 mg', nature: 'SA' }],
    })
    expect(findSpeciality(store.db, '60002504')).toMatchObject({
      form: 'comprimé effervescent(e)',
      formCategory: 'oral-solid',
      dc: 'RANITIDINE',
      substances: [
        { name: 'RANITIDINE (CHLORHYDRATE DE)', dosage: '168 mg', nature: 'SA' },
        { name: 'RANITIDINE BASE', dosage: '150 mg', nature: 'FT' },
      ],
      genericGroup: { id: 10, type: 1 },
    })
  })

  it('finds specialities by DC, brand and substance, ignoring accents and case, by prefix', () => {
    const byDc = searchFormulary(store.db, 'paracetamol', { kind: 'dc', limit: 500 })
    expect(byDc.length).toBeGreaterThan(50)
    expect(byDc.every((match) => /PARAC[EÉ]TAMOL/.test(match.dc))).toBe(true)
    const byBrand = searchFormulary(store.db, 'Dolipr', { kind: 'brand' })
    expect(byBrand.map((match) => match.cis)).toContain('64793681')
    expect(byBrand.every((match) => match.denomination.startsWith('DOLIPRANE'))).toBe(true)
    const bySubstance = searchFormulary(store.db, 'ranitidine chlorhydr', { kind: 'substance', limit: 500 })
    expect(bySubstance.map((match) => match.cis)).toContain('60002504')
    expect(searchFormulary(store.db, 'INSULINE glargine').map((match) => match.cis)).toContain('66513085')
    expect(searchFormulary(store.db, 'zzzzqx')).toEqual([])
  })

  it('is idempotent: a second import gives the same counts and no duplicate', async () => {
    const second = await importBdpm(store.db, BDPM)
    expect(second.files).toEqual(first.files)
    expect(second.categories).toEqual(first.categories)
    expect(count('bdpm_speciality')).toBe(14_442)
    expect(count('bdpm_composition')).toBe(27_023)
    expect(count('bdpm_presentation')).toBe(20_080)
    expect(count('bdpm_generic')).toBe(7_054)
    expect(count('bdpm_import')).toBe(1)
    const specialities = store.db.prepare('SELECT count(DISTINCT cis) FROM bdpm_speciality').pluck().get() as number
    expect(specialities).toBe(14_442)
    const tokens = store.db.prepare('SELECT count(*) FROM (SELECT DISTINCT token, kind, cis FROM formulary_token)').pluck().get()
    expect(count('formulary_token')).toBe(tokens)
  })
})

describe('BDPM import of damaged files', () => {
  it('reports rejected lines with file, line number and reason, and imports the rest', async () => {
    const bad = mkdtempSync(path.join(os.tmpdir(), 'chevet-bdpm-bad-'))
    try {
      const latin1 = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'latin1')
      const speciality = (cis: string, date = '01/02/2003', form = 'comprimé') =>
        [cis, `TESTOL 10 mg, ${form}`, form, 'orale', 'Autorisation active', 'Procédure nationale', 'Commercialisée', date, '', '', ' LABO', 'Non'].join('\t')
      writeFileSync(
        path.join(bad, 'CIS_bdpm.txt'),
        latin1([speciality('61234567'), speciality('6123456'), speciality('61234568', '31/02/2003'), 'only\ttwo', speciality('61234567')]),
      )
      writeFileSync(
        path.join(bad, 'CIS_COMPO_bdpm.txt'),
        latin1(['61234567\tcomprimé\t01234\tTESTOLÈNE\t10 mg\tun comprimé\tSA\t1\t', '61234567\tcomprimé\t01234\tTESTOLÈNE\t10 mg\tun comprimé\tXX\t1\t']),
      )
      writeFileSync(path.join(bad, 'CIS_CIP_bdpm.txt'), latin1(['61234567\t1234567\tboîte de 30\tPrésentation active\tDéclaration de commercialisation\t99/99/2010\t3400912345678\toui\t65%\t1,00\t\t\t']))
      writeFileSync(path.join(bad, 'CIS_GENER_bdpm.txt'), latin1(['1\tTESTOLÈNE 10 mg - TESTOL 10 mg, comprimé\t61234567\t0\t1\t', '2\tX\t99999999\t1\t1\t']))

      const summary = await importBdpm(store.db, bad)
      expect(summary.specialities).toBe(1)
      expect(summary.rejections).toEqual([
        { file: 'CIS_bdpm.txt', line: 2, reason: 'CIS invalide « 6123456 » (8 chiffres attendus)' },
        { file: 'CIS_bdpm.txt', line: 3, reason: 'date d\'AMM invalide « 31/02/2003 » (jj/mm/aaaa attendu)' },
        { file: 'CIS_bdpm.txt', line: 4, reason: '2 champ(s) au lieu de 12' },
        { file: 'CIS_COMPO_bdpm.txt', line: 2, reason: 'nature « XX » (SA ou FT attendu)' },
        { file: 'CIS_CIP_bdpm.txt', line: 1, reason: 'date de déclaration invalide « 99/99/2010 » (jj/mm/aaaa attendu)' },
        { file: 'CIS_bdpm.txt', line: 5, reason: 'CIS 61234567 en double' },
      ])
      expect(summary.rejectedTotal).toBe(6)
      expect(summary.files.find((file) => file.file === 'CIS_GENER_bdpm.txt')).toMatchObject({ imported: 1, ignored: 1 })
      // Latin-1 decoded: the accented substance name is intact.
      expect(findSpeciality(store.db, '61234567')?.substances[0]?.name).toBe('TESTOLÈNE')
      // The damaged import replaced the previous one as a whole.
      expect(count('bdpm_speciality')).toBe(1)
    } finally {
      rmSync(bad, { recursive: true, force: true })
    }
  })

  it('refuses a folder without the four files and keeps the previous import', async () => {
    const before = count('bdpm_speciality')
    const empty = mkdtempSync(path.join(os.tmpdir(), 'chevet-bdpm-empty-'))
    try {
      await expect(importBdpm(store.db, empty)).rejects.toThrow(/introuvable.*CIS_bdpm\.txt/)
      expect(count('bdpm_speciality')).toBe(before)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function chevet(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHEVET_')))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd: dir, env: { ...clean, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe.runIf(present)('chevet formulary, run as a command', () => {
  it('imports with a final line on stderr (no bar outside a terminal), then searches', async () => {
    const env = { CHEVET_DATA_DIR: path.join(dir, 'cli-data'), CHEVET_DB_KEY: randomBytes(32).toString('hex') }
    const run = await chevet(['formulary', 'import', BDPM], env)
    expect(run.code).toBe(0)
    expect(run.stderr).not.toContain('%')
    expect(run.stderr).toContain('Import de la BDPM terminé : 14 442 spécialités, 0 ligne(s) rejetée(s).')
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(/^Import de la BDPM terminé/)
    expect(run.stdout).toMatch(/CIS_bdpm\.txt +14 442 ligne\(s\) importée\(s\) sur 14 442/)
    expect(run.stdout).toContain('Aucune ligne rejetée.')

    const json = await chevet(['formulary', 'import', BDPM, '--json'], env)
    expect(json.code).toBe(0)
    const summary = JSON.parse(json.stdout) as ImportSummary
    expect(summary.specialities).toBe(14_442)

    const search = await chevet(['formulary', 'search', 'anastrozole', 'accord'], env)
    expect(search.code).toBe(0)
    expect(search.stdout).toContain('60002283  ANASTROZOLE ACCORD 1 mg, comprimé pelliculé')
    expect(search.stdout).toContain('forme : comprimé pelliculé (voie orale, forme solide)')
    expect(search.stdout).toContain('1 spécialité(s).')
  })

  it('fails with exit 1 and a French message when files are missing', async () => {
    const env = { CHEVET_DATA_DIR: path.join(dir, 'cli-data-2'), CHEVET_DB_KEY: randomBytes(32).toString('hex') }
    const run = await chevet(['formulary', 'import', path.join(dir, 'nowhere')], env)
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Fichier(s) BDPM introuvable(s)')
  })
})
