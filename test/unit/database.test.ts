import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { migrate, openDatabase, schemaVersion } from '../../src/main/core/db/database'
import { latestSchemaVersion, migrations } from '../../src/main/core/db/migrations'
import { JobsRepo } from '../../src/main/core/db/jobs-repo'
import { ScoresRepo } from '../../src/main/core/db/scores-repo'
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

  it('re-key version 9 score results by an integer and keep them readable, sorted and deletable', () => {
    const file = join(tempDir(), 'studio.db')
    const old = openDatabase(file, { targetVersion: 9 })
    old
      .prepare(
        `INSERT INTO runs (id, name, config_json, status, created_at) VALUES ('run-1', 'r', '{}', 'succeeded', 'x')`,
      )
      .run()
    const job = old.prepare(
      `INSERT INTO scoring_jobs (id, run_id, source_path, status, created_at, classes_json, input_json) VALUES (?, 'run-1', '/in', 'succeeded', ?, '["neg","pos"]', '{}')`,
    )
    const row = old.prepare(
      `INSERT INTO scoring_results (scoring_job_id, idx, source, label, score, probs_json, snippet, truth) VALUES (?, ?, ?, ?, ?, ?, '', NULL)`,
    )
    job.run('score-a', '2026-01-01')
    job.run('score-b', '2026-01-02')
    for (const [i, p] of [0.9, 0.6, 0.8].entries()) row.run('score-a', i, `a${i}`, 'pos', p, JSON.stringify([1 - p, p]))
    row.run('score-b', 0, 'b0', 'neg', 0.7, '[0.7,0.3]')
    old.close()

    const db = openDatabase(file)
    const scores = new ScoresRepo(db)
    const page = scores.results({ id: 'score-a', sort: 'confidence', order: 'desc', limit: 10, offset: 0 })
    expect(page.total).toBe(3)
    expect(page.rows.map((r) => r.source)).toEqual(['a0', 'a2', 'a1'])
    expect(scores.summary('score-b', ['neg', 'pos']).counts).toEqual({ neg: 1, pos: 0 })
    // A job made after the upgrade takes the next key; deleting a job deletes only its rows.
    scores.insert({
      id: 'score-c',
      name: 'c',
      runId: 'run-1',
      input: { format: 'folder', path: '/c', extensions: ['.txt'], encoding: 'auto' },
      labelMap: undefined,
      sourcePath: '/c',
      classes: ['neg', 'pos'],
    })
    const run = {
      first: 0,
      sources: ['c0'],
      snippets: [''],
      labels: Uint16Array.of(0),
      truths: Int32Array.of(1),
      probs: Float32Array.of(0.75, 0.25),
      offsets: Float64Array.of(0),
      lengths: Uint32Array.of(1),
    }
    scores.addBatch('score-c', ['neg', 'pos'], [run], 0)
    scores.delete('score-a')
    expect(db.prepare('SELECT source FROM scoring_results ORDER BY source').pluck().all()).toEqual(['b0', 'c0'])
    expect(scores.results({ id: 'score-c', sort: 'idx', order: 'asc', limit: 10, offset: 0 }).rows[0]).toEqual({
      idx: 0,
      source: 'c0',
      snippet: '',
      label: 'neg',
      confidence: 0.75,
      probs: [0.75, 0.25],
      truth: 'pos',
    })
    db.close()
  })

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
