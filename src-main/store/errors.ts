export type StoreErrorCode = 'WRONG_KEY' | 'FUTURE_SCHEMA' | 'MIGRATION_FAILED' | 'CORRUPT' | 'KEY_INVALID'

/**
 * Why the encrypted store could not be opened. Messages are in French: a hospital IT person reads them
 * in `chevet doctor` or in the start-up log. They never contain the key or patient data.
 */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'StoreError'
  }
}
