/**
 * Score jobs in main: checks the run and the input, records the score job, starts its `score` job on
 * the run's backend, writes the rows the job streams into SQLite as they arrive, and records how it
 * ended (a cancelled job keeps its rows). Results are read back paged from SQLite; a row's full text
 * and the exports come from `scores/<id>/results.jsonl`. Predictions are asked of a long-lived
 * `predictor` job per run.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { open, readFile, rm } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { ApiError } from '../../../shared/errors'
import type { JobOf } from '../../../shared/job-catalog'
import type {
  Prediction,
  ScoreEvent,
  ScoreRecord,
  ScoreRequest,
  ScoreResultsPage,
  ScoreResultsQuery,
  ScoreRowDetail,
  ScoreSummary,
  SkippedInput,
} from '../../../shared/scoring'
import type { RunRecord } from '../../../shared/training/results'
import type { DatasetSummary, PreprocessSpec } from '../../../shared/datasets'
import type { DatasetService } from '../datasets/service'
import type { ScoresRepo } from '../db/scores-repo'
import { modelDir } from '../engine/folders'
import { JobEnded, type JobManager } from '../jobs/manager'
import type { RunService } from '../runs/service'
import { exportLines, exportResults, type ExportFormat } from './export'

/**
 * A dataset is scored from its stored tokens, which are the model's own input only when the dataset
 * was cleaned and tokenized as the model's training data was. Otherwise its words would silently miss
 * the model's vocabulary (Great ≠ great): its source file, scored as raw text, gets the model's own
 * preprocessing.
 */
