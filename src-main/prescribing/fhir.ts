import type { Extension, MedicationRequest } from '@medplum/fhirtypes'
import { classifyForm, type FormCategory } from '../formulary/forms'

/*
 * Chevet's extensions on a MedicationRequest (docs/prescribing.md). R4 puts the pharmaceutical form on a Medication
 * resource; a contained Medication would make every reader follow a reference, so the form travels as an extension
 * of the order itself, with its routes as the BDPM names them (the form rules of formulary/forms.ts need them).
 */
export const FORM_EXTENSION = 'urn:chevet:prescribing:pharmaceutical-form'
export const SUBSTANCE_EXTENSION = 'urn:chevet:prescribing:substance'
export const OVERRIDE_EXTENSION = 'urn:chevet:prescribing:override'
export const STOP_EXTENSION = 'urn:chevet:prescribing:stop'
export const SENIOR_EXTENSION = 'urn:chevet:prescribing:senior-validation'
export const DC_SYSTEM = 'urn:chevet:dc'
export const PHARMACY_REVIEW_SYSTEM = 'urn:chevet:prescribing'
export const PHARMACY_REVIEW_CODE = 'pharmacy-review'
export const DECISION_EXTENSION = 'urn:chevet:prescribing:pharmacy-decision'

export interface FormInfo {
  form: string
  routes: string[]
}

/** The form extension of an order (or of a training hospital's order). */
export function formExtension(info: FormInfo): Extension {
  return {
    url: FORM_EXTENSION,
    extension: [
      { url: 'form', valueString: info.form },
      ...info.routes.map((route) => ({ url: 'route', valueString: route })),
    ],
  }
}

function sub(extension: Extension | undefined, url: string): Extension[] {
  return (extension?.extension ?? []).filter((e) => e.url === url)
}

export function formOf(request: MedicationRequest): FormInfo | null {
  const extension = request.extension?.find((e) => e.url === FORM_EXTENSION)
  const form = sub(extension, 'form')[0]?.valueString
  if (!form) return null
  return { form, routes: sub(extension, 'route').map((e) => e.valueString ?? '').filter((r) => r !== '') }
}

/** The form category of an order by the rules of docs/formulary.md; null when it has no form or none applies. */
export function formCategoryOf(request: MedicationRequest): FormCategory | null {
  const info = formOf(request)
  return info ? classifyForm(info.form, info.routes).category : null
}

/** The DC of an order: our DC coding, else the display of its first coding (the training hospital's ATC). */
export function dcOf(request: MedicationRequest): string | null {
  const codings = request.medicationCodeableConcept?.coding ?? []
  const dc = codings.find((c) => c.system === DC_SYSTEM)?.code ?? codings.find((c) => c.display)?.display
  return dc ?? null
}

export function substancesOf(request: MedicationRequest): string[] {
  return (request.extension ?? []).filter((e) => e.url === SUBSTANCE_EXTENSION).map((e) => e.valueString ?? '').filter((s) => s)
}
