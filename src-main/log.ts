import { appendFileSync, mkdirSync } from 'node:fs'
import path from 'node:path'

/**
 * Structured application log. Fields are identifiers and codes only: never a name, an INS,
 * clinical text, a token, a PIN or a key (STYLE.md practice 5). Values are coerced to short scalars.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>

export interface Logger {
  info(event: string, fields?: LogFields): void
  warn(event: string, fields?: LogFields): void
  error(event: string, fields?: LogFields): void
}

type Level = 'info' | 'warn' | 'error'

export function createLogger(options: { dir?: string; echo?: boolean } = {}): Logger {
  const file = options.dir ? path.join(options.dir, 'chevet.log') : null
  if (options.dir) mkdirSync(options.dir, { recursive: true, mode: 0o700 })

  function write(level: Level, event: string, fields: LogFields = {}): void {
    const safe: LogFields = {}
    for (const [key, value] of Object.entries(fields)) {
      safe[key] = typeof value === 'string' ? value.slice(0, 200) : value
    }
    const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...safe })
    if (file) {
      try {
        appendFileSync(file, line + '\n', { mode: 0o600 })
      } catch {
        // Logging must never take the workstation down.
      }
    }
    if (options.echo || level !== 'info') process.stderr.write(line + '\n')
  }

  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  }
}

/** A logger that keeps lines in memory, for tests. */
export function createMemoryLogger(): Logger & { lines: { level: Level; event: string; fields: LogFields }[] } {
  const lines: { level: Level; event: string; fields: LogFields }[] = []
  return {
    lines,
    info: (event, fields = {}) => lines.push({ level: 'info', event, fields }),
    warn: (event, fields = {}) => lines.push({ level: 'warn', event, fields }),
    error: (event, fields = {}) => lines.push({ level: 'error', event, fields }),
  }
}
