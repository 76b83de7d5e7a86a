/**
 * The SQLite history: one file, `studio.db`, opened by main only (the one writer). WAL lets the
 * CLI read while the app writes; the busy timeout covers the moments two processes do write.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { migrations, type Migration } from './migrations'

export type Db = Database.Database

export interface OpenOptions {
  /** A better-sqlite3 binding built for Electron's ABI (development runs of the desktop app). */
  nativeBinding?: string
  /** Stop migrating at this version (tests of upgrades from older schemas). */
  targetVersion?: number
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  db.pragma('synchronous = NORMAL')
  migrate(db, migrations, options.targetVersion)
  return db
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }
  return row.v ?? 0
}

/** Applies every migration above the recorded version, each in its own transaction. */
export function migrate(db: Db, list: readonly Migration[], targetVersion = Infinity): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
  const current = schemaVersion(db)
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
  for (const m of list) {
    if (m.version <= current || m.version > targetVersion) continue
    db.transaction(() => {
      db.exec(m.sql)
      record.run(m.version, m.name, new Date().toISOString())
    })()
  }
  return schemaVersion(db)
}
