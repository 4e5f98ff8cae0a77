import type { Role } from '../contract'

/**
 * The habilitation matrix (CNIL: « politique d'habilitation par rôle »): role × data category × action, as data.
 * A hospital changes its policy here, then in docs/habilitations.md and in the expected table of
 * test/unit/access-matrix.test.ts — three edits on purpose, so that a change of rights is always reviewed.
 */

export const ACTIONS = ['lire', 'creer', 'modifier', 'valider', 'envoyer', 'exporter'] as const
export type Action = (typeof ACTIONS)[number]

export const CATEGORIES = [
  'identite',
  'administratif',
  'sante.observations',
  'sante.notes',
  'sante.resultats',
  'sante.prescriptions',
  'documents',
  'professionnels',
  'journal',
] as const
export type Category = (typeof CATEGORIES)[number]

export const ACTION_LABELS: Readonly<Record<Action, string>> = {
  lire: 'Lire',
  creer: 'Créer',
  modifier: 'Modifier',
  valider: 'Valider / signer',
  envoyer: 'Envoyer',
  exporter: 'Exporter',
}

export const CATEGORY_LABELS: Readonly<Record<Category, string>> = {
  identite: 'Identité',
  administratif: 'Données administratives',
  'sante.observations': 'Santé — constantes et observations',
  'sante.notes': 'Santé — notes cliniques',
  'sante.resultats': 'Santé — résultats',
  'sante.prescriptions': 'Santé — prescriptions',
  documents: 'Documents',
  professionnels: 'Professionnels',
  journal: 'Journal des accès',
}

/** What each category holds, so that a new kind of data can be placed without guessing. */
export const CATEGORY_DESCRIPTIONS: Readonly<Record<Category, string>> = {
  identite: 'Traits d’identité INS (noms, prénoms, sexe, date et lieu de naissance), matricule INS, IPP, statut de l’identité.',
  administratif: 'Séjour et mouvements (unité, chambre, lit, dates), couverture sociale, personne de confiance, codage PMSI du séjour.',
  'sante.observations':
    'Constantes et surveillance (pression artérielle, pouls, température, SpO2, douleur…), allergies, antécédents et problèmes, soins réalisés et administrations tracées.',
  'sante.notes': 'Observations médicales, transmissions ciblées, avis (dont l’avis pharmaceutique).',
  'sante.resultats': 'Résultats de biologie et d’imagerie, comptes rendus de résultats.',
  'sante.prescriptions': 'Prescriptions médicamenteuses et non médicamenteuses, plan de soins prescrit, analyse pharmaceutique.',
  documents: 'Lettres de liaison, comptes rendus, courriers, documents joints ou numérisés.',
  professionnels: 'Annuaire des professionnels de l’établissement et des correspondants externes.',
  journal: 'Journal des accès aux données de santé (qui, quand, quoi, pourquoi) et revue des bris de glace.',
}

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  medecin: 'Médecin senior',
  interne: 'Interne',
  'sage-femme': 'Sage-femme',
  infirmier: 'Infirmier(ère)',
  'aide-soignant': 'Aide-soignant(e)',
  secretaire: 'Secrétaire médicale',
  pharmacien: 'Pharmacien',
  cadre: 'Cadre de santé',
  dim: 'DIM (information médicale)',
  dpo: 'DPO / référent',
}

type Grants = Readonly<Record<Category, readonly Action[]>>

/**
 * Every role lists every category (an empty list means no access at all): the compiler refuses a role or a
 * category left out. `valider` on the journal is the review of a break-the-glass access (justifié / à instruire).
 */
