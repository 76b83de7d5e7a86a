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
import type { BackendName, JobStatus } from '../../../shared/types'
import type { Db } from './database'

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
  test_metrics_json: string | null
  best_json: string | null
  progress_json: string | null
  error: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  duration_ms: number | null
  samples_per_second: number | null
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
    test: parse<TestMetrics>(row.test_metrics_json),
    bestValidation: parse<RunRecord['bestValidation']>(row.best_json),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    samplesPerSecond: row.samples_per_second,
    progress: parse<RunRecord['progress']>(row.progress_json),
  }
}

const select = `SELECT r.*, d.name AS dataset_name FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id`

export interface NewRun {
  id: string
  name: string
  datasetId: string
  datasetFingerprint: string
  vectorsId: string | null
  preset: string
  config: TrainConfig
  versions: Record<string, string>
}

export class RunsRepo {
  private readonly insertStep
  private readonly insertEpoch
  private readonly insertValidation
  private readonly insertLog
  private readonly updateBest
  private readonly updateProgress

  constructor(private readonly db: Db) {
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
    this.updateBest = db.prepare('UPDATE runs SET best_json = ? WHERE id = ?')
    this.updateProgress = db.prepare('UPDATE runs SET progress_json = ? WHERE id = ?')
    this.insertLog = db.prepare(
      `INSERT INTO run_log (run_id, seq, at, line)
       VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_log WHERE run_id = ?), ?, ?)`,
    )
  }

  insert(run: NewRun): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, name, dataset_id, dataset_fingerprint, vectors_id, preset, config_json, status, seed, versions_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
      )
      .run(
        run.id,
        run.name,
        run.datasetId,
        run.datasetFingerprint,
        run.vectorsId,
        run.preset,
        JSON.stringify(run.config),
        run.config.seed,
        JSON.stringify(run.versions),
        new Date().toISOString(),
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
      if (points.best) this.updateBest.run(JSON.stringify({ ...points.best, checkpoint: true }), id)
      if (points.progress) this.updateProgress.run(JSON.stringify(points.progress), id)
    })()
  }

  finish(
    id: string,
    status: JobStatus,
    figures: { error?: string | null; test?: TestMetrics | null; durationMs?: number; samplesPerSecond?: number },
  ): void {
    this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, finished_at = ?,
         test_metrics_json = COALESCE(?, test_metrics_json), duration_ms = COALESCE(?, duration_ms),
         samples_per_second = COALESCE(?, samples_per_second) WHERE id = ?`,
      )
      .run(
        status,
        figures.error ?? null,
        new Date().toISOString(),
        figures.test ? JSON.stringify(figures.test) : null,
        figures.durationMs ?? null,
        figures.samplesPerSecond ?? null,
        id,
      )
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
    const epochs = this.db
      .prepare(
        `SELECT epoch, train_loss AS trainLoss, train_accuracy AS trainAccuracy, val_loss AS valLoss,
         val_accuracy AS valAccuracy, duration_ms AS durationMs FROM run_epochs WHERE run_id = ? ORDER BY epoch`,
      )
      .all(id) as EpochMetrics[]
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
