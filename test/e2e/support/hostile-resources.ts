import type { Resource } from '@medplum/fhirtypes'

/*
 * Resources a hostile (or broken) central could send, added to the training hospital by hostile-central.ts.
 * Every script payload sets `window.__pwned`: if any of them ever runs in the page, the flag says which one.
 * One patient, staying in a free bed of Cardiologie (so the cadre and the médecin of cardiology see it).
 */

export const HOSTILE_PATIENT_ID = 'pat-hostile'
const ENCOUNTER_ID = 'enc-hostile'
const BED = 'loc-cardio-112-1'
/** A word of the family name that the search finds (the rest is markup). */
export const HOSTILE_SEARCH_WORD = 'Zorglub'

export const PAYLOADS = {
  family: `${HOSTILE_SEARCH_WORD}<img src=x onerror="window.__pwned='family'">`,
  given: `<script>window.__pwned='given'</script>`,
  telecom: `javascript:window.__pwned='telecom'`,
  condition: `<iframe src="javascript:window.__pwned='condition'"></iframe>Angor instable`,
  conclusion: `<svg onload="window.__pwned='conclusion'"></svg> {{ constructor.constructor('window.__pwned=1')() }}`,
  reportLabel: `<a href="javascript:window.__pwned='report'">Scanner</a>`,
  labLabel: `<img src=x onerror="window.__pwned='lab'">Troponine`,
  labValue: `"><script>window.__pwned='lab-value'</script>`,
  noteTitle: `<b onmouseover="window.__pwned='note-title'">Observation</b>`,
  /** As the note's text reads once its XHTML narrative is turned back into text (tags dropped, entities read). */
  noteEscaped: `<script>window.__pwned='note'</script>`,
  noteLink: `javascript:window.__pwned='note-link'`,
} as const

/** The size of the oversize value: ten million characters in one report conclusion. */
export const OVERSIZE_CHARS = 10 * 1024 * 1024
export const OVERSIZE_REPORT_ID = 'dr-hostile-oversize'
export const WRONG_TYPES_IDS = { observation: 'obs-hostile-types', condition: 'cond-hostile-types', report: 'dr-hostile-types' }
/** A second patient carries the resources of the wrong types, so that what they break is seen apart. */
export const WRONG_TYPES_PATIENT_ID = 'pat-hostile-types'

export function hostileResources(now = new Date()): Resource[] {
  const at = (minutesAgo: number): string => new Date(now.getTime() - minutesAgo * 60_000).toISOString()
  const subject = { reference: `Patient/${HOSTILE_PATIENT_ID}` }
  const encounter = { reference: `Encounter/${ENCOUNTER_ID}` }
  const typesSubject = { reference: `Patient/${WRONG_TYPES_PATIENT_ID}` }
  const resources: unknown[] = [
    {
      resourceType: 'Patient',
      id: HOSTILE_PATIENT_ID,
      identifier: [{ system: 'https://chevet.example/ipp', value: '99999999', type: { text: 'IPP' } }],
      active: true,
      name: [{ use: 'official', family: PAYLOADS.family, given: [PAYLOADS.given] }],
      telecom: [{ system: 'url', value: PAYLOADS.telecom }],
      gender: 'male',
      birthDate: '1960-01-01',
    },
    {
      resourceType: 'Encounter',
      id: ENCOUNTER_ID,
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject,
      period: { start: at(600) },
      location: [
        { location: { reference: 'Location/loc-cardio', display: 'Cardiologie' }, status: 'active' },
        { location: { reference: `Location/${BED}`, display: `<script>window.__pwned='bed'</script>` }, status: 'active' },
      ],
    },
    {
      resourceType: 'Condition',
      id: 'cond-hostile',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }],
      code: { text: PAYLOADS.condition },
      subject,
      recordedDate: at(500),
    },
    {
      resourceType: 'DiagnosticReport',
      id: 'dr-hostile',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }], text: 'Imagerie' }],
      code: { text: PAYLOADS.reportLabel },
      subject,
      encounter,
      effectiveDateTime: at(400),
      issued: at(390),
      performer: [{ display: `<style>body{display:none}</style>Radiologie` }],
      conclusion: PAYLOADS.conclusion,
      presentedForm: [{ contentType: 'text/html', url: PAYLOADS.noteLink }],
    },
    {
      resourceType: 'Observation',
      id: 'obs-hostile',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '89579-7' }], text: PAYLOADS.labLabel },
      subject,
      encounter,
      effectiveDateTime: at(380),
      valueString: PAYLOADS.labValue,
    },
    {
      resourceType: 'Composition',
      id: 'comp-hostile',
      status: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }], text: 'Observation médicale' },
      category: [{ coding: [{ system: 'urn:chevet:note-kind', code: 'observation' }] }],
      subject,
      encounter,
      date: at(300),
      author: [{ reference: 'Practitioner/pra-medecin', display: `<img src=x onerror="window.__pwned='author'">` }],
      title: PAYLOADS.noteTitle,
      section: [
        {
          title: 'Observation médicale',
          text: {
            status: 'generated',
            div:
              `<div xmlns="http://www.w3.org/1999/xhtml"><p>&lt;script&gt;window.__pwned='note'&lt;/script&gt;</p>` +
              `<p><a href="${PAYLOADS.noteLink}">lien</a><script>window.__pwned='note-raw'</script></p></div>`,
          },
        },
      ],
    },
    // Ten million characters in one conclusion: the workstation must refuse it, not store it nor choke on it.
    {
      resourceType: 'DiagnosticReport',
      id: OVERSIZE_REPORT_ID,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }],
      code: { text: 'Compte rendu démesuré' },
      subject,
      effectiveDateTime: at(200),
      conclusion: 'A'.repeat(OVERSIZE_CHARS),
    },
    // Wrong types where FHIR wants strings, objects, arrays: on a patient of their own.
    {
      resourceType: 'Patient',
      id: WRONG_TYPES_PATIENT_ID,
      identifier: [{ system: 'https://chevet.example/ipp', value: '99999998', type: { text: 'IPP' } }],
      active: true,
      name: [{ use: 'official', family: 'Typesfaux', given: ['Test'] }],
      gender: 'female',
      birthDate: '1970-01-01',
    },
    {
      resourceType: 'Encounter',
      id: 'enc-hostile-types',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: typesSubject,
      period: { start: at(600) },
      location: [{ location: { reference: 'Location/loc-cardio', display: 'Cardiologie' }, status: 'active' }],
    },
    {
      resourceType: 'Observation',
      id: WRONG_TYPES_IDS.observation,
      // (A category of the wrong type is left out: the training central's own search fails on it, with 400.)
      status: 7,
      code: 'not-a-concept',
      subject: typesSubject,
      effectiveDateTime: 12345,
      valueQuantity: { value: '12', unit: 42 },
      valueString: { html: '<script>window.__pwned="types"</script>' },
      interpretation: 'H',
      referenceRange: { low: 'x' },
    },
    {
      resourceType: 'Condition',
      id: WRONG_TYPES_IDS.condition,
      clinicalStatus: 'active',
      category: { coding: 'problem-list-item' },
      code: ['x'],
      subject: typesSubject,
      recordedDate: false,
    },
    {
      resourceType: 'DiagnosticReport',
      id: WRONG_TYPES_IDS.report,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'RAD' }] }],
      code: { text: ['not', 'a', 'string'] },
      subject: typesSubject,
      effectiveDateTime: at(100),
      conclusion: { html: '<script>window.__pwned="types-report"</script>' },
      performer: 'nobody',
    },
  ]
  return resources as Resource[]
}
