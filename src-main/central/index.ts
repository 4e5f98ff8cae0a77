export { createCentralClient, type CentralClientOptions } from './client'
export { CentralError, type AccessTokenProvider, type CentralClient, type SearchPage, type WriteResult } from './types'
