import { allOk, badRequest } from '@medplum/core'
import { FhirRouter, type FhirRequest } from '@medplum/fhir-router'
import { ScopedRepository } from './scoped-repository'
import { isSupportedResourceType } from './resource-types'

export type Interaction =
  | 'capabilities'
  | 'read'
  | 'vread'
  | 'history-instance'
  | 'history-type'
  | 'search-type'
  | 'create'
  | 'update'
  | 'delete'
  | 'batch'

export interface RouteMatch {
  interaction: Interaction
  type?: string
  id?: string
  versionId?: string
}

export interface RouteRefusal {
  status: 400 | 404 | 405
  message: string
  allow?: string
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/

function single(query: FhirRequest['query'], key: string): string | undefined {
  const value = query[key]
  return Array.isArray(value) ? value[value.length - 1] : value
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number.parseInt(value, 10)
  return Number.isFinite(n) ? n : undefined
}

/** Medplum's router plus type-level history, which it lacks (`Patient/_history` would be read as an id). */
export function createTrainingRouter(): FhirRouter {
  const router = new FhirRouter()
  router.add(
    'GET',
    ':resourceType/_history',
    async (req, repo) => {
      const type = req.params.resourceType as string
      if (!(repo instanceof ScopedRepository) || !isSupportedResourceType(type)) throw new Error('unexpected')
      const since = single(req.query, '_since')
      const sinceTime = since === undefined ? undefined : Date.parse(since)
      if (sinceTime !== undefined && !Number.isFinite(sinceTime)) {
        return [badRequest('Invalid _since: an instant is expected', '_since')]
      }
      const bundle = repo.readTypeHistory(type, {
        // The log compares ISO strings in UTC; a client may send any offset.
        since: sinceTime === undefined ? undefined : new Date(sinceTime).toISOString(),
        offset: integer(single(req.query, '_offset')),
        count: integer(single(req.query, '_count')),
      })
      return [allOk, bundle]
    },
    'history-type',
  )
  return router
}

/**
 * Which interaction a method and a path (segments after /fhir) ask for — the only ones served. Keeping this list
 * here rather than letting medplum's router take everything shuts PATCH, conditional update/delete, $graphql and
 * system search, and gives 405 with an Allow header for a known path with the wrong method.
 */
export function classify(method: string, segments: string[]): RouteMatch | RouteRefusal {
  const [type, second, third, fourth, ...extra] = segments
  const wrong = (allow: string): RouteRefusal => ({ status: 405, message: `Method ${method} not allowed`, allow })
  if (type === undefined) return method === 'POST' ? { interaction: 'batch' } : wrong('POST')
  if (type === 'metadata' && second === undefined) {
    return method === 'GET' ? { interaction: 'capabilities' } : wrong('GET')
  }
  if (!isSupportedResourceType(type)) return { status: 404, message: `Unknown resource type ${type}` }
  if (extra.length) return { status: 404, message: 'Unknown path' }
  if (second === undefined) {
    if (method === 'GET') return { interaction: 'search-type', type }
    if (method === 'POST') return { interaction: 'create', type }
    return wrong('GET, POST')
  }
  if (second === '_search' && third === undefined) {
    return method === 'POST' ? { interaction: 'search-type', type } : wrong('POST')
  }
  if (second === '_history' && third === undefined) {
    return method === 'GET' ? { interaction: 'history-type', type } : wrong('GET')
  }
  if (!ID.test(second)) return { status: 404, message: 'Invalid id' }
  const id = second
  if (third === undefined) {
    if (method === 'GET') return { interaction: 'read', type, id }
    if (method === 'PUT') return { interaction: 'update', type, id }
    if (method === 'DELETE') return { interaction: 'delete', type, id }
    return wrong('GET, PUT, DELETE')
  }
  if (third !== '_history') return { status: 404, message: 'Unknown path' }
  if (method !== 'GET') return wrong('GET')
  if (fourth === undefined) return { interaction: 'history-instance', type, id }
  if (!ID.test(fourth)) return { status: 404, message: 'Invalid version id' }
  return { interaction: 'vread', type, id, versionId: fourth }
}
