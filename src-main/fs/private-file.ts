import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'

const POSIX = process.platform !== 'win32'

/** `create` found the file already there: somebody else published it first. */
export class FileExistsError extends Error {
  readonly code = 'EEXIST'
  constructor(readonly file: string) {
    super(`${file} already exists`)
    this.name = 'FileExistsError'
  }
}

function errorCode(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code)
}

/**
 * Writes a file readable by this account only (0600), atomically: a temporary file is written and synced, then
 * published. `create` publishes with link(), which never replaces an existing file — two racing first starts
 * cannot leave data encrypted under a key that was overwritten on disk — and throws FileExistsError when the
 * file is there; `replace` publishes with rename(). Either way a crash never leaves a half-written file, and the
 * directory is synced so that a power cut right after cannot lose the new entry.
 */
export function writePrivateFileSync(file: string, content: string | Uint8Array, mode: 'create' | 'replace'): void {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  const fd = openSync(temp, 'wx', 0o600)
  try {
    if (typeof content === 'string') writeSync(fd, content)
    else writeSync(fd, content)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    if (mode === 'replace') renameSync(temp, file)
    else {
      try {
        linkSync(temp, file)
      } catch (error) {
        if (errorCode(error) === 'EEXIST') throw new FileExistsError(file)
        // Filesystems without hard links: rename is still atomic, only the no-clobber guarantee is lost.
        if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV'].includes(errorCode(error))) throw error
        renameSync(temp, file)
      }
    }
  } finally {
    rmSync(temp, { force: true })
  }
  if (POSIX) {
    const dirFd = openSync(path.dirname(file), 'r')
    try {
      fsyncSync(dirFd)
    } finally {
      closeSync(dirFd)
    }
  }
}