export const MATRIX: Readonly<Record<Role, Grants>> = {
  medecin: {
    identite: ['lire'],
    administratif: ['lire'],
    'sante.observations': ['lire', 'creer', 'modifier'],
    'sante.notes': ['lire', 'creer', 'modifier', 'valider'],
    'sante.resultats': ['lire', 'valider'],
    'sante.prescriptions': ['lire', 'creer', 'modifier', 'valider'],
    documents: ['lire', 'creer', 'modifier', 'valider', 'envoyer'],
    professionnels: ['lire'],
    journal: [],
  },
  interne: {
    identite: ['lire'],
    administratif: ['lire'],
    'sante.observations': ['lire', 'creer', 'modifier'],
    'sante.notes': ['lire', 'creer', 'modifier', 'valider'],
    'sante.resultats': ['lire', 'valider'],
    'sante.prescriptions': ['lire', 'creer', 'modifier', 'valider'],
    documents: ['lire', 'creer', 'modifier'],
    professionnels: ['lire'],
    journal: [],
  },
  'sage-femme': {
    identite: ['lire'],
    administratif: ['lire'],
    'sante.observations': ['lire', 'creer', 'modifier'],
    'sante.notes': ['lire', 'creer', 'modifier', 'valider'],
    'sante.resultats': ['lire', 'valider'],
    'sante.prescriptions': ['lire', 'creer', 'modifier', 'valider'],
    documents: ['lire', 'creer', 'modifier', 'valider', 'envoyer'],
    professionnels: ['lire'],
    journal: [],
  },
  infirmier: {
    identite: ['lire'],
    administratif: ['lire'],
    'sante.observations': ['lire', 'creer', 'modifier'],
    'sante.notes': ['lire', 'creer', 'modifier'],
    'sante.resultats': ['lire'],
    'sante.prescriptions': ['lire'],
    documents: ['lire', 'creer'],
    professionnels: ['lire'],
    journal: [],
  },
  'aide-soignant': {
    identite: ['lire'],
    administratif: ['lire'],
    'sante.observations': ['lire', 'creer'],
    'sante.notes': ['lire', 'creer'],
    'sante.resultats': [],
    'sante.prescriptions': [],
    documents: [],
    professionnels: ['lire'],
    journal: [],
  },
  secretaire: {
    identite: ['lire', 'creer', 'modifier'],
    administratif: ['lire', 'creer', 'modifier'],
    'sante.observations': [],
    'sante.notes': [],
    'sante.resultats': [],
    'sante.prescriptions': [],
    documents: ['lire', 'creer', 'modifier', 'envoyer'],
    professionnels: ['lire', 'creer', 'modifier'],
    journal: [],
  },
  pharmacien: {
    identite: ['lire'],
    administratif: ['lire'],
    'sante.observations': ['lire'],
    'sante.notes': ['lire', 'creer'],
    'sante.resultats': ['lire'],
    'sante.prescriptions': ['lire', 'valider'],
    documents: ['lire'],
    professionnels: ['lire'],
    journal: [],
  },
  cadre: {
    identite: ['lire'],
    administratif: ['lire', 'modifier', 'exporter'],
    'sante.observations': ['lire'],
    'sante.notes': [],
    'sante.resultats': [],
    'sante.prescriptions': ['lire'],
    documents: [],
    professionnels: ['lire', 'modifier'],
    journal: [],
  },
  dim: {
    identite: ['lire', 'exporter'],
    administratif: ['lire', 'modifier', 'exporter'],
    'sante.observations': ['lire', 'exporter'],
    'sante.notes': ['lire', 'exporter'],
    'sante.resultats': ['lire', 'exporter'],
    'sante.prescriptions': ['lire', 'exporter'],
    documents: ['lire', 'exporter'],
    professionnels: ['lire'],
    journal: [],
  },
  dpo: {
    identite: ['lire'],
    administratif: [],
    'sante.observations': [],
    'sante.notes': [],
    'sante.resultats': [],
    'sante.prescriptions': [],
    documents: [],
    professionnels: ['lire'],
    journal: ['lire', 'valider', 'exporter'],
  },
}

