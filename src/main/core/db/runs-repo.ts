/**
 * Training runs in SQLite: the `runs` row, and the points a run streams (steps, epochs, validations,
 * log lines), written as they arrive. Points are keyed by step, so a resumed run that replays steps
 * after its checkpoint replaces them instead of doubling them.
 */
import type { TrainConfig } from '../../../shared/training/config'
import type {
  EpochMetrics,
  RunHistory,
  RunRecord,
  StepMetrics,
  TestMetrics,
  ValidationPoint,
} from '../../../shared/training/results'
import type { ParsedRunsQuery, RunFacets, RunPage, RunRow as RunListRow } from '../../../shared/runs'
import type { BackendName, JobStatus } from '../../../shared/types'
import type { Db } from './database'
import { buildRunsQuery } from './runs-query'

interface RunRow {
  id: string
  name: string
  dataset_id: string | null
  dataset_name: string | null
  vectors_id: string | null
  job_id: string | null
  preset: string | null
  config_json: string
  status: JobStatus
  backend: BackendName | null
  seed: number
  test_json: string | null
  best_json: string | null
  progress_json: string | null
  error: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  samples_per_second: number | null
  tags: string | null
  note: string
  starred: number
  group_id: string | null
  dataset_fingerprint: string | null
  refit: number
}

const parse = <T>(json: string | null): T | null => (json === null ? null : (JSON.parse(json) as T))

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    name: row.name,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    vectorsId: row.vectors_id,
    jobId: row.job_id,
    preset: row.preset,
    config: JSON.parse(row.config_json) as TrainConfig,
    status: row.status,
    backend: row.backend,
    seed: row.seed,
    test: parse<TestMetrics>(row.test_json),
    bestValidation: parse<RunRecord['bestValidation']>(row.best_json),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    samplesPerSecond: row.samples_per_second,
    progress: parse<RunRecord['progress']>(row.progress_json),
    tags: row.tags ? row.tags.split(',') : [],
    note: row.note,
    starred: row.starred === 1,
    groupId: row.group_id,
    datasetFingerprint: row.dataset_fingerprint,
    refit: row.refit === 1,
  }
}

/** A run's tags joined by commas (which tags cannot hold). */
const tagsOf = `(SELECT GROUP_CONCAT(tag, ',') FROM (SELECT tag FROM run_tags t WHERE t.run_id = r.id ORDER BY tag)) AS tags`
const select = `SELECT r.*, COALESCE(d.name, r.dataset_label) AS dataset_name, t.metrics_json AS test_json, ${tagsOf}
  FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id LEFT JOIN run_tests t ON t.run_id = r.id`

interface ListRow {
  id: string
  name: string
  status: JobStatus
  dataset_id: string | null
  dataset_name: string | null
  preset: string | null
  model: string
  backend: BackendName | null
  config_json: string
  test_accuracy: number | null
  test_f1: number | null
  best_val_accuracy: number | null
  best_val_loss: number | null
  duration_ms: number | null
  created_at: string
  tags: string | null
  note: string
  starred: number
  group_id: string | null
}

/** The Runs table's columns: no test details, no curves. */
const selectRows = `SELECT r.id, r.name, r.status, r.dataset_id, COALESCE(d.name, r.dataset_label) AS dataset_name, r.preset, r.model, r.backend,
  r.config_json, r.test_accuracy, r.test_f1, r.best_val_accuracy, r.best_val_loss, r.duration_ms, r.created_at,
  ${tagsOf}, r.note, r.starred, r.group_id
  FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id`

function toListRow(row: ListRow): RunListRow {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    preset: row.preset,
    model: row.model,
    backend: row.backend,
    config: JSON.parse(row.config_json) as TrainConfig,
    testAccuracy: row.test_accuracy,
    testF1: row.test_f1,
    bestValAccuracy: row.best_val_accuracy,
    bestValLoss: row.best_val_loss,
    durationMs: row.duration_ms,
    createdAt: row.created_at,
    tags: row.tags ? row.tags.split(',') : [],
    note: row.note,
    starred: row.starred === 1,
    groupId: row.group_id,
  }
}

