/**
 * Failures of the machine rather than of the input (a full disk, a read-only or forbidden folder),
 * as one sentence naming the path and the cause, wherever they surface: a Node error with its code
 * and path, a SqliteError (no path: the caller gives the database's), or a job's error text.
 */
import { statfsSync } from 'node:fs'
import { dirname } from 'node:path'

interface Failure {
  code?: unknown
  path?: unknown
  message?: unknown
}

const causes: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  SQLITE_FULL: 'the disk is full',
  EROFS: 'the file system is read-only',
  SQLITE_READONLY: 'the database cannot be written (read-only file or folder)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  SQLITE_CANTOPEN: 'the database file cannot be opened (missing folder or no permission)',
}

/** The code a failure carries, or the one its message names ("ENOSPC: no space left on device, write '…'"). */
function codeOf(err: Failure): { code: string; path?: string } | null {
  const code = typeof err.code === 'string' ? err.code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1') : null
  if (code && causes[code]) return { code, path: typeof err.path === 'string' ? err.path : undefined }
  const text = typeof err.message === 'string' ? err.message : ''
  const named = text.match(/\b(ENOSPC|EDQUOT|EROFS|EACCES|EPERM)\b[^']*(?:'([^']+)')?/)
  if (named) return { code: named[1]!, path: named[2] }
  if (/database or disk is full/.test(text)) return { code: 'SQLITE_FULL' }
  if (/attempt to write a readonly database/.test(text)) return { code: 'SQLITE_READONLY' }
  return null
}

/** Whether the file system holding `path` has (almost) no room left. */
function diskFull(path: string | undefined): boolean {
  if (!path) return false
  try {
    const fs = statfsSync(dirname(path))
    return fs.bavail * fs.bsize < 256 * 1024
  } catch {
    return false
  }
}

/** One line for a system failure, "the disk is full (/data/studio.db)", or null for any other error. */
export function describeSystemError(err: unknown, fallbackPath?: string): string | null {
  if (typeof err === 'string') err = { message: err }
  if (typeof err !== 'object' || err === null) return null
  const failure: Failure = err
  // SQLite reports a full disk met while creating its WAL files as a bare I/O error.
  const ioError = typeof failure.code === 'string' && failure.code.startsWith('SQLITE_IOERR')
  const found = ioError && diskFull(fallbackPath) ? { code: 'SQLITE_FULL' } : codeOf(failure)
  if (!found) return null
  const path = found.path ?? fallbackPath
  return path ? `${causes[found.code]} (${path})` : causes[found.code]!
}
