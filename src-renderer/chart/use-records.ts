import { onBeforeUnmount, ref, watch, type Ref } from 'vue'
import type { ErrorCode, PatientRecords, RecordRights } from '../../src-main/contract'
import { RpcError, call, subscribe } from '../rpc'

const NONE: RecordRights = {
  observations: false,
  editRecords: false,
  chooseSpo2Scale: false,
  notes: false,
  documents: false,
  prescriptions: false,
  results: false,
}

const rights = ref<RecordRights | null>(null)
let asked: Promise<void> | null = null
let following = false

async function askRights(): Promise<void> {
  try {
    rights.value = await call('records.rights', {})
  } catch {
    rights.value = NONE
  }
}

/**
 * What the signed-in role may see and do in the chart (from main's habilitation matrix), asked once per session:
 * a section the role may not read is neither shown nor called.
 */
export function useRecordRights(): Ref<RecordRights | null> {
  if (!following) {
    following = true
    subscribe('session.changed', () => {
      rights.value = null
      asked = askRights()
    })
  }
  asked ??= askRights()
  return rights
}

/** The records (problems, allergies, treatments, SpO2 scale) of one patient, reloaded when main says they changed. */
export function usePatientRecords(patientId: () => string) {
  const rights = useRecordRights()
  const records = ref<PatientRecords | null>(null)
  const error = ref<ErrorCode | null>(null)
  let sequence = 0

  async function load(): Promise<void> {
    // Not asked for a role that may not read them (the section is not shown either).
    if (!rights.value?.observations) return
    const mine = ++sequence
    try {
      const result = await call('records.list', { patientId: patientId() })
      if (mine !== sequence) return
      records.value = result
      error.value = null
    } catch (failure) {
      if (mine !== sequence) return
      error.value = failure instanceof RpcError ? failure.code : 'INTERNAL'
    }
  }

  watch(
    [patientId, () => rights.value?.observations],
    () => {
      records.value = null
      void load()
    },
    { immediate: true },
  )
  const unsubscribe = subscribe('data.changed', (change) => {
    if (change.patientIds.includes(patientId())) void load()
  })
  onBeforeUnmount(unsubscribe)
  return { records, error, load }
}
