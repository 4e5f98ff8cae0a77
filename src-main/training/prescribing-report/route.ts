import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseSearchRequest } from '@medplum/core'
import type { MedicationRequest, Patient } from '@medplum/fhirtypes'
import { ReportParams } from '../../contract/prescribing'
import type { Logger } from '../../log'
import { paediatricFormReport } from '../../prescribing/report'
import type { Authorize, FhirServer } from '../fhir-server'
import { buildAuditEvent } from '../fhir-server/audit'
import type { ExtraRoute } from '../token'

/** Path of the establishment's paediatric galenic-form report on the central (next to /fhir and /auth/token). */
export const PRESCRIBING_REPORT_PATH = '/reports/paediatric-oral-forms'
/** Who may compute it: the pharmacist and the DIM (habilitation matrix: prescriptions read hospital-wide). */
export const REPORT_ROLES: ReadonlySet<string> = new Set(['pharmacien', 'dim'])
const PAGE = 1000

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8')
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(payload.length), 'Cache-Control': 'no-store' })
  res.end(payload)
}

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
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== PRESCRIBING_REPORT_PATH) return false
    req.resume()
    if (req.method !== 'GET') {
      send(res, 405, { error: 'Use GET' })
      return true
    }
    const decision = await options.authorize({ method: 'GET', path: url.pathname, headers: req.headers })
    if (!decision.ok) {
      send(res, decision.status, { error: decision.reason })
      return true
    }
    if (!REPORT_ROLES.has(decision.user.role)) {
      send(res, 403, { error: 'Role may not compute establishment reports' })
      return true
    }
    const params = ReportParams.safeParse({ from: url.searchParams.get('from'), to: url.searchParams.get('to') })
    if (!params.success) {
      send(res, 400, { error: 'from and to (YYYY-MM-DD, from <= to) are required' })
      return true
    }
    const orders = await allOrders(options.fhir)
    const report = paediatricFormReport(orders, (id) => options.fhir.repo.current('Patient', id) as Patient | undefined, params.data)
    await options.fhir.repo.createResource(
      buildAuditEvent({
        user: decision.user,
        interaction: 'search-type',
        status: 200,
        touched: [],
        query: `report:paediatric-oral-forms?from=${params.data.from}&to=${params.data.to}`,
        ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
        recorded: new Date().toISOString(),
      }),
    )
    options.log?.info('training.report.prescribing', { lines: report.lines })
    send(res, 200, report)
    return true
  }
}
