import { checkCareTask, listCareTasks } from '../../store/cache/care-plan'
import { listResults, resultTrend } from '../../store/cache/results'
import { CacheWriteError, outboxEntry } from '../../store/cache'
import { RpcFailure } from '../failure'
import type { WriteReceipt } from '../../contract'
import type { SyncEngine } from '../../sync/engine'
import type { FeatureContext, FeatureHandlers } from '../feature'

/** How long a check-off waits for the central before answering `queued` (it is durable either way). */
const SEND_WAIT_MS = 5_000

/** Sends the outbox now when online, within SEND_WAIT_MS; the receipt says whether the central has it. */
async function sendSoon(engine: SyncEngine, db: Parameters<typeof outboxEntry>[0], receipt: WriteReceipt): Promise<WriteReceipt> {
  if (engine.connectivity !== 'online') return receipt
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SEND_WAIT_MS)
  })
  try {
    await Promise.race([engine.flushOutbox().then(() => undefined, () => undefined), timeout])
  } finally {
    clearTimeout(timer)
  }
  return outboxEntry(db, { idempotencyKey: receipt.writeId })?.state === 'sent' ? { ...receipt, state: 'sent' } : receipt
}

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
      const { engine, user } = ctx.forPatient(params.patientId)
      const db = ctx.store.db
      let receipt: WriteReceipt
      try {
        receipt = checkCareTask(db, params, { practitionerId: user.practitionerId, displayName: user.displayName })
      } catch (error) {
        if (error instanceof CacheWriteError) throw new RpcFailure(error.code, error.message)
        throw error
      }
      ctx.events.emit('data.changed', { patientIds: [params.patientId], census: true })
      return sendSoon(engine, db, receipt)
    },
  }
}
