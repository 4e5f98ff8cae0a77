import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers'
import type { Database } from '../migration'

type Statement = BetterSqlite3.Statement

const cache = new WeakMap<Database, Map<string, Statement>>()

/** Prepares each SQL text once per connection: sync writes run the same few statements hundreds of thousands of times. */
export function sql(db: Database, text: string): Statement {
  let statements = cache.get(db)
  if (!statements) cache.set(db, (statements = new Map()))
  let statement = statements.get(text)
  if (!statement) statements.set(text, (statement = db.prepare(text)))
  return statement
}
