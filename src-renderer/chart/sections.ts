import type { Component } from 'vue'
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
}

export const CHART_SECTIONS: readonly ChartSection[] = [
  { id: 'allergies', titleKey: 'records.allergies.title', component: AllergiesSection },
  { id: 'care-plan', titleKey: 'carePlan.title', component: CarePlanSection },
  { id: 'prescriptions', titleKey: 'prescribing.title', component: PrescriptionsSection },
  { id: 'documents', titleKey: 'records.documents.title', component: DocumentsSection },
  { id: 'letters', titleKey: 'letters.section.title', component: LettersSection },
]
