import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers'

export type Database = BetterSqlite3.Database

/**
 * One schema step, in `migrations/NNNN-kebab-name.ts`. `up` runs inside a transaction opened by the
 * store, which also sets `user_version` to `version`: it must not open or commit a transaction itself.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  up(db: Database): void
}