/** Why each role has what it has, where the choice is not obvious (French: read by the hospital). */
export const ROLE_JUSTIFICATIONS: Readonly<Record<Role, string>> = {
  medecin:
    'Prend en charge le patient et engage sa responsabilité : lit tout le dossier de santé, prescrit, vise les résultats, signe et envoie ses documents (lettre de liaison, CSP R1112-1-2). L’identité et le séjour sont tenus par le secrétariat et l’identitovigilance : il les lit sans les modifier. Aucune extraction : les données ne sortent de l’établissement que par le DIM.',
  interne:
    'Exerce « par délégation et sous la responsabilité du praticien dont il relève » (CSP R6153-3) : il prescrit et signe ses prescriptions, qui doivent pouvoir être exécutées la nuit sans contre-signature, signe ses notes et vise les résultats. Il rédige les documents de sortie, mais leur validation et leur envoi reviennent au senior, qui en répond devant le médecin traitant et le patient.',
  'sage-femme':
    'Profession médicale à compétence définie (CSP L4151-1 et suivants) : mêmes droits que le médecin dans son champ. La limite du champ de prescription (liste des médicaments autorisés) est un contrôle du logiciel d’aide à la prescription, pas de la matrice.',
  infirmier:
    'Lit le dossier de soins et le dossier médical utiles aux soins, saisit constantes, surveillance, traçabilité des administrations et transmissions ciblées. Exécute les prescriptions sans les rédiger ni les valider. Joint au dossier les documents apportés par le patient et la fiche de liaison infirmière ; la signature et l’envoi des documents de sortie restent médicaux ou de secrétariat.',
  'aide-soignant':
    'Collabore aux soins sous la responsabilité de l’infirmier (CSP R4311-4) : relève les constantes et participe aux transmissions ciblées (lecture et saisie). Une correction de saisie passe par l’infirmier. Ni prescriptions, ni résultats, ni documents : ils ne sont pas nécessaires à ses soins (minimisation).',
  secretaire:
    'Tient l’identité (accueil, identitovigilance), le séjour et le carnet des correspondants ; frappe, met en forme et envoie les courriers (MSSanté, DMP) une fois signés. Ne lit pas les données de santé brutes (constantes, notes, résultats, prescriptions) : les documents lui suffisent pour son travail. Ne valide rien.',
  pharmacien:
    'Réalise l’analyse pharmaceutique des prescriptions (CSP R4235-48), qui est sa validation ; il ne prescrit pas. Pour cette analyse il lit le contexte clinique (constantes, allergies, notes, résultats — fonction rénale, kaliémie…) et écrit son avis pharmaceutique et la conciliation médicamenteuse dans les notes.',
  cadre:
    'Organise les soins et les lits de son unité : lit la surveillance et le plan de soins prescrit pour évaluer la charge en soins, tient les mouvements et l’affectation de son équipe, extrait l’activité de l’unité. Le récit clinique (notes), les résultats et les documents ne sont pas nécessaires à cette mission (minimisation). Il ne lit pas le journal des accès, dont l’usage est réservé au contrôle par le DPO/référent (CNIL, délibération 2021-122 : pas de réutilisation des traces hors sécurité).',
  dim:
    'Le médecin DIM et son équipe reçoivent les données médicales nécessaires à l’analyse de l’activité (CSP L6113-7) : lecture de tout le dossier pour le codage PMSI, codage du séjour (données administratives), et seule voie d’extraction des données de santé (PMSI, communication du dossier au patient — CSP L1111-7 —, études autorisées). Aucune saisie clinique.',
  dpo:
    'Aucune donnée de santé. Lit le journal des accès, statue sur les bris de glace (justifié / à instruire) et l’exporte (contrôles, historique des accès d’un patient au titre du droit d’accès RGPD). Lit l’identité pour retrouver le patient d’une demande ou d’une entrée du journal, et l’annuaire pour identifier le professionnel.',
}

const grantSets: ReadonlyMap<Role, ReadonlyMap<Category, ReadonlySet<Action>>> = new Map(
  (Object.keys(MATRIX) as Role[]).map((role) => [
    role,
    new Map(CATEGORIES.map((category) => [category, new Set(MATRIX[role][category])])),
  ]),
)

/** Whether the role may do the action on the category. Unknown roles, categories or actions: no. */
export function can(role: Role, category: Category, action: Action): boolean {
  return grantSets.get(role)?.get(category)?.has(action) ?? false
}

/** The role's actions on the category, in the order of ACTIONS. */
export function allowedActions(role: Role, category: Category): Action[] {
  return ACTIONS.filter((action) => can(role, category, action))
}
