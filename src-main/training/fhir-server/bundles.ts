import { badRequest, OperationOutcomeError } from '@medplum/core'
import type { Bundle, BundleEntry, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes'
import { classify, type Interaction } from './router'
import { validateIncoming } from './scoped-repository'

const IN_BUNDLE: ReadonlySet<Interaction> = new Set([
  'read',
  'vread',
  'history-instance',
  'history-type',
  'search-type',
  'create',
  'update',
  'delete',
])

/** medplum only honours `W/"3"`; clients also send `"3"` and `3`. */
export function normalizeIfMatch(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const match = /^(?:W\/)?"?([^"\s]+)"?$/.exec(value.trim())
  return match ? `W/"${match[1]}"` : value
}

/** The header holds a query string; tolerate `?identifier=…` and `Patient?identifier=…`. */
export function normalizeIfNoneExist(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  const question = trimmed.indexOf('?')
  return question >= 0 ? trimmed.slice(question + 1) : trimmed
}

function fail(message: string, expression: string): never {
  throw new OperationOutcomeError(badRequest(message, expression))
}

function issuesOf(err: unknown): OperationOutcomeIssue[] {
  if (err instanceof OperationOutcomeError) return err.outcome.issue ?? []
  return [{ severity: 'error', code: 'invalid', details: { text: String(err) } }]
}

/**
 * Checks a batch or transaction before medplum runs it: every entry must be an interaction the server serves, with
 * relative URLs and normalized conditional headers; in a transaction every resource is validated up front, so an
 * invalid entry fails the whole Bundle before anything is written.
 */
export function prepareBundle(body: unknown, baseUrl: string): { bundle: Bundle; kind: 'batch' | 'transaction' } {
  const bundle = body as Bundle
  if (bundle?.resourceType !== 'Bundle') fail('Not a Bundle', 'Bundle')
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    fail('Bundle.type must be batch or transaction', 'Bundle.type')
  }
  const entries: unknown = bundle.entry
  if (!Array.isArray(entries) || entries.length === 0) fail('Missing bundle entries', 'Bundle.entry')
  const invalid: OperationOutcomeIssue[] = []

  entries.forEach((entry: BundleEntry, index) => {
    const at = `Bundle.entry[${index}]`
    if (!entry || typeof entry !== 'object') fail('Entry is not an object', at)
    const request = entry.request
    if (typeof request?.method !== 'string' || typeof request.url !== 'string') {
      fail('Missing request method or url', `${at}.request`)
    }
    let url = request.url
    if (url.startsWith(baseUrl + '/')) url = url.slice(baseUrl.length + 1)
    request.url = url
    const path = url.split('?')[0] as string
    const route = classify(request.method, path.split('/').filter(Boolean))
    if ('status' in route || !IN_BUNDLE.has(route.interaction)) {
      fail(`Unsupported interaction ${request.method} ${path}`, `${at}.request`)
    }
    if (route.interaction === 'search-type' && request.method !== 'GET') {
      fail('Search entries use GET', `${at}.request.method`)
    }
    request.ifMatch = normalizeIfMatch(request.ifMatch)
    request.ifNoneExist = normalizeIfNoneExist(request.ifNoneExist)
    if (bundle.type === 'transaction' && (route.interaction === 'create' || route.interaction === 'update')) {
      try {
        validateIncoming(entry.resource as Resource)
      } catch (err) {
        for (const issue of issuesOf(err)) {
          const expression = (issue.expression ?? []).map((e) => `${at}.resource${e.slice(e.indexOf('.'))}`)
          invalid.push({ ...issue, expression: expression.length ? expression : [`${at}.resource`] })
        }
      }
    }
  })
  if (invalid.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: invalid })
  return { bundle, kind: bundle.type }
}

/** Adds what medplum leaves out of response entries: fullUrl, versioned location, ETag, Last-Modified. */
export function decorateBundleResponse(bundle: Bundle, baseUrl: string): Bundle {
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource
    if (!resource?.id || resource.resourceType === 'OperationOutcome') continue
    entry.fullUrl = `${baseUrl}/${resource.resourceType}/${resource.id}`
    const version = resource.meta?.versionId
    if (entry.response && version) {
      if (entry.response.location) entry.response.location = `${resource.resourceType}/${resource.id}/_history/${version}`
      entry.response.etag = `W/"${version}"`
      if (resource.meta?.lastUpdated) entry.response.lastModified = resource.meta.lastUpdated
    }
  }
  return bundle
}
