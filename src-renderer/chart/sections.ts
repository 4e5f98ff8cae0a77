import type { Component } from 'vue'
import type { RecordRights } from '../../src-main/contract'
import AllergiesSection from './AllergiesSection.vue'
import DocumentsSection from './DocumentsSection.vue'
import CarePlanSection from '../components/CarePlanSection.vue'
import PrescriptionsSection from '../prescribing/PrescriptionsSection.vue'
import LettersSection from '../components/letters/LettersSection.vue'

/**
 * The chart's further sections (problems, allergies, results, care plan, prescriptions, documents…), each a
 * component of its own receiving `{ patientId: string; chart: Chart }`. ChartView renders them in this order
 * below the vital signs and notes, and lists them in its section links (keyboard: the links come first in the
 * chart's tab order). A feature adds ONE entry here; the component owns its heading (an `h2` with id `<id>-title`).
 */
export interface ChartSection {
  /** Stable id: the section element gets `section-<id>`, its heading `<id>-title`. */
  readonly id: string
  /** i18n key of the link's text (usually the section's title). */
  readonly titleKey: string
  readonly component: Component
  /**
   * Whether the signed-in role may see the section (its rights from the habilitation matrix, `records.rights`);
   * a section it may not see is neither rendered nor linked. Absent: every role sees it.
   */
  readonly visible?: (rights: RecordRights) => boolean
}

/** The sections, and their links, the role may see; none before its rights are known. */
export function visibleSections(rights: RecordRights | null): readonly ChartSection[] {
  if (!rights) return []
  return CHART_SECTIONS.filter((section) => section.visible?.(rights) ?? true)
}

export const CHART_SECTIONS: readonly ChartSection[] = [
  { id: 'allergies', titleKey: 'records.allergies.title', component: AllergiesSection, visible: (r) => r.observations },
  // The plan de soins is prescribed: it is read with the prescriptions (carePlan.list).
  { id: 'care-plan', titleKey: 'carePlan.title', component: CarePlanSection, visible: (r) => r.prescriptions },
  { id: 'prescriptions', titleKey: 'prescribing.title', component: PrescriptionsSection, visible: (r) => r.prescriptions },
  { id: 'documents', titleKey: 'records.documents.title', component: DocumentsSection, visible: (r) => r.documents },
  { id: 'letters', titleKey: 'letters.section.title', component: LettersSection, visible: (r) => r.documents },
]
