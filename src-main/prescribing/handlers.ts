import { PaediatricFormReport, type OrderInput, type PrescribeResult, type QueueEntry } from '../contract/prescribing'
import { RpcFailure } from '../rpc/failure'
import type { FeatureContext, FeatureHandlers } from '../rpc/feature'
import { census } from '../store/cache/census'
import { CacheWriteError, updateLocal } from '../store/cache/writes'
import { PRESCRIBING_REPORT_PATH } from '../training/prescribing-report/route'
import { describeDrug, searchDrugs } from './drugs'
import { countersignedOrder, pharmacyReview, stoppedOrder, type Override, type Prescriber } from './orders'
import {
  centralOrder,
  checkForPatient,
  listOrders,
  PrescribingError,
  recordChangeProvenance,
  recordOrder,
  recordReview,
} from './service'

type PrescribingMethods =
  | 'formulary.drugs'
  | 'prescriptions.list'
  | 'prescriptions.check'
  | 'prescriptions.create'
  | 'prescriptions.modify'
  | 'prescriptions.stop'
  | 'prescriptions.countersign'
  | 'prescriptions.review'
  | 'prescriptions.queue'
  | 'prescriptions.report'

/** Prescribers sign orders; the access matrix lets them (and the pharmacist) 'valider', so the act is checked here. */
const PRESCRIBERS = new Set(['medecin', 'interne', 'sage-femme'])
const SENIORS = new Set(['medecin', 'sage-femme'])

function failure(error: unknown): never {
  if (error instanceof PrescribingError || error instanceof CacheWriteError) throw new RpcFailure(error.code, error.message)
  throw error
}

