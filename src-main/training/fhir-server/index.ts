export { startFhirServer, type FhirServer, type FhirServerOptions } from './server'
export {
  AUDIT_READER_ROLES,
  type AccessDecision,
  type AllowPatient,
  type Authorize,
  type AuthorizeRequest,
  type TrainingUser,
} from './access'
export { ensureFhirDefinitions, type DefinitionsIndexing } from './definitions'
export { fold, foldWords } from './fold'
export { TrainingRepository } from './repository'
export { REFERENCE_DATA_TYPES, SUPPORTED_RESOURCE_TYPES, isSupportedResourceType } from './resource-types'
export { validateIncoming } from './scoped-repository'
