import { getSearchParameters } from '@medplum/core'
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes'
import { FOLDED_NAME_PARAMS, FOLDED_NAME_TYPES } from './fold'
import { REFERENCE_DATA_TYPES, SUPPORTED_RESOURCE_TYPES } from './resource-types'

type Interaction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code']

const READS: Interaction[] = ['read', 'vread', 'history-instance', 'history-type', 'search-type']

function interactionsOf(type: string): Interaction[] {
  if (REFERENCE_DATA_TYPES.has(type)) return READS
  if (type === 'AuditEvent') return [...READS, 'create']
  return [...READS, 'create', 'update', 'delete']
}

function searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[] {
  const params = getSearchParameters(type) ?? {}
  return Object.entries(params)
    .filter(([code]) => !code.startsWith('_') || code === '_id' || code === '_lastUpdated')
    .map(([code, definition]) => ({
      name: code,
      type: definition.type,
      ...(definition.url ? { definition: definition.url } : {}),
      ...(FOLDED_NAME_TYPES.has(type) && FOLDED_NAME_PARAMS.has(code)
        ? { documentation: 'Accent- and case-insensitive; each word of the value must start a word of the name' }
        : {}),
    }))
}

function referenceParams(type: string): string[] {
  return Object.entries(getSearchParameters(type) ?? {})
    .filter(([, definition]) => definition.type === 'reference')
    .map(([code]) => code)
}

/** Built from what the server really does, not from medplum's (which is not a CapabilityStatement). */
export function buildCapabilityStatement(baseUrl: string, date: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = SUPPORTED_RESOURCE_TYPES.map((type) => ({
    type,
    interaction: interactionsOf(type).map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: !REFERENCE_DATA_TYPES.has(type) && type !== 'AuditEvent',
    conditionalCreate: !REFERENCE_DATA_TYPES.has(type),
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    searchInclude: referenceParams(type).map((code) => `${type}:${code}`),
    searchRevInclude: SUPPORTED_RESOURCE_TYPES.flatMap((other) =>
      Object.entries(getSearchParameters(other) ?? {})
        .filter(([, d]) => d.type === 'reference' && (d.target ?? []).includes(type as never))
        .map(([code]) => `${other}:${code}`),
    ),
    searchParam: searchParamsOf(type),
  }))

  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software: { name: 'Chevet — central de formation (@medplum/fhir-router)' },
    implementation: { description: 'Environnement de formation — données fictives', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          service: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' },
              ],
            },
          ],
          description:
            'Bearer access token. Patient data only for patients staying in one of the user’s units; ' +
            'every access is recorded as an AuditEvent.',
        },
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        searchParam: [
          { name: '_count', type: 'number', documentation: 'Page size, default 50, at most 1000' },
          { name: '_offset', type: 'number', documentation: 'Paging offset (the next links use it)' },
          { name: '_sort', type: 'string' },
          { name: '_include', type: 'string', documentation: 'One level; :iterate is not followed' },
          { name: '_revinclude', type: 'string', documentation: 'One level; :iterate is not followed' },
          { name: '_since', type: 'date', documentation: 'Type-level history only' },
        ],
      },
    ],
  }
}
