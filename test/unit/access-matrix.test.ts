import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Chart, PatientSummary, Role, methods, type MethodName, type ResultOf } from '../../src-main/contract'
import {
  ACTIONS,
  ACTION_LABELS,
  CATEGORIES,
  CATEGORY_DESCRIPTIONS,
  CATEGORY_LABELS,
  MATRIX,
  ROLE_JUSTIFICATIONS,
  ROLE_LABELS,
  allowedActions,
  can,
  type Action,
  type Category,
} from '../../src-main/access/matrix'
import { METHOD_REQUIREMENTS, authorize, redact } from '../../src-main/access/methods'

/**
 * The policy, written out independently of src-main/access/matrix.ts: one string per cell, one letter per action
 * in the order L(ire) C(réer) M(odifier) V(alider/signer) E(nvoyer) (e)X(porter), '.' for "no".
 */
const COLUMNS = [
  'identite',
  'administratif',
  'sante.observations',
  'sante.notes',
  'sante.resultats',
  'sante.prescriptions',
  'documents',
  'professionnels',
  'journal',
] as const satisfies readonly Category[]
const LETTERS: Record<Action, string> = { lire: 'L', creer: 'C', modifier: 'M', valider: 'V', envoyer: 'E', exporter: 'X' }

const EXPECTED: Record<Role, readonly string[]> = {
  //               identite  admin     observ.   notes     résultats prescr.   documents profess.  journal
  medecin:         ['L.....', 'L.....', 'LCM...', 'LCMV..', 'L..V..', 'LCMV..', 'LCMVE.', 'L.....', '......'],
  interne:         ['L.....', 'L.....', 'LCM...', 'LCMV..', 'L..V..', 'LCMV..', 'LCM...', 'L.....', '......'],
  'sage-femme':    ['L.....', 'L.....', 'LCM...', 'LCMV..', 'L..V..', 'LCMV..', 'LCMVE.', 'L.....', '......'],
  infirmier:       ['L.....', 'L.....', 'LCM...', 'LCM...', 'L.....', 'L.....', 'LC....', 'L.....', '......'],
  'aide-soignant': ['L.....', 'L.....', 'LC....', 'LC....', '......', '......', '......', 'L.....', '......'],
  secretaire:      ['LCM...', 'LCM...', '......', '......', '......', '......', 'LCM.E.', 'LCM...', '......'],
  pharmacien:      ['L.....', 'L.....', 'L.....', 'LC....', 'L.....', 'L..V..', 'L.....', 'L.....', '......'],
  cadre:           ['L.....', 'L.M..X', 'L.....', '......', '......', 'L.....', '......', 'L.M...', '......'],
  dim:             ['L....X', 'L.M..X', 'L....X', 'L....X', 'L....X', 'L....X', 'L....X', 'L.....', '......'],
  dpo:             ['L.....', '......', '......', '......', '......', '......', '......', 'L.....', 'L..V.X'],
}

function expected(role: Role, category: Category, action: Action): boolean {
  const cell = EXPECTED[role][COLUMNS.indexOf(category as (typeof COLUMNS)[number])]
  if (cell === undefined || cell.length !== ACTIONS.length) throw new Error(`malformed expected cell ${role}/${category}`)
  return cell[ACTIONS.indexOf(action)] === LETTERS[action]
}

const cells = Role.options.flatMap((role) =>
  CATEGORIES.flatMap((category) =>
    ACTIONS.map((action) => [role, category, action, expected(role, category, action)] as const),
  ),
)

