import { cachedSensitivity, maskSummary } from '../../access/care'
import type { BtgService } from '../../access/btg'
import type { PatientSummary } from '../../contract'
import { patientSummary } from '../../store/cache/summary'
import { parseQuery } from '../../store/cache/search'
import { RpcFailure } from '../failure'
import type { FeatureContext, FeatureHandlers } from '../feature'

type CareMethods = 'census.list' | 'patients.search' | 'btg.begin' | 'btg.status'

/**
 * Lists and search under the care relationship (issue 6): sensitive patients masked in lists; the search also
 * finds, at the central's identity look-up, patients outside the user's care, with a minimal identity and
 * `access: 'outside'` so that the page offers break the glass; and break the glass itself.
 */
export function careHandlers(ctx: FeatureContext, btg: BtgService): FeatureHandlers<CareMethods> {
  const mask = (patient: PatientSummary): PatientSummary => maskSummary(patient, cachedSensitivity(ctx.store.db, patient.id))

  return {
    'census.list': (params) => {
      const { user, engine } = ctx.active()
      const unitIds = user.units.map((unit) => unit.id)
      if (params.unitId && !unitIds.includes(params.unitId)) throw new RpcFailure('FORBIDDEN', 'not one of your units')
      const entries = engine.census(params.unitId ? [params.unitId] : unitIds).map((entry) => ({ ...entry, patient: mask(entry.patient) }))
      return { units: user.units, entries, dataAsOf: engine.dataAsOf() }
    },

    'patients.search': async (params) => {
      const workspace = ctx.active()
      const limit = params.limit ?? 20
      const results: PatientSummary[] = workspace.engine.search(params.query, limit).map((p) => ({ ...mask(p), access: 'care' as const }))
      const seen = new Set(results.map((p) => p.id))
      const parsed = parseQuery(params.query)
      if (results.length < limit && (parsed.words.length > 0 || parsed.birthDate)) {
        for (const found of await btg.lookUp(workspace, parsed.words.join(' '), parsed.birthDate)) {
          if (seen.has(found.id) || results.length >= limit) continue
          seen.add(found.id)
          // Under a break the glass in force, the cached identity is the user's to see (masked if sensitive).
          const cached = btg.active(workspace.user.practitionerId, found.id) ? patientSummary(ctx.store.db, found.id) : null
          results.push(cached ? { ...mask(cached), access: 'btg' } : found)
        }
      }
      return { results }
    },

    'btg.begin': (params) => {
      const workspace = ctx.active()
      return btg.begin(workspace, params)
    },

    'btg.status': (params) => {
      const { user } = ctx.forPatient(params.patientId)
      return { grant: btg.active(user.practitionerId, params.patientId), sensitivity: cachedSensitivity(ctx.store.db, params.patientId) }
    },
  }
}