function refuseOtherTokens(dataset: DatasetSummary, model: PreprocessSpec): void {
  const own = dataset.settings.preprocess
  const differ = (Object.keys(model) as (keyof PreprocessSpec)[]).filter((k) => own[k] !== model[k])
  if (differ.length)
    throw new ApiError(
      'invalid_payload',
      `Dataset ${dataset.name} was tokenized otherwise than this model's training data (${differ.map((k) => `${k}: ${String(own[k])}, the model's ${String(model[k])}`).join('; ')}); score its source file (${dataset.sourcePath}) instead, so the model's own preprocessing applies.`,
      'input.datasetId',
    )
}

/** Skipped inputs a record lists (all are in skipped.jsonl). */
const skippedListed = 1000

/** Predictor processes kept at once (each holds a model); the least recently used stops first. */
const maxPredictors = 2

export class ScoreService {
  /** How long a predictor process waits for the next request before it ends. */
  predictorIdleMs = 60_000
  /** The live predictor job of each run, least recently used first. */
  private readonly predictors = new Map<string, JobOf<'predictor'>>()
  private readonly scoreOfJob = new Map<string, { id: string; classes: string[] }>()
  /** The first skipped inputs of each live job, from its events (a cancelled job returns no outcome). */
  private readonly skippedOfJob = new Map<string, SkippedInput[]>()

  constructor(
    private readonly repo: ScoresRepo,
    private readonly jobs: JobManager,
    private readonly runs: RunService,
    private readonly datasets: DatasetService,
    private readonly root: string,
  ) {
    jobs.register('predictor', {
      settled: (job) => {
        for (const [runId, p] of this.predictors) if (p.id === job.id) this.predictors.delete(runId)
      },
    })
    jobs.register('score', {
      event: (jobId, data) => this.onEvent(jobId, data),
      settled: (job) => this.onSettled(job),
    })
  }

  /** A run's model bundle, or why it has none. */
  private bundle(runId: string): { run: RunRecord; dir: string } {
    const run = this.runs.get(runId)
    const dir = modelDir(this.runs.folder(runId))
    if (run.status !== 'succeeded' || !existsSync(join(dir, 'model.json')))
      throw new ApiError('invalid_payload', `Run ${runId} has no trained model (it is ${run.status}).`, 'runId')
    return { run, dir }
  }

  async start(request: ScoreRequest): Promise<JobOf<'score'>> {
    const { run, dir } = this.bundle(request.runId)
    const { input } = request
    const dataset = input.format === 'dataset' ? this.datasets.get(input.datasetId) : null
    if (dataset && input.format === 'dataset' && dataset.counts[input.split] === 0)
      throw new ApiError('invalid_payload', `Dataset ${dataset.name} has no ${input.split} split.`, 'input.split')
    const { classes, preprocess } = JSON.parse(await readFile(join(dir, 'preprocessing.json'), 'utf8')) as {
      classes: string[]
      preprocess: PreprocessSpec
    }
    if (dataset) refuseOtherTokens(dataset, preprocess)
    const id = randomUUID()
    const sourcePath =
      dataset && input.format === 'dataset' ? `${dataset.name} (${input.split})` : 'path' in input ? input.path : ''
    this.repo.insert({
      id,
      name: request.name ?? `${run.name} on ${sourcePath}`,
      runId: run.id,
      input,
      labelMap: request.labelMap,
      sourcePath,
      classes,
    })
    const job = this.jobs.start('score', {
      scoreId: id,
      bundleDir: dir,
      outDir: this.folder(id),
      backend: request.backend ?? run.backend ?? 'wasm',
      input,
      dataset: dataset ? { dir: this.datasets.folder(dataset.id), classes: dataset.classes } : undefined,
      labelMap: request.labelMap,
      batchSize: 256,
    })
    this.scoreOfJob.set(job.id, { id, classes })
    if (job.status === 'failed') this.onSettled(job)
    else this.repo.markRunning(id, job.id)
    return job
  }

  list(runId?: string): ScoreRecord[] {
    return this.repo.list(runId)
  }

  get(id: string): ScoreRecord {
    const s = this.repo.get(id)
    if (!s) throw new ApiError('not_found', `No score job with id ${id}.`, 'id')
    return s
  }

  results(query: ScoreResultsQuery): ScoreResultsPage {
    this.get(query.id)
    return this.repo.results(query)
  }

  summary(id: string): ScoreSummary {
    return this.repo.summary(id, this.get(id).classes)
  }

  /** One row with its full text. */
  async row(id: string, idx: number): Promise<ScoreRowDetail> {
    this.get(id)
    const at = this.repo.location(id, idx)
    if (!at) throw new ApiError('not_found', `Score job ${id} has no row ${idx}.`, 'idx')
    const fh = await open(join(this.folder(id), 'results.jsonl'))
    try {
      const bytes = Buffer.alloc(at.length)
      await fh.read(bytes, 0, at.length, at.offset)
      const { offset: _o, length: _l, ...row } = at
      return { ...row, text: (JSON.parse(bytes.toString('utf8')) as { text: string }).text }
    } finally {
      await fh.close()
    }
  }

  rename(id: string, name: string): ScoreRecord {
    this.get(id)
    this.repo.rename(id, name)
    return this.get(id)
  }

  async delete(id: string): Promise<void> {
    const s = this.get(id)
    if (s.status === 'running' || s.status === 'queued')
      throw new ApiError('invalid_payload', 'Cancel the score job before deleting it.', 'id')
    this.repo.delete(id)
    await rm(this.folder(id), { recursive: true, force: true })
  }

  cancel(id: string): ScoreRecord {
    const s = this.get(id)
    if (s.jobId && s.status === 'running') this.jobs.cancel(s.jobId)
    return this.get(id)
  }

  /** Writes the results to `path` (CSV or JSON Lines, by `format` or the file's extension), streamed. */
  async export(id: string, path: string, format?: ExportFormat): Promise<{ path: string; rows: number }> {
    const s = this.get(id)
    const chosen = format ?? (/^\.(jsonl|ndjson|json)$/i.test(extname(path)) ? 'jsonl' : 'csv')
    const file = join(this.folder(id), 'results.jsonl')
    if (!existsSync(file)) throw new ApiError('not_found', `Score job ${id} has no results yet.`, 'id')
    return { path, rows: await exportResults(file, path, chosen, s.classes) }
  }

  /** The export as a stream of lines and a file name for it (serve mode's downloads). */
  exportStream(id: string, format: ExportFormat): { fileName: string; lines: AsyncGenerator<string> } {
    const s = this.get(id)
    const file = join(this.folder(id), 'results.jsonl')
    if (!existsSync(file)) throw new ApiError('not_found', `Score job ${id} has no results yet.`, 'id')
    const fileName = `${s.name.replace(/[^\w.-]+/g, '-').slice(0, 80) || 'scores'}.${format}`
    return { fileName, lines: exportLines(file, format, s.classes) }
  }

  /**
   * One text's prediction from the run's predictor job (started on the first request, reused while it
   * runs): a keystroke's prediction costs a message, not a process with tfjs and the model to load.
   * A predictor that ends as it is asked (idle, crashed) is replaced once.
   */
  async predict(runId: string, text: string, explain: boolean): Promise<Prediction> {
    for (let attempt = 0; ; attempt++) {
      const job = this.predictorOf(runId)
      try {
        return await this.jobs.ask(job, { text, explain })
      } catch (err) {
        this.predictors.delete(runId)
        if (!(err instanceof JobEnded) || attempt > 0) throw await this.whyEnded(job, err as Error)
      }
    }
  }

  /** The run's predictor job, started now if none runs (a run chosen for prediction: see `predict.warm`). */
  warm(runId: string): JobOf<'predictor'> {
    return this.predictorOf(runId)
  }

  private predictorOf(runId: string): JobOf<'predictor'> {
    const known = this.predictors.get(runId)
    if (known) {
      // Most recently used last, so the first is the one to stop when there are too many.
      this.predictors.delete(runId)
      this.predictors.set(runId, known)
      return known
    }
    const { run, dir } = this.bundle(runId)
    for (const [other, job] of this.predictors) {
      if (this.predictors.size < maxPredictors) break
      this.predictors.delete(other)
      this.jobs.cancel(job.id)
    }
    const job = this.jobs.start('predictor', {
      bundleDir: dir,
      backend: run.backend ?? 'wasm',
      idleMs: this.predictorIdleMs,
    })
    this.predictors.set(runId, job)
    return job
  }

  /** A predictor's failure as its job recorded it (a model that failed to load says why). */
  private async whyEnded(job: JobOf<'predictor'>, err: Error): Promise<Error> {
    if (!(err instanceof JobEnded)) return err
    const ended = await this.jobs.finished(job)
    return new Error(ended.error ?? err.message)
  }

  folder(id: string): string {
    return join(this.root, id)
  }

  private onEvent(jobId: string, e: ScoreEvent): void {
    const score = this.scoreOfJob.get(jobId)
    if (!score) return
    this.repo.addBatch(score.id, score.classes, e.rows, e.skipped.length)
    const listed = this.skippedOfJob.get(jobId) ?? []
    listed.push(...e.skipped.slice(0, skippedListed - listed.length))
    this.skippedOfJob.set(jobId, listed)
  }

  private onSettled(job: JobOf<'score'>): void {
    const skipped = this.skippedOfJob.get(job.id) ?? []
    this.scoreOfJob.delete(job.id)
    this.skippedOfJob.delete(job.id)
    const outcome = job.status === 'succeeded' ? job.result : null
    this.repo.finish(job.params.scoreId, job.status, {
      error: job.error,
      outcome,
      skipped: outcome?.skipped ?? skipped,
    })
  }
}
