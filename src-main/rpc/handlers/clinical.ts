import { RpcFailure } from '../failure'
import type { FeatureContext, FeatureHandlers } from '../feature'
import { authorOf } from '../../records/handlers'

// census.list and patients.search: rpc/handlers/care.ts (care relationship, sensitive patients, issue 6).
type ClinicalMethods =
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
    'chart.open': (params) => {
      const chart = ctx.forPatient(params.patientId).engine.chart(params.patientId)
      if (!chart) throw new RpcFailure('NOT_FOUND', 'chart not in the cache')
      return chart
    },
    'vitals.record': async (params) => {
      const workspace = ctx.forPatient(params.patientId)
      // The set's Provenance names its author and, for an interne, the supervising senior.
      const { displayName, role, onBehalfOf } = await authorOf(ctx, workspace)
      return workspace.engine.recordVitals(params, { displayName, role, onBehalfOf })
    },
    'notes.list': (params) => ctx.forPatient(params.patientId).engine.notes(params),
    'notes.create': async (params) => {
      const workspace = ctx.forPatient(params.patientId)
      // An interne's note names the supervising senior (Provenance onBehalfOf): src-main/records/supervisor.ts.
      const { displayName, role, onBehalfOf } = await authorOf(ctx, workspace)
      return workspace.engine.recordNote(params, { displayName, role, ...(onBehalfOf ? { onBehalfOf } : {}) })
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
