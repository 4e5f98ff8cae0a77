import { parseSearchRequest } from '@medplum/core'
import type { MedicationRequest, Patient } from '@medplum/fhirtypes'
import { ReportParams } from '../../contract/prescribing'
import type { Logger } from '../../log'
import { paediatricFormReport } from '../../prescribing/report'
import type { Authorize, FhirServer } from '../fhir-server'
import { auditAsSearch, jsonGetRoute } from '../json-route'
import type { ExtraRoute } from '../token'

/** Path of the establishment's paediatric galenic-form report on the central (next to /fhir and /auth/token). */
export const PRESCRIBING_REPORT_PATH = '/reports/paediatric-oral-forms'
/** Who may compute it: the pharmacist and the DIM (habilitation matrix: prescriptions read hospital-wide). */
export const REPORT_ROLES: ReadonlySet<string> = new Set(['pharmacien', 'dim'])
const PAGE = 1000

async function allOrders(fhir: FhirServer): Promise<MedicationRequest[]> {
  const out: MedicationRequest[] = []
  for (let offset = 0; ; offset += PAGE) {
    const page = fhir.repo.searchPage(parseSearchRequest(`MedicationRequest?_count=${PAGE}&_offset=${offset}`))
    out.push(...(page.matches as MedicationRequest[]))
    if (page.matches.length < PAGE) return out
  }
}

/**
 * The report is computed where every order is (a workstation caches its units only): the central reads all
 * MedicationRequests and their patients' birth dates and answers figures, DCs and the ids of unclassified lines,
 * no name. Each request is audited like a search.
 */
export function createPrescribingReportRoute(options: { fhir: FhirServer; authorize: Authorize; log?: Logger }): ExtraRoute {
  return jsonGetRoute(PRESCRIBING_REPORT_PATH, options.authorize, async ({ url, user, req }) => {
    if (!REPORT_ROLES.has(user.role)) return { status: 403, body: { error: 'Role may not compute establishment reports' } }
    const params = ReportParams.safeParse({ from: url.searchParams.get('from'), to: url.searchParams.get('to') })
    if (!params.success) return { status: 400, body: { error: 'from and to (YYYY-MM-DD, from <= to) are required' } }
    const orders = await allOrders(options.fhir)
    const report = paediatricFormReport(orders, (id) => options.fhir.repo.current('Patient', id) as Patient | undefined, params.data)
    await auditAsSearch(options.fhir, user, req, `report:paediatric-oral-forms?from=${params.data.from}&to=${params.data.to}`)
    options.log?.info('training.report.prescribing', { lines: report.lines })
    return { status: 200, body: report }
  })
}
