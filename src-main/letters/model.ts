import type { LetterContent, LetterStatus, MissingItem } from '../contract/letters'

export type { LetterContent, LetterStatus, MissingItem, TreatmentLine } from '../contract/letters'

/** Signed, being sent, sent or in error: the content is frozen; a change makes a new version. */
export function isLocked(status: LetterStatus): boolean {
  return status !== 'brouillon' && status !== 'a-valider'
}

const CHANGE_LABEL = { nouveau: 'nouveau', modifie: 'modifié', arrete: 'arrêté' } as const

function blank(value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === ''
}

/**
 * Every item CSP R1112-1-2 requires that the letter still lacks, in the order of the letter (French messages for the
 * doctor). The summary items must be stated even when there is nothing to report ("aucun"): silence is not an answer.
 * The referring doctor is required only "le cas échéant", so an absent adresseur is not missing.
 */
export function missingItems(content: LetterContent): MissingItem[] {
  const missing: MissingItem[] = []
  const need = (path: string, ok: boolean, message: string): void => {
    if (!ok) missing.push({ path, message })
  }
  const { patient, stay, summary } = content
  need('patient.familyName', !blank(patient.familyName), 'Nom du patient manquant.')
  need('patient.givenName', !blank(patient.givenName), 'Prénom du patient manquant.')
  need('patient.birthDate', !blank(patient.birthDate), 'Date de naissance du patient manquante.')
  need('medecinTraitant', content.medecinTraitant !== null && !blank(content.medecinTraitant.name), 'Médecin traitant non renseigné (indiquer « aucun » s’il n’y en a pas).')
  need('hospitalDoctor', content.hospitalDoctor !== null && !blank(content.hospitalDoctor.name), 'Médecin hospitalier responsable non renseigné.')
  need('stay.admissionDate', !blank(stay.admissionDate), 'Date d’entrée manquante.')
  need('stay.admissionMode', !blank(stay.admissionMode), 'Mode d’entrée manquant.')
  need('stay.dischargeDate', !blank(stay.dischargeDate), 'Date de sortie manquante.')
  need('stay.dischargeMode', !blank(stay.dischargeMode), 'Mode de sortie manquant.')
  need('reason', !blank(content.reason), 'Motif de l’hospitalisation manquant.')
  need('summary.synthesis', !blank(summary.synthesis), 'Synthèse médicale du séjour manquante.')
  need('summary.adverseEvents', !blank(summary.adverseEvents), 'Événements indésirables : à renseigner (« aucun » s’il n’y en a pas).')
  need('summary.multiResistantOrganisms', !blank(summary.multiResistantOrganisms), 'Bactéries multirésistantes ou émergentes : à renseigner (« aucune » s’il n’y en a pas).')
  need('summary.bloodProducts', !blank(summary.bloodProducts), 'Produits sanguins administrés : à renseigner (« aucun » s’il n’y en a pas).')
  need('summary.implantedDevices', !blank(summary.implantedDevices), 'Dispositifs médicaux implantés : à renseigner (« aucun » s’il n’y en a pas).')
  content.treatments.forEach((line, index) => {
    if (line.change !== 'poursuivi' && blank(line.reason)) {
      missing.push({ path: `treatments.${index}.reason`, message: `Motif manquant pour le traitement ${CHANGE_LABEL[line.change]} : ${line.medication}.` })
    }
    if (line.change !== 'arrete' && blank(line.discharge)) {
      missing.push({ path: `treatments.${index}.discharge`, message: `Posologie de sortie manquante : ${line.medication}.` })
    }
  })
  need('pendingResults', !blank(content.pendingResults), 'Résultats en attente : à renseigner (« aucun » s’il n’y en a pas).')
  need('followUp', !blank(content.followUp), 'Suites à donner manquantes (rendez-vous, examens, soins).')
  return missing
}
