/**
 * The SQLite history: one file, `studio.db`, opened by main only (the one writer). WAL lets the
 * CLI read while the app writes; the busy timeout covers the moments two processes do write.
 */
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { injectedFault } from '../faults'
import { describeSystemError } from '../system-errors'
import { migrations, type Migration } from './migrations'

export type Db = Database.Database

export interface OpenOptions {
  /** A better-sqlite3 binding built for Electron's ABI (development runs of the desktop app). */
  nativeBinding?: string
  /** Stop migrating at this version (tests of upgrades from older schemas). */
  targetVersion?: number
}

/** The database could not be opened: the message names the file and the cause. */
export class HistoryOpenError extends Error {
  override name = 'HistoryOpenError'
}

function cause(err: unknown, file: string): string {
  // SQLite says only that it cannot open or write the file; the folder says why (EROFS, EACCES).
  const code = err instanceof Error && 'code' in err ? String(err.code) : ''
  if (/^SQLITE_(CANTOPEN|READONLY)/.test(code)) {
    try {
      accessSync(dirname(file), constants.W_OK)
    } catch (why) {
      const found = describeSystemError({ code: (why as NodeJS.ErrnoException).code }, file)
      if (found) return found
    }
  }
  return describeSystemError(err, file) ?? `${err instanceof Error ? err.message : String(err)} (${file})`
}

/** Opens (creating it, private to the user: folder 700, file 600) and migrates the database. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const dir = dirname(file)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new HistoryOpenError(`The data directory cannot be created: ${cause(err, dir)}.`)
  }
  const fresh = !existsSync(file)
  let db: Db | undefined
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    db.pragma('synchronous = NORMAL')
    migrate(db, migrations, options.targetVersion)
    const room = injectedFault('db-pages')
    if (room !== undefined) db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + room}`)
  } catch (err) {
    db?.close()
    throw new HistoryOpenError(`The history cannot be opened for writing: ${cause(err, file)}.`)
  }
  // SQLite gives the -wal and -shm files the database file's mode.
  if (fresh) chmodSync(file, 0o600)
  return db
}

/**
 * The history of a data directory that cannot be written (a read-only mount, another user's folder):
 * a private read-only copy, since SQLite cannot read a WAL database in place without creating its
 * shared-memory file beside it. Null when there is no history to read.
 */
export function openSnapshot(file: string, options: OpenOptions = {}): Db | null {
  if (!existsSync(file)) return null
  const copy = join(mkdtempSync(join(tmpdir(), 'studio-history-')), 'studio.db')
  copyFileSync(file, copy)
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`)
  const writable = new Database(copy, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  writable.pragma('wal_checkpoint(TRUNCATE)')
  writable.close()
  return new Database(copy, {
    readonly: true,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  })
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }
  return row.v ?? 0
}

/**
 * Applies, in version order, every migration not yet recorded, each in its own transaction. Missing
 * versions below the highest applied one are applied too: branches developed side by side number
 * their migrations apart, and a database may have met one before the others.
 */
export function migrate(db: Db, list: readonly Migration[], targetVersion = Infinity): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  )
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version) || m.version > targetVersion) continue
    db.transaction(() => {
      db.exec(m.sql)
      record.run(m.version, m.name, new Date().toISOString())
    })()
  }
  return schemaVersion(db)
}
