import type { MethodName, ResultOf, Role } from '../contract'
import { ACTION_LABELS, CATEGORY_LABELS, ROLE_LABELS, can, type Action, type Category } from './matrix'

export interface Permission {
  readonly category: Category
  readonly action: Action
}

/**
 * What a method that touches patient data needs. `requires`: every pair, or the call is refused before its
 * handler. `masks`: parts of the result that belong to another category; when the role may not read that
 * category, the part is blanked (the call still succeeds), so a secretary opens a chart without its vitals.
 */
export interface Requirement<M extends MethodName> {
  readonly requires: readonly Permission[]
  readonly masks?: Partial<Readonly<Record<Category, (value: ResultOf<M>) => ResultOf<M>>>>
  /** Why these pairs, when not obvious (French, rendered in docs/habilitations.md). */
  readonly note?: string
}

/** `'none'`: the method returns or changes no patient data. Keyed by MethodName: a new method must be classified. */
export type Classification = { readonly [M in MethodName]: Requirement<M> | 'none' }

const read = (category: Category): Permission => ({ category, action: 'lire' })

type Summary = ResultOf<'patients.search'>['results'][number]

const withoutStay = (patient: Summary): Summary => ({ ...patient, unit: null, room: null, bed: null, admittedAt: null })

export const METHOD_REQUIREMENTS: Classification = {
  'system.info': 'none',
  'system.diagnostics': 'none',
  'session.status': 'none',
  'auth.cards': 'none',
  'auth.signIn': 'none',
  'auth.signOut': 'none',
  'auth.ecps.begin': 'none',
  'auth.ecps.cancel': 'none',
  'session.lock': 'none',
  'session.activity': 'none',
  'training.card': 'none',
  'census.list': {
    requires: [read('identite'), read('administratif')],
    masks: {
      'sante.observations': (value) => ({
        ...value,
        entries: value.entries.map((entry) => ({ ...entry, lastVitals: null, news2: undefined })),
      }),
    },
  },
  'patients.search': {
    requires: [read('identite')],
    masks: { administratif: (value) => ({ results: value.results.map(withoutStay) }) },
    note: 'Sans droit sur les données administratives, la recherche ne donne que l’identité (ni unité, ni lit, ni date d’entrée).',
  },
  'chart.open': {
    requires: [read('identite'), read('administratif')],
    masks: {
      'sante.observations': (chart) => ({ ...chart, allergies: [], conditions: [], vitals: [], news2: undefined }),
      'sante.resultats': (chart) => ({ ...chart, results: [] }),
    },
  },
  'vitals.record': { requires: [{ category: 'sante.observations', action: 'creer' }] },
  'notes.list': { requires: [read('identite'), read('sante.notes')] },
  'notes.create': {
    requires: [read('identite'), { category: 'sante.notes', action: 'creer' }],
    note: 'Observation médicale ou transmission ciblée, signée par son auteur (Provenance FHIR).',
  },
  'tasks.list': {
    requires: [read('identite')],
    note: 'Les tâches sont les conflits des écritures de l’utilisateur lui-même, déjà autorisées quand il les a faites ; elles désignent un patient, sans contenu clinique.',
  },
  'tasks.resolve': {
    requires: [read('identite')],
    note: 'Trancher un conflit rejoue ou abandonne une écriture de l’utilisateur lui-même, autorisée quand il l’a faite.',
  },
  'sync.status': 'none',
}

export type Authorization = { ok: true } | { ok: false; reason: string }

/**
 * May this role call this method? `role` is null without a session: only methods touching no patient data pass.
 * The reason (French) names the role, the action and the category, never a patient.
 */
export function authorize(role: Role | null, method: MethodName): Authorization {
  const requirement = METHOD_REQUIREMENTS[method]
  if (requirement === 'none') return { ok: true }
  if (role === null) return { ok: false, reason: `Aucune session : ${method} touche des données de patients.` }
  const missing = requirement.requires.find(({ category, action }) => !can(role, category, action))
  if (!missing) return { ok: true }
  return {
    ok: false,
    reason:
      `Le rôle « ${ROLE_LABELS[role]} » n’a pas le droit « ${ACTION_LABELS[missing.action]} » ` +
      `sur « ${CATEGORY_LABELS[missing.category]} » (requis par ${method}).`,
  }
}

/** The result as this role may see it: every masked part whose category the role may not read is blanked. */
export function redact<M extends MethodName>(role: Role, method: M, value: ResultOf<M>): ResultOf<M> {
  const requirement = METHOD_REQUIREMENTS[method] as Requirement<M> | 'none'
  if (requirement === 'none' || !requirement.masks) return value
  let visible = value
  for (const [category, mask] of Object.entries(requirement.masks) as [Category, (v: ResultOf<M>) => ResultOf<M>][]) {
    if (!can(role, category, 'lire')) visible = mask(visible)
  }
  return visible
}
