import { RpcFailure } from '../failure'
import type { FeatureContext, FeatureHandlers } from '../feature'

type ClinicalMethods =
  | 'census.list'
  | 'patients.search'
  | 'chart.open'
  | 'vitals.record'
  | 'notes.list'
  | 'notes.create'
  | 'tasks.list'
  | 'tasks.resolve'
  | 'sync.status'

/** The chart's data path (issue 4, notes of issue 7): census, search, chart, vital signs, notes, conflicts. */
export function clinicalHandlers(ctx: FeatureContext): FeatureHandlers<ClinicalMethods> {
  return {
    'census.list': (params) => {
      const { user, engine } = ctx.active()
      const unitIds = user.units.map((unit) => unit.id)
      if (params.unitId && !unitIds.includes(params.unitId)) throw new RpcFailure('FORBIDDEN', 'not one of your units')
      return { units: user.units, entries: engine.census(params.unitId ? [params.unitId] : unitIds), dataAsOf: engine.dataAsOf() }
    },
    'patients.search': (params) => ({ results: ctx.active().engine.search(params.query, params.limit) }),
    'chart.open': (params) => {
      const chart = ctx.forPatient(params.patientId).engine.chart(params.patientId)
      if (!chart) throw new RpcFailure('NOT_FOUND', 'chart not in the cache')
      return chart
    },
    'vitals.record': (params) => ctx.forPatient(params.patientId).engine.recordVitals(params),
    'notes.list': (params) => ctx.forPatient(params.patientId).engine.notes(params),
    'notes.create': (params) => {
      const { engine, user } = ctx.forPatient(params.patientId)
      // TODO(interne): pass onBehalfOf (the supervising senior) once the session knows it.
      return engine.recordNote(params, { displayName: user.displayName, role: user.role })
    },
    'tasks.list': () => ({ tasks: ctx.active().engine.tasks() }),
    'tasks.resolve': async (params) => {
      await ctx.active().engine.resolveTask(params.taskId, params.choice)
      return { resolved: true as const }
    },
    'sync.status': () => {
      const { failedWrites: _failed, ...status } = ctx.active().engine.status()
      return status
    },
  }
}
