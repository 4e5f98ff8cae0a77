import type { Patient, Resource } from '@medplum/fhirtypes'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chart, upsertResources } from '../../src-main/store/cache'
import { admissionProblem, MAX_CACHED_RESOURCE_CHARS, MAX_CACHED_RESOURCE_DEPTH, readHealth } from '../../src-main/store/cache/resources'
import { ingest } from '../../src-main/sync/census-sync'
import { lab, patient, stay, unitTree, versioned } from '../fixtures/sync/fhir'
import { openTempStore, type TempStore } from '../fixtures/sync/store'

// Issue 10, hostile central content: what the cache refuses, and that one bad resource does not sink its batch.

let temp: TempStore
beforeEach(() => {
  temp = openTempStore()
})
afterEach(() => {
  temp.cleanup()
})
const db = () => temp.store.db

function report(id: string, conclusion: unknown): Resource {
  return {
    resourceType: 'DiagnosticReport',
    id,
    status: 'final',
    code: { text: 'Scanner' },
    subject: { reference: 'Patient/p-helene' },
    effectiveDateTime: '2026-11-22T08:00:00Z',
    conclusion,
  } as unknown as Resource
}

function nested(depth: number): Resource {
  let value: Record<string, unknown> = { text: 'fond' }
  for (let i = 0; i < depth; i++) value = { extension: [value] }
  return { resourceType: 'Observation', id: 'o-deep', status: 'final', code: { text: 'x' }, ...value } as unknown as Resource
}

describe('what the cache admits from the central', () => {
  it('admits ordinary resources and a conclusion just under the bound', () => {
    expect(admissionProblem(lab('l1', 'p-helene', '2026-11-21T07:00:00Z', '2823-3', 'Potassium', 5.4, 'mmol/L', [3.5, 5], 'H'))).toBeNull()
    expect(admissionProblem(report('r-large', 'B'.repeat(MAX_CACHED_RESOURCE_CHARS - 1000)))).toBeNull()
  })

  it('refuses a 10 MB string and a resource nested past the depth bound, without serialising them', () => {
    expect(admissionProblem(report('r-huge', 'A'.repeat(10 * 1024 * 1024)))).toBe('too-large')
    // Many small strings add up the same way as one large one.
    expect(admissionProblem(report('r-many', Array.from({ length: 600_000 }, () => 'abcdefgh')))).toBe('too-large')
    expect(admissionProblem(nested(MAX_CACHED_RESOURCE_DEPTH))).toBe('too-deep')
    expect(admissionProblem(nested(10))).toBeNull()
  })

  it('stores the rest of a batch, reports each refusal by type and reason, and still moves the cursor', () => {
    const brokenPatient = { resourceType: 'Patient', id: 'p-broken', name: 'not-an-array' } as unknown as Patient
    const result = upsertResources(db(), [
      ...unitTree('loc-cardio', 'Cardiologie', 1),
      patient({ id: 'p-helene', family: 'DURAND', given: ['Hélène'], birthDate: '1946-03-14', ipp: '90000001' }),
      stay('enc-helene', 'p-helene', 'loc-cardio', 'loc-cardio-101-1'),
      versioned(report('r-huge', 'A'.repeat(10 * 1024 * 1024)), '1', '2026-11-23T09:00:00Z'),
      brokenPatient,
      nested(40),
      report('r-ok', 'Pas d’anomalie.'),
    ])
    expect(result.refused).toEqual([
      { resourceType: 'DiagnosticReport', reason: 'too-large' },
      { resourceType: 'Patient', reason: 'unreadable' },
      { resourceType: 'Observation', reason: 'too-deep' },
    ])
    // The refused report was newest: the next incremental query starts after it instead of fetching it forever.
    expect(result.maxLastUpdated).toBe('2026-11-23T09:00:00Z')
    expect(readHealth(db(), 'DiagnosticReport', 'r-huge')).toBeNull()
    expect(readHealth(db(), 'DiagnosticReport', 'r-ok')?.resource).toMatchObject({ conclusion: 'Pas d’anomalie.' })
    expect(db().prepare("SELECT count(*) AS n FROM identity WHERE patient_id = 'p-broken'").get()).toEqual({ n: 0 })
    expect(chart(db(), 'p-helene')?.patient.familyName).toBe('DURAND')
    // Nothing of the 10 MB string reached the database.
    const largest = db().prepare('SELECT max(length(json)) AS n FROM health_resource').get() as { n: number }
    expect(largest.n).toBeLessThan(MAX_CACHED_RESOURCE_CHARS)
  })

  it('ingest sums the refusals of every batch for the sync to log', async () => {
    async function* stream(): AsyncIterable<Resource> {
      for (let i = 0; i < 1200; i++) yield report(`r-${i}`, i % 500 === 0 ? 'A'.repeat(MAX_CACHED_RESOURCE_CHARS + 1) : 'RAS')
    }
    const result = await ingest(db(), stream(), '2026-11-23T10:00:00Z')
    expect(result.count).toBe(1200)
    expect(result.refused).toHaveLength(3)
    expect(db().prepare('SELECT count(*) AS n FROM health_resource').get()).toEqual({ n: 1197 })
  })
})