/** Orders (issue 8): checks at prescribing time, overrides with a justification, pharmacist review, the report. */
export function prescribingHandlers(ctx: FeatureContext): FeatureHandlers<PrescribingMethods> {
  const db = () => ctx.store.db
  const signer = (user: { practitionerId: string; displayName: string }): Prescriber => ({
    practitionerId: user.practitionerId,
    displayName: user.displayName,
  })

  function prescriber(patientId: string) {
    const workspace = ctx.forPatient(patientId)
    if (!PRESCRIBERS.has(workspace.user.role)) throw new RpcFailure('FORBIDDEN', 'only a prescriber signs an order')
    return workspace
  }

  async function place(
    input: OrderInput,
    justification: string | undefined,
    replaces: { id: string; reason: string } | null,
  ): Promise<PrescribeResult> {
    const { user, engine } = prescriber(input.patientId)
    const now = new Date()
    try {
      const alerts = checkForPatient(db(), input, now, replaces?.id ?? null)
      const blocking = alerts.filter((alert) => alert.blocking)
      if (blocking.length > 0 && !justification) return { outcome: 'blocked', alerts }
      const override: Override | null = blocking.length > 0 && justification ? { justification, alerts: blocking.map((a) => a.code) } : null
      const by = signer(user)
      if (replaces) {
        const previous = centralOrder(db(), input.patientId, replaces.id)
        updateLocal(db(), stoppedOrder(previous, replaces.reason, by, now.toISOString()), { kind: 'prescriptions.modify', now })
      }
      const receipt = recordOrder(db(), input, {
        prescriber: by,
        override,
        replaces: replaces?.id ?? null,
        seniorRequired: ctx.config.internOrdersNeedSenior && user.role === 'interne',
        now,
      })
      const sent = await engine.sendQueued(receipt, [input.patientId])
      return { outcome: 'recorded', writeId: sent.writeId, state: sent.state, alerts }
    } catch (error) {
      return failure(error)
    }
  }

  return {
    'formulary.drugs': (params) => ({ drugs: searchDrugs(params.query, params.limit).map(describeDrug) }),
    'prescriptions.list': (params) => {
      ctx.forPatient(params.patientId)
      return listOrders(db(), params.patientId)
    },
    'prescriptions.check': (params) => {
      ctx.forPatient(params.order.patientId)
      try {
        return { alerts: checkForPatient(db(), params.order, new Date(), params.replacing ?? null) }
      } catch (error) {
        return failure(error)
      }
    },
    'prescriptions.create': (params) => place(params.order, params.justification, null),
    'prescriptions.modify': (params) => place(params.order, params.justification, { id: params.orderId, reason: params.reason }),
    'prescriptions.stop': async (params) => {
      const { user, engine } = prescriber(params.patientId)
      try {
        const order = centralOrder(db(), params.patientId, params.orderId)
        const now = new Date()
        const receipt = updateLocal(db(), stoppedOrder(order, params.reason, signer(user), now.toISOString()), { kind: 'prescriptions.stop', now })
        recordChangeProvenance(db(), params.patientId, params.orderId, signer(user), now, params.reason)
        return await engine.sendQueued(receipt, [params.patientId])
      } catch (error) {
        return failure(error)
      }
    },
    'prescriptions.countersign': async (params) => {
      const { user, engine } = ctx.forPatient(params.patientId)
      if (!SENIORS.has(user.role)) throw new RpcFailure('FORBIDDEN', 'only a senior validates an interne’s order')
      try {
        const order = centralOrder(db(), params.patientId, params.orderId)
        if (order.status !== 'draft') throw new PrescribingError('CONFLICT', 'order is not waiting for a senior')
        const now = new Date()
        const receipt = updateLocal(db(), countersignedOrder(order, signer(user), now.toISOString()), { kind: 'prescriptions.countersign', now })
        recordChangeProvenance(db(), params.patientId, params.orderId, signer(user), now)
        return await engine.sendQueued(receipt, [params.patientId])
      } catch (error) {
        return failure(error)
      }
    },
    'prescriptions.review': async (params) => {
      const { user, engine } = ctx.forPatient(params.patientId)
      if (user.role !== 'pharmacien') throw new RpcFailure('FORBIDDEN', 'the pharmaceutical review is the pharmacist’s')
      try {
        centralOrder(db(), params.patientId, params.orderId)
        const now = new Date()
        const receipt = recordReview(
          db(),
          params.patientId,
          (key, encounterId) =>
            pharmacyReview(
              { patientId: params.patientId, orderId: params.orderId, decision: params.decision, comment: params.comment },
              { key, writtenAt: now.toISOString(), pharmacist: signer(user), encounterId },
            ),
          signer(user),
          now,
        )
        return await engine.sendQueued(receipt, [params.patientId])
      } catch (error) {
        return failure(error)
      }
    },
    'prescriptions.queue': () => {
      const { user } = ctx.active()
      if (user.role !== 'pharmacien') throw new RpcFailure('FORBIDDEN', 'the validation queue is the pharmacist’s')
      const entries: QueueEntry[] = []
      for (const entry of census(db(), user.units.map((unit) => unit.id))) {
        const patient = entry.patient
        for (const order of listOrders(db(), patient.id).orders) {
          if (order.status !== 'active' || order.pharmacy.status !== 'a-valider') continue
          entries.push({ patientId: patient.id, patientName: `${patient.familyName} ${patient.givenName}`, unit: patient.unit?.name ?? null, order })
        }
      }
      entries.sort((a, b) => (b.order.authoredOn ?? '').localeCompare(a.order.authoredOn ?? ''))
      return { entries }
    },
    'prescriptions.report': async (params) => {
      const { user, login } = ctx.active()
      if (user.role !== 'pharmacien' && user.role !== 'dim') throw new RpcFailure('FORBIDDEN', 'reports are for the pharmacist and the DIM')
      const base = ctx.central.fhirUrl.replace(/\/fhir\/?$/, '')
      const url = `${base}${PRESCRIBING_REPORT_PATH}?from=${params.from}&to=${params.to}`
      let response: Response
      try {
        response = await fetch(url, { headers: { Authorization: `Bearer ${await login.token()}`, Accept: 'application/json' }, signal: AbortSignal.timeout(30_000) })
      } catch {
        throw new RpcFailure('OFFLINE', 'central unreachable')
      }
      if (response.status === 403) throw new RpcFailure('FORBIDDEN', 'the central refused the report')
      if (!response.ok) throw new RpcFailure('INTERNAL', `central answered ${response.status}`)
      return PaediatricFormReport.parse(await response.json())
    },
  }
}
