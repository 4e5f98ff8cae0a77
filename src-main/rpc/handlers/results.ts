import { checkCareTask, listCareTasks } from '../../store/cache/care-plan'
import { listResults, resultTrend } from '../../store/cache/results'
import { CacheWriteError } from '../../store/cache'
import { RpcFailure } from '../failure'
import type { WriteReceipt } from '../../contract'
import type { FeatureContext, FeatureHandlers } from '../feature'
import { authorOf } from '../../records/handlers'

/** Results (laboratory panels, trends, imaging reports) and the plan de soins of one patient, from the cache. */
export function resultsHandlers(ctx: FeatureContext): FeatureHandlers<'results.list' | 'results.trend' | 'carePlan.list' | 'carePlan.check'> {
  return {
    'results.list': (params) => {
      ctx.forPatient(params.patientId)
      return listResults(ctx.store.db, params.patientId)
    },
    'results.trend': (params) => {
      ctx.forPatient(params.patientId)
      return resultTrend(ctx.store.db, params.patientId, params.code)
    },
    'carePlan.list': (params) => {
      ctx.forPatient(params.patientId)
      return { tasks: listCareTasks(ctx.store.db, params.patientId) }
    },
    'carePlan.check': async (params) => {
      const workspace = ctx.forPatient(params.patientId)
      const { engine } = workspace
      const db = ctx.store.db
      // An interne checks off on behalf of the supervising senior (Provenance onBehalfOf).
      const author = await authorOf(ctx, workspace)
      let receipt: WriteReceipt
      try {
        receipt = checkCareTask(db, params, author)
      } catch (error) {
        if (error instanceof CacheWriteError) throw new RpcFailure(error.code, error.message)
        throw error
      }
      return engine.sendQueued(receipt, [params.patientId], { census: true })
    },
  }
}