describe('habilitation matrix: every role × category × action', () => {
  it('has exactly the session roles and the expected categories and actions', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...Role.options].sort())
    expect(Object.keys(EXPECTED).sort()).toEqual([...Role.options].sort())
    expect([...CATEGORIES].sort()).toEqual([...COLUMNS].sort())
    expect([...ACTIONS]).toEqual(['lire', 'creer', 'modifier', 'valider', 'envoyer', 'exporter'])
    for (const role of Role.options) expect(Object.keys(MATRIX[role]).sort()).toEqual([...CATEGORIES].sort())
  })

  it.each(cells)('%s · %s · %s → %s', (role, category, action, answer) => {
    expect(can(role, category, action)).toBe(answer)
  })

  it('lists allowed actions in the order of ACTIONS, without duplicates', () => {
    for (const role of Role.options) {
      for (const category of CATEGORIES) {
        const listed = allowedActions(role, category)
        expect(listed).toEqual(ACTIONS.filter((action) => expected(role, category, action)))
        expect(new Set(MATRIX[role][category]).size).toBe(MATRIX[role][category].length)
      }
    }
  })

  it('answers no for a role, category or action it does not know', () => {
    expect(can('chirurgien' as Role, 'identite', 'lire')).toBe(false)
    expect(can('medecin', 'sante.genetique' as Category, 'lire')).toBe(false)
    expect(can('medecin', 'identite', 'supprimer' as Action)).toBe(false)
    expect(allowedActions('chirurgien' as Role, 'identite')).toEqual([])
  })

  it('never lets anyone write the access journal by hand', () => {
    for (const role of Role.options) {
      expect(can(role, 'journal', 'creer')).toBe(false)
      expect(can(role, 'journal', 'modifier')).toBe(false)
    }
  })

  it('has a French label for every role, category and action, and a justification for every role', () => {
    for (const role of Role.options) {
      expect(ROLE_LABELS[role]).toMatch(/\S/)
      expect(ROLE_JUSTIFICATIONS[role].length).toBeGreaterThan(40)
    }
    for (const category of CATEGORIES) {
      expect(CATEGORY_LABELS[category]).toMatch(/\S/)
      expect(CATEGORY_DESCRIPTIONS[category]).toMatch(/\S/)
    }
    for (const action of ACTIONS) expect(ACTION_LABELS[action]).toMatch(/\S/)
  })
})

const DATA_METHODS = ['census.list', 'patients.search', 'chart.open', 'vitals.record', 'tasks.list', 'tasks.resolve'] as const
const ALL_ROLES = Role.options
const ALL_BUT_DPO = ALL_ROLES.filter((role) => role !== 'dpo')

/** Who may call each data method, written out. */
const CALLERS: Record<(typeof DATA_METHODS)[number], readonly Role[]> = {
  'census.list': ALL_BUT_DPO,
  'patients.search': ALL_ROLES,
  'chart.open': ALL_BUT_DPO,
  'vitals.record': ['medecin', 'interne', 'sage-femme', 'infirmier', 'aide-soignant'],
  'tasks.list': ALL_ROLES,
  'tasks.resolve': ALL_ROLES,
}

const methodCells = DATA_METHODS.flatMap((method) =>
  ALL_ROLES.map((role) => [method, role, CALLERS[method].includes(role)] as const),
)