export interface NewRun {
  id: string
  name: string
  datasetId: string
  datasetFingerprint: string
  vectorsId: string | null
  preset: string
  config: TrainConfig
  versions: Record<string, string>
  /** Runs started together (repeats with other seeds) share a group. */
  groupId?: string | null
  /** Trains on the training and validation splits together. */
  refit?: boolean
}

export class RunsRepo {
  private readonly insertStep
  private readonly insertEpoch
  private readonly insertValidation
  private readonly insertLog
  private readonly updateBest
  private readonly updateProgress

  constructor(readonly db: Db) {
    this.insertStep = db.prepare(
      `INSERT OR REPLACE INTO run_steps (run_id, step, epoch, loss, accuracy, learning_rate, samples_per_sec)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    this.insertEpoch = db.prepare(
      `INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, duration_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    this.insertValidation = db.prepare(
      `INSERT OR REPLACE INTO run_validations (run_id, step, epoch, loss, accuracy) VALUES (?, ?, ?, ?, ?)`,
    )
    this.updateBest = db.prepare('UPDATE runs SET best_json = ?, best_val_accuracy = ?, best_val_loss = ? WHERE id = ?')
    this.updateProgress = db.prepare('UPDATE runs SET progress_json = ? WHERE id = ?')
    this.insertLog = db.prepare(
      `INSERT INTO run_log (run_id, seq, at, line)
       VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_log WHERE run_id = ?), ?, ?)`,
    )
  }

  insert(run: NewRun): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, name, dataset_id, dataset_fingerprint, vectors_id, preset, config_json, model, status, seed, versions_json, group_id, created_at, queue_owner, refit)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        run.id,
        run.name,
        run.datasetId,
        run.datasetFingerprint,
        run.vectorsId,
        run.preset,
        JSON.stringify(run.config),
        run.config.model,
        run.config.seed,
        JSON.stringify(run.versions),
        run.groupId ?? null,
        new Date().toISOString(),
        process.pid,
        run.refit ? 1 : 0,
      )
  }

  get(id: string): RunRecord | null {
    const row = this.db.prepare(`${select} WHERE r.id = ?`).get(id) as RunRow | undefined
    return row ? toRecord(row) : null
  }

  list(limit: number): RunRecord[] {
    return (this.db.prepare(`${select} ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?`).all(limit) as RunRow[]).map(
      toRecord,
    )
  }

  /** One page of the Runs table, filtered and sorted in SQL. */
  query(q: ParsedRunsQuery): RunPage {
    const built = buildRunsQuery(q)
    const ids = (this.db.prepare(built.sql).all(...built.pageParams) as { id: string }[]).map((r) => r.id)
    const total = (this.db.prepare(built.countSql).get(...built.params) as { n: number }).n
    return { rows: this.rows(ids), total }
  }

  /** The Runs table's rows of these runs, in this order (unknown ids left out). */
  rows(ids: string[]): RunListRow[] {
    if (ids.length === 0) return []
    const found = this.db
      .prepare(`${selectRows} WHERE r.id IN (${ids.map(() => '?').join(', ')})`)
      .all(...ids) as ListRow[]
    const byId = new Map(found.map((r) => [r.id, toListRow(r)]))
    return ids.flatMap((id) => byId.get(id) ?? [])
  }

  facets(): RunFacets {
    const datasets = this.db
      .prepare(
        `SELECT DISTINCT d.id, d.name FROM runs r JOIN datasets d ON d.id = r.dataset_id ORDER BY d.name COLLATE NOCASE`,
      )
      .all() as { id: string; name: string }[]
    const models = (
      this.db.prepare('SELECT DISTINCT model FROM runs WHERE model IS NOT NULL ORDER BY model').all() as {
        model: string
      }[]
    ).map((r) => r.model)
    const tags = (
      this.db.prepare('SELECT DISTINCT tag FROM run_tags ORDER BY tag COLLATE NOCASE').all() as { tag: string }[]
    ).map((r) => r.tag)
    return { datasets, models, tags }
  }

  /** Renames, notes, stars and (re)tags a run; fields left out stay. */
  update(id: string, change: { name?: string; note?: string; starred?: boolean; tags?: string[] }): void {
    this.db.transaction(() => {
      if (change.name !== undefined) this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(change.name, id)
      if (change.note !== undefined) this.db.prepare('UPDATE runs SET note = ? WHERE id = ?').run(change.note, id)
      if (change.starred !== undefined)
        this.db.prepare('UPDATE runs SET starred = ? WHERE id = ?').run(change.starred ? 1 : 0, id)
      if (change.tags !== undefined) {
        this.db.prepare('DELETE FROM run_tags WHERE run_id = ?').run(id)
        const add = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
        for (const tag of change.tags) add.run(id, tag)
      }
    })()
  }

  addTag(id: string, tag: string): void {
    this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)').run(id, tag)
  }

  /** Queued runs waiting for a slot (no job yet), in queue order, with the process that queued each. */
  queued(): { id: string; name: string; backend: BackendName | null; owner: number | null }[] {
    return this.db
      .prepare(
        `SELECT id, name, backend, queue_owner AS owner FROM runs WHERE status = 'queued' AND job_id IS NULL
         ORDER BY queue_position NULLS LAST, created_at, rowid`,
      )
      .all() as { id: string; name: string; backend: BackendName | null; owner: number | null }[]
  }

  /** Puts a run that ended back in the queue (to resume), owned by this process. */
  requeue(id: string): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'queued', job_id = NULL, error = NULL, finished_at = NULL, queue_position = NULL,
         queue_owner = ? WHERE id = ?`,
      )
      .run(process.pid, id)
  }

  /** Runs a process claimed but died before their job started go back to the queue. */
  releaseDeadClaims(isAlive: (pid: number) => boolean): void {
    const claimed = this.db
      .prepare(`SELECT id, queue_owner AS owner FROM runs WHERE status = 'running' AND job_id IS NULL`)
      .all() as { id: string; owner: number | null }[]
    const release = this.db.prepare(`UPDATE runs SET status = 'queued' WHERE id = ? AND job_id IS NULL`)
    for (const { id, owner } of claimed) if (owner === null || !isAlive(owner)) release.run(id)
  }

  /** Puts the queued runs in this order (positions 1, 2, …). */
  reorderQueue(ids: string[]): void {
    const set = this.db.prepare('UPDATE runs SET queue_position = ? WHERE id = ?')
    this.db.transaction(() => ids.forEach((id, i) => set.run(i + 1, id)))()
  }

  /** Takes a queued run for starting; false when another process took it first. */
  claim(id: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', queue_position = NULL, queue_owner = ?
           WHERE id = ? AND status = 'queued' AND job_id IS NULL`,
        )
        .run(process.pid, id).changes === 1
    )
  }

  /** Runs that will still read this dataset's files: training now or waiting in the queue. */
  activeOnDataset(datasetId: string): { id: string; name: string; status: JobStatus }[] {
    return this.db
      .prepare(`SELECT id, name, status FROM runs WHERE dataset_id = ? AND status IN ('running', 'queued')`)
      .all(datasetId) as { id: string; name: string; status: JobStatus }[]
  }

  /** The ids of the runs these jobs trained. */
  byJobs(jobIds: string[]): string[] {
    const find = this.db.prepare('SELECT id FROM runs WHERE job_id = ?').pluck()
    return jobIds.flatMap((jobId) => find.all(jobId).map(String))
  }

  runningCount(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE status = 'running'`).get() as { n: number }).n
  }

  /** The mean duration of the latest finished runs, for a queue's estimates. */
  typicalDurationMs(): number | null {
    return (
      this.db
        .prepare(
          `SELECT AVG(duration_ms) AS ms FROM (SELECT duration_ms FROM runs WHERE status = 'succeeded'
           AND duration_ms IS NOT NULL ORDER BY finished_at DESC LIMIT 20)`,
        )
        .get() as { ms: number | null }
    ).ms
  }

  setGroup(id: string, groupId: string): void {
    this.db.prepare('UPDATE runs SET group_id = ? WHERE id = ?').run(groupId, id)
  }

  setRequestedBackend(id: string, backend: BackendName): void {
    this.db.prepare('UPDATE runs SET backend = ? WHERE id = ?').run(backend, id)
  }

  /** A job starts (or resumes) the run. */
  markRunning(id: string, jobId: string): void {
    this.db
      .prepare(
        `UPDATE runs SET status = 'running', job_id = ?, error = NULL, finished_at = NULL,
         started_at = COALESCE(started_at, ?) WHERE id = ?`,
      )
      .run(jobId, new Date().toISOString(), id)
  }

  setBackend(id: string, backend: BackendName, detail: string): void {
    this.db.prepare('UPDATE runs SET backend = ?, backend_detail = ? WHERE id = ?').run(backend, detail, id)
  }

  /** Points and log lines as one transaction: a crash keeps all of a batch or none. */
  addPoints(
    id: string,
    points: {
      steps: StepMetrics[]
      epochs: EpochMetrics[]
      validations: ValidationPoint[]
      log: string[]
      best?: ValidationPoint
      progress?: RunRecord['progress']
    },
  ): void {
    this.db.transaction(() => {
      for (const s of points.steps)
        this.insertStep.run(id, s.step, s.epoch, s.loss, s.accuracy, s.learningRate, s.samplesPerSec)
      for (const e of points.epochs)
        this.insertEpoch.run(id, e.epoch, e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy, e.durationMs)
      for (const v of points.validations) this.insertValidation.run(id, v.step, v.epoch, v.loss, v.accuracy)
      const at = new Date().toISOString()
      for (const line of points.log) this.insertLog.run(id, id, at, line)
      if (points.best)
        this.updateBest.run(
          JSON.stringify({ ...points.best, checkpoint: true }),
          points.best.accuracy,
          points.best.loss,
          id,
        )
      if (points.progress) this.updateProgress.run(JSON.stringify(points.progress), id)
    })()
  }

  finish(
    id: string,
    status: JobStatus,
    figures: { error?: string | null; test?: TestMetrics | null; durationMs?: number; samplesPerSecond?: number },
  ): void {
    const { test } = figures
    this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE runs SET status = ?, error = ?, finished_at = ?, duration_ms = COALESCE(?, duration_ms),
           test_accuracy = COALESCE(?, test_accuracy), test_f1 = COALESCE(?, test_f1),
           samples_per_second = COALESCE(?, samples_per_second) WHERE id = ?`,
        )
        .run(
          status,
          figures.error ?? null,
          new Date().toISOString(),
          figures.durationMs ?? null,
          test?.accuracy ?? null,
          test?.f1 ?? null,
          figures.samplesPerSecond ?? null,
          id,
        )
      if (test)
        this.db
          .prepare('INSERT OR REPLACE INTO run_tests (run_id, metrics_json) VALUES (?, ?)')
          .run(id, JSON.stringify(test))
    })()
  }

  epochs(id: string): EpochMetrics[] {
    return this.db
      .prepare(
        `SELECT epoch, train_loss AS trainLoss, train_accuracy AS trainAccuracy, val_loss AS valLoss,
         val_accuracy AS valAccuracy, duration_ms AS durationMs FROM run_epochs WHERE run_id = ? ORDER BY epoch`,
      )
      .all(id) as EpochMetrics[]
  }

  /** The curves, with steps thinned to about `maxSteps` (the last step always kept). */
  history(id: string, maxSteps?: number): RunHistory {
    const count = (this.db.prepare('SELECT COUNT(*) AS n FROM run_steps WHERE run_id = ?').get(id) as { n: number }).n
    const every = maxSteps && count > maxSteps ? Math.ceil(count / maxSteps) : 1
    const steps = this.db
      .prepare(
        `SELECT step, epoch, loss, accuracy, learning_rate AS learningRate, samples_per_sec AS samplesPerSec
         FROM run_steps WHERE run_id = ? AND (step % ? = 0 OR step = (SELECT MAX(step) FROM run_steps WHERE run_id = ?))
         ORDER BY step`,
      )
      .all(id, every, id) as StepMetrics[]
    const epochs = this.epochs(id)
    const validations = this.db
      .prepare('SELECT step, epoch, loss, accuracy FROM run_validations WHERE run_id = ? ORDER BY step')
      .all(id) as ValidationPoint[]
    const log = (
      this.db.prepare('SELECT line FROM run_log WHERE run_id = ? ORDER BY seq').all(id) as { line: string }[]
    ).map((r) => r.line)
    return { steps, epochs, validations, log }
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0
  }
}
