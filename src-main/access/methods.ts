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
        entries: value.entries.map((entry) => ({ ...entry, lastVitals: null, news2: undefined, allergies: undefined })),
      }),
      'sante.prescriptions': (value) => ({ ...value, entries: value.entries.map((entry) => ({ ...entry, tasksDue: undefined })) }),
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
  'formulary.drugs': 'none',
  'prescriptions.list': { requires: [read('identite'), read('sante.prescriptions')] },
  'prescriptions.check': {
    requires: [read('identite'), { category: 'sante.prescriptions', action: 'creer' }],
    note: 'Contrôles à la prescription (allergies, âge, poids, traitements en cours) : pour le prescripteur qui rédige une ligne.',
  },
  'prescriptions.create': {
    requires: [read('identite'), { category: 'sante.prescriptions', action: 'creer' }],
    note: 'Ligne signée par son prescripteur (Provenance FHIR) ; une alerte bloquante outrepassée porte sa justification écrite, journalisée.',
  },
  'prescriptions.modify': {
    requires: [read('identite'), { category: 'sante.prescriptions', action: 'modifier' }],
    note: 'Une modification arrête la ligne (avec son motif) et en signe une nouvelle qui la remplace.',
  },
  'prescriptions.stop': { requires: [read('identite'), { category: 'sante.prescriptions', action: 'modifier' }] },
  'prescriptions.countersign': {
    requires: [read('identite'), { category: 'sante.prescriptions', action: 'valider' }],
    note: 'Validation par un senior de la ligne d’un interne, quand l’établissement l’exige (internOrdersNeedSenior) ; réservée au médecin et à la sage-femme.',
  },
  'prescriptions.review': {
    requires: [read('identite'), { category: 'sante.prescriptions', action: 'valider' }],
    note: 'Analyse pharmaceutique (validée / refusée avec commentaire) : réservée au pharmacien, écrite comme un avis (note).',
  },
  'prescriptions.queue': {
    requires: [read('identite'), read('administratif'), { category: 'sante.prescriptions', action: 'valider' }],
    note: 'File des lignes à valider des unités du pharmacien.',
  },
  'prescriptions.report': {
    requires: [read('sante.prescriptions')],
    note: 'Indicateur d’établissement calculé par le central (effectifs, DC, identifiants des lignes sans forme classée ; aucun nom) : pharmacien et DIM seulement.',
  },
  'btg.begin': {
    requires: [read('identite'), read('administratif')],
    note: 'Bris de glace : un motif (liste, texte libre obligatoire pour « autre »), un seul patient, une durée limitée (4 h par défaut) ; ouvre ensuite le dossier comme chart.open, sous la finalité « bris de glace ».',
  },
  'btg.status': {
    requires: [read('identite')],
    note: 'Le bandeau du dossier : le bris de glace en cours et la sensibilité du patient (confidentiel, VIP, pénitentiaire).',
  },
  'results.list': { requires: [read('identite'), read('sante.resultats')] },
  'results.trend': { requires: [read('identite'), read('sante.resultats')] },
  'carePlan.list': {
    requires: [read('identite'), read('sante.prescriptions')],
    note: 'Le plan de soins est prescrit : il se lit avec les prescriptions.',
  },
  'carePlan.check': {
    requires: [read('sante.prescriptions'), { category: 'sante.observations', action: 'creer' }],
    note: 'Cocher un soin réalisé crée un soin tracé (Procedure FHIR, avec sa Provenance) ; le plan prescrit n’est pas modifié.',
  },
  'review.search': {
    requires: [{ category: 'journal', action: 'lire' }],
    note: 'Revue des accès : le journal du central, ses anomalies et la file des bris de glace. L’identité des patients cités suffit à les retrouver (pas de relation de soins : ce n’est pas un accès au dossier).',
  },
  'review.submitBtg': {
    requires: [{ category: 'journal', action: 'valider' }],
    note: 'Statuer sur un bris de glace (justifié / à instruire), avec un commentaire ; la dernière revue fait foi.',
  },
  'review.exportCsv': { requires: [{ category: 'journal', action: 'exporter' }] },
  'review.patientHistory': {
    requires: [{ category: 'journal', action: 'exporter' }],
    note: 'Historique des accès au dossier d’un patient (droit d’accès RGPD), exportable en PDF.',
  },
  'letters.prefill': {
    requires: [read('identite'), read('sante.prescriptions'), { category: 'documents', action: 'creer' }],
    note: 'Préremplit la lettre de liaison depuis le dossier (séjour, diagnostics, traitements d’entrée et de sortie, résultats en attente) ; rien n’est enregistré.',
  },
  'letters.get': { requires: [read('identite'), read('documents')] },
  'letters.save': {
    requires: [read('identite'), { category: 'documents', action: 'modifier' }],
    note: 'Enregistre un brouillon ; une lettre signée n’est jamais modifiée : la modifier crée une nouvelle version (même setId).',
  },
  'letters.list': { requires: [read('identite'), read('documents')] },
  'letters.preview': { requires: [read('identite'), read('documents')] },
  'letters.submit': { requires: [{ category: 'documents', action: 'modifier' }] },
  'letters.sign': {
    requires: [{ category: 'documents', action: 'valider' }],
    note: 'Signature avec la clé de signature de la carte CPS ; refusée tant qu’un élément requis (CSP R1112-1-2) manque.',
  },
  'letters.send': { requires: [{ category: 'documents', action: 'envoyer' }] },
  'letters.recipients': {
    requires: [read('identite'), read('documents')],
    note: 'Destinataires d’une lettre avec leur adresse MSSanté (annuaire de la centrale), le résultat de chaque envoi et du dépôt DMP.',
  },
  'letters.signedPdf': { requires: [read('identite'), read('documents')] },
  'letters.discharges': {
    requires: [read('identite'), read('administratif'), read('documents')],
    note: 'Sorties récentes de mes unités sans lettre de liaison sur ce poste (liste du jour du secrétariat).',
  },
  'records.cim10.search': 'none',
  'records.substances.search': 'none',
  'records.rights': 'none',
  'records.list': {
    requires: [read('identite'), read('sante.observations')],
    masks: { 'sante.prescriptions': (value) => ({ ...value, treatments: [] }) },
    note: 'Problèmes, antécédents et allergies du dossier ; les traitements en cours (prescriptions actives) seulement pour qui lit les prescriptions.',
  },
  'records.problems.create': {
    requires: [read('identite'), { category: 'sante.observations', action: 'creer' }],
    note: 'Problème, diagnostic ou antécédent codé en CIM-10, avec sa Provenance (pour un interne : au nom de son senior).',
  },
  'records.allergies.create': {
    requires: [read('identite'), { category: 'sante.observations', action: 'creer' }],
    note: 'Allergie ou intolérance, avec sa Provenance.',
  },
  'records.allergies.setStatus': {
    requires: [read('identite'), { category: 'sante.observations', action: 'modifier' }],
    note: 'Changer le statut clinique ou de vérification d’une allergie (mise à jour versionnée, puis sa Provenance).',
  },
  'records.spo2Scale.set': {
    requires: [read('identite'), { category: 'sante.observations', action: 'creer' }, { category: 'sante.prescriptions', action: 'creer' }],
    note: 'L’échelle SpO2 2 de NEWS2 (cible 88–92 %) est une décision médicale : elle se prescrit, et s’enregistre comme le problème « insuffisance respiratoire hypercapnique ».',
  },
  'records.documents.list': { requires: [read('identite'), read('documents')] },
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
