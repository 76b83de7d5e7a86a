import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { migrate, openDatabase, schemaVersion } from '../../src/main/core/db/database'
import { latestSchemaVersion, migrations } from '../../src/main/core/db/migrations'
import { JobsRepo } from '../../src/main/core/db/jobs-repo'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

const tables = (db: ReturnType<typeof openDatabase>) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map(
    (r) => r.name,
  )

describe('migrations', () => {
  it('bring an empty database to the latest version with every table, WAL and foreign keys', () => {
    const db = openDatabase(join(tempDir(), 'studio.db'))
    expect(schemaVersion(db)).toBe(latestSchemaVersion)
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'schema_migrations',
        'jobs',
        'datasets',
        'vector_files',
        'runs',
        'run_steps',
        'run_epochs',
        'artifacts',
        'scoring_jobs',
        'scoring_results',
      ]),
    )
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    db.close()
  })

  for (const from of migrations.slice(0, -1)) {
    it(`upgrade a version ${from.version} database and keep its rows`, () => {
      const file = join(tempDir(), 'studio.db')
      const old = openDatabase(file, { targetVersion: from.version })
      expect(schemaVersion(old)).toBe(from.version)
      new JobsRepo(old).insert('job-1', 'detect-backends', { a: 1 }, 1)
      old.close()

      const db = openDatabase(file)
      expect(schemaVersion(db)).toBe(latestSchemaVersion)
      expect(new JobsRepo(db).get('job-1')).toMatchObject({ kind: 'detect-backends', params: { a: 1 } })
      const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()
      expect(applied).toEqual(migrations.map((m) => ({ version: m.version })))
      db.close()
    })
  }

  it('roll back a failing migration whole and leave the version where it was', () => {
    const db = openDatabase(join(tempDir(), 'studio.db'))
    const broken = [
      ...migrations,
      { version: 99, name: 'broken', sql: 'CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);' },
    ]
    expect(() => migrate(db, broken)).toThrow(/nowhere/)
    expect(schemaVersion(db)).toBe(latestSchemaVersion)
    expect(tables(db)).not.toContain('half')
    db.close()
  })

  it('enforce foreign keys between runs and datasets', () => {
    const db = openDatabase(join(tempDir(), 'studio.db'))
    const insertRun = () =>
      db
        .prepare(
          `INSERT INTO runs (id, name, dataset_id, config_json, status, created_at) VALUES ('r', 'r', 'missing', '{}', 'queued', 'now')`,
        )
        .run()
    expect(insertRun).toThrow(/FOREIGN KEY/)
    db.close()
  })
})

describe('interrupted-job recovery', () => {
  it('marks jobs of dead processes interrupted, with their runs, and keeps those of live ones', () => {
    const db = openDatabase(join(tempDir(), 'studio.db'))
    const repo = new JobsRepo(db)
    repo.insert('dead', 'train', {}, 111)
    repo.markRunning('dead')
    repo.insert('alive', 'train', {}, 222)
    repo.markRunning('alive')
    repo.insert('done', 'train', {}, 111)
    repo.finish('done', 'succeeded', { result: 1 })
    db.prepare(
      `INSERT INTO runs (id, name, job_id, config_json, status, created_at) VALUES ('run-1', 'r', 'dead', '{}', 'running', 'now')`,
    ).run()

    const recovered = repo.recoverInterrupted((pid) => pid === 222)

    expect(recovered).toEqual(['dead'])
    expect(repo.get('dead')).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/stopped/) })
    expect(repo.get('alive')?.status).toBe('running')
    expect(repo.get('done')?.status).toBe('succeeded')
    expect(db.prepare(`SELECT status, error FROM runs WHERE id = 'run-1'`).get()).toEqual({
      status: 'interrupted',
      error: expect.stringMatching(/^Interrupted: .*process 111\) stopped/),
    })
    db.close()
  })
})