describe('RPC methods and the matrix', () => {
  it('classifies every method of the contract, and nothing else', () => {
    expect(Object.keys(METHOD_REQUIREMENTS).sort()).toEqual(Object.keys(methods).sort())
  })

  it('needs a session for every method that touches patient data', () => {
    for (const name of Object.keys(methods) as MethodName[]) {
      if (methods[name].access === 'public') expect(METHOD_REQUIREMENTS[name], name).toBe('none')
    }
    for (const method of DATA_METHODS) expect(METHOD_REQUIREMENTS[method], method).not.toBe('none')
  })

  it('requires only categories and actions of the matrix', () => {
    for (const requirement of Object.values(METHOD_REQUIREMENTS)) {
      if (requirement === 'none') continue
      expect(requirement.requires.length).toBeGreaterThan(0)
      for (const { category, action } of requirement.requires) {
        expect(CATEGORIES).toContain(category)
        expect(ACTIONS).toContain(action)
      }
      for (const category of Object.keys(requirement.masks ?? {})) expect(CATEGORIES).toContain(category)
    }
  })

  it.each(methodCells)('%s by %s → %s', (method, role, allowed) => {
    expect(authorize(role, method).ok).toBe(allowed)
  })

  it('lets every role, and no session at all, call the methods without patient data', () => {
    for (const name of Object.keys(methods) as MethodName[]) {
      if (METHOD_REQUIREMENTS[name] !== 'none') continue
      expect(authorize(null, name)).toEqual({ ok: true })
      for (const role of ALL_ROLES) expect(authorize(role, name)).toEqual({ ok: true })
    }
  })

  it('refuses patient data without a session', () => {
    for (const method of DATA_METHODS) expect(authorize(null, method).ok).toBe(false)
  })

  it('explains a refusal in French with the role, the action and the category, and no patient', () => {
    expect(authorize('secretaire', 'vitals.record')).toEqual({
      ok: false,
      reason:
        'Le rôle « Secrétaire médicale » n’a pas le droit « Créer » sur « Santé — constantes et observations » (requis par vitals.record).',
    })
    const dpo = authorize('dpo', 'chart.open')
    expect(dpo.ok).toBe(false)
    if (!dpo.ok) expect(dpo.reason).toContain('« Données administratives »')
  })

  it('lets a nurse record vitals and a secretary see documents but no clinical note', () => {
    expect(authorize('infirmier', 'vitals.record')).toEqual({ ok: true })
    expect(allowedActions('secretaire', 'documents')).toContain('lire')
    expect(allowedActions('secretaire', 'sante.notes')).toEqual([])
  })
})

const patient = PatientSummary.parse({
  id: 'pat-1',
  familyName: 'TESTEUR',
  givenName: 'Fictif',
  birthName: null,
  sex: 'female',
  birthDate: '1950-01-01',
  ins: null,
  identityStatus: 'PROV',
  ipp: 'IPP-1',
  unit: { id: 'CARDIO', name: 'Cardiologie' },
  room: '12',
  bed: 'A',
  admittedAt: '2026-01-01T08:00:00+01:00',
})
const vitals = {
  takenAt: '2026-01-02T08:00:00+01:00',
  systolic: 120,
  diastolic: 80,
  heartRate: 70,
  temperature: 37,
  spo2: 98,
  respiratoryRate: 16,
  pending: false,
}
const chart: ResultOf<'chart.open'> = Chart.parse({
  patient,
  allergies: [{ substance: 'Pénicilline', criticality: 'high', reaction: null }],
  conditions: [{ code: 'I50', label: 'Insuffisance cardiaque' }],
  vitals: [vitals],
  results: [
    { id: 'r1', code: '2823-3', label: 'Potassium', value: 4.1, valueText: null, unit: 'mmol/L', low: 3.5, high: 5, interpretation: 'N', effectiveAt: null },
  ],
  fromCache: false,
  dataAsOf: null,
})

describe('masking what a role may not read', () => {
  it('opens a chart for a secretary without its vitals, allergies, problems or results', () => {
    const seen = redact('secretaire', 'chart.open', chart)
    expect(seen).toEqual({ ...chart, allergies: [], conditions: [], vitals: [], results: [] })
    expect(chart.vitals).toHaveLength(1)
  })

  it('hides results only from a care manager, and nothing from a nurse', () => {
    expect(redact('cadre', 'chart.open', chart)).toEqual({ ...chart, results: [] })
    expect(redact('infirmier', 'chart.open', chart)).toEqual(chart)
  })

  it('gives the DPO identity without the stay in a search, and a nurse both', () => {
    const value = { results: [patient] }
    expect(redact('dpo', 'patients.search', value)).toEqual({
      results: [{ ...patient, unit: null, room: null, bed: null, admittedAt: null }],
    })
    expect(redact('infirmier', 'patients.search', value)).toEqual(value)
  })

  it('drops the last vitals from a secretary’s census', () => {
    const census: ResultOf<'census.list'> = {
      units: [{ id: 'CARDIO', name: 'Cardiologie' }],
      entries: [{ patient, lastVitals: vitals }],
      dataAsOf: null,
    }
    expect(redact('secretaire', 'census.list', census).entries).toEqual([{ patient, lastVitals: null }])
    expect(redact('aide-soignant', 'census.list', census)).toEqual(census)
  })

  it('leaves results of methods without patient data alone', () => {
    const status = { state: 'signed-out' as const, user: null }
    expect(redact('dpo', 'session.status', status)).toBe(status)
  })
})

