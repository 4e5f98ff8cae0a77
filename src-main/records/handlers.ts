import { can } from '../access/matrix'
import type { WriteReceipt } from '../contract'
import { RpcFailure } from '../rpc/failure'
import type { FeatureContext, FeatureHandlers } from '../rpc/feature'
import type { Database } from '../store'
import { CacheWriteError } from '../store/cache/writes'
import type { UserWorkspace } from '../workspace'
import { cim10 } from './cim10'
import { listDocuments } from './documents'
import type { RecordAuthor } from './fhir'
import { PendingRecordError, patientRecords, recordAllergy, recordProblem, setAllergyStatus, setSpo2Scale } from './store'
import { searchSubstances } from './substances'
import { supervisorOf } from './supervisor'

type RecordsMethods =
  | 'records.cim10.search'
  | 'records.substances.search'
  | 'records.rights'
  | 'records.list'
  | 'records.problems.create'
  | 'records.allergies.create'
  | 'records.allergies.setStatus'
  | 'records.spo2Scale.set'
  | 'records.documents.list'


function asRpc<T>(write: () => T): T {
  try {
    return write()
  } catch (error) {
    if (error instanceof CacheWriteError) throw new RpcFailure(error.code, error.message)
    if (error instanceof PendingRecordError) throw new RpcFailure('CONFLICT', 'the record is still waiting to reach the central')
    throw error
  }
}

/** The author of a write: the signed-in professional, and for an interne the senior they write for. */
export async function authorOf(ctx: FeatureContext, workspace: UserWorkspace): Promise<RecordAuthor> {
  const { user, central } = workspace
  return {
    practitionerId: user.practitionerId,
    displayName: user.displayName,
    role: user.role,
    onBehalfOf: await supervisorOf(user, central, ctx.log),
  }
}

/** Problems and antécédents, allergies, the SpO2 scale of NEWS2, documents (issue 7; docs/records.md). */
export function recordsHandlers(ctx: FeatureContext): FeatureHandlers<RecordsMethods> {
  const db = (): Database => ctx.store.db

  async function write(patientId: string, make: (author: RecordAuthor) => WriteReceipt): Promise<WriteReceipt> {
    const workspace = ctx.forPatient(patientId)
    const author = await authorOf(ctx, workspace)
    const receipt = asRpc(() => make(author))
    return workspace.engine.sendQueued(receipt, [patientId], { census: true })
  }

  return {
    'records.cim10.search': (params) => ({ codes: cim10().search(params.query, params.limit ?? 20) }),
    'records.substances.search': (params) => ({ substances: searchSubstances(db(), params.query, params.limit ?? 20) }),
    'records.rights': () => {
      const { role } = ctx.active().user
      return {
        observations: can(role, 'sante.observations', 'lire'),
        editRecords: can(role, 'sante.observations', 'creer'),
        chooseSpo2Scale: can(role, 'sante.observations', 'creer') && can(role, 'sante.prescriptions', 'creer'),
        notes: can(role, 'sante.notes', 'lire'),
        documents: can(role, 'documents', 'lire'),
        prescriptions: can(role, 'sante.prescriptions', 'lire'),
        results: can(role, 'sante.resultats', 'lire'),
      }
    },
    'records.list': (params) => {
      ctx.forPatient(params.patientId)
      return patientRecords(db(), params.patientId)
    },
    'records.problems.create': (params) => write(params.patientId, (author) => recordProblem(db(), params, author)),
    'records.allergies.create': (params) => write(params.patientId, (author) => recordAllergy(db(), params, author)),
    'records.allergies.setStatus': (params) => write(params.patientId, (author) => setAllergyStatus(db(), params, author)),
    'records.spo2Scale.set': async (params) => {
      const workspace = ctx.forPatient(params.patientId)
      const author = await authorOf(ctx, workspace)
      const receipt = asRpc(() => setSpo2Scale(db(), params, author))
      if (receipt) await workspace.engine.sendQueued(receipt, [params.patientId], { census: true })
      return { spo2Scale: params.scale, writeId: receipt?.writeId ?? null }
    },
    'records.documents.list': (params) => {
      const { central } = ctx.forPatient(params.patientId)
      return listDocuments(db(), central, params.patientId)
    },
  }
}