// --- docs/habilitations.md must say what the code says ---

const doc = readFileSync(new URL('../../docs/habilitations.md', import.meta.url), 'utf8').split('\n')

/** The rows of the first markdown table after the line matching `heading`, as arrays of trimmed cells. */
function tableAfter(heading: RegExp, from = 0): string[][] {
  const start = doc.findIndex((line, index) => index >= from && heading.test(line))
  if (start < 0) throw new Error(`no heading ${heading} in docs/habilitations.md`)
  const first = doc.findIndex((line, index) => index > start && line.startsWith('|'))
  const rows: string[][] = []
  for (let index = first; index < doc.length && doc[index]!.startsWith('|'); index++) {
    rows.push(doc[index]!.slice(1, -1).split('|').map((cell) => cell.trim()))
  }
  return rows.filter((row) => !row.every((cell) => /^:?-+:?$/.test(cell)))
}

const backticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!)
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('docs/habilitations.md matches the matrix', () => {
  it.each([...CATEGORIES])('states the table of %s cell by cell', (category) => {
    const [header, ...rows] = tableAfter(new RegExp(`^### .* — \`${escape(category)}\`$`))
    expect(header).toEqual(['Rôle', ...ACTIONS.map((action) => ACTION_LABELS[action])])
    expect(rows.map((row) => backticked(row[0]!)[0])).toEqual([...Role.options])
    for (const row of rows) {
      const role = backticked(row[0]!)[0] as Role
      ACTIONS.forEach((action, index) => {
        expect(row[index + 1], `${role} · ${category} · ${action}`).toBe(can(role, category, action) ? '✓' : '—')
      })
    }
  })

  it('has one detail table per category, and no other', () => {
    const headings = doc.filter((line) => /^### .* — `[^`]+`$/.test(line)).map((line) => backticked(line).at(-1))
    expect(headings).toEqual([...CATEGORIES])
  })

  it('states the overview cell by cell', () => {
    const [header, ...rows] = tableAfter(/^## Vue d’ensemble$/)
    expect(header!.slice(1).map((cell) => backticked(cell)[0])).toEqual([...CATEGORIES])
    expect(rows.map((row) => backticked(row[0]!)[0])).toEqual([...Role.options])
    for (const row of rows) {
      const role = backticked(row[0]!)[0] as Role
      CATEGORIES.forEach((category, index) => {
        const letters = allowedActions(role, category).map((action) => LETTERS[action])
        expect(row[index + 1], `${role} · ${category}`).toBe(letters.length ? letters.join(' ') : '—')
      })
    }
  })

  it('states what each RPC method requires and masks', () => {
    const [, ...rows] = tableAfter(/^## Méthodes de l’application$/)
    const seen: string[] = []
    for (const [names, requires, masks] of rows) {
      for (const name of backticked(names!)) {
        seen.push(name)
        const requirement = METHOD_REQUIREMENTS[name as MethodName]
        if (requirement === 'none') {
          expect(requires, name).toBe('aucune donnée de patient')
          continue
        }
        expect(backticked(requires!).sort(), name).toEqual(
          requirement.requires.map(({ category, action }) => `${category}:${action}`).sort(),
        )
        expect(backticked(masks!).sort(), name).toEqual(Object.keys(requirement.masks ?? {}).sort())
      }
    }
    expect(seen.sort()).toEqual(Object.keys(methods).sort())
  })

  it('gives every role’s justification as the code does', () => {
    const text = doc.join('\n')
    for (const role of Role.options) expect(text).toContain(`**${ROLE_LABELS[role]}** (\`${role}\`). ${ROLE_JUSTIFICATIONS[role]}`)
  })
})
