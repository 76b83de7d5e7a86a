/**
 * Training runs in main: resolves a preset and the user's changes into a validated config, records
 * the run, starts its `train` job, writes the points the job streams into SQLite as they arrive and
 * forwards them as `run.updated`, and records how the run ended. Cancel, resume and delete too.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiError } from '../../../shared/errors'
import { trainConfigSchema, type TrainConfig } from '../../../shared/training/config'
import { findPreset, presets, type Preset } from '../../../shared/training/presets'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { sizeRules, statsOf, type DatasetStats, type SizeRules } from '../../../shared/training/size-rules'
import type { TrainRequest } from '../../../shared/training/settings'
import { changeLabel, sweepChanges, type SweepRequest } from '../../../shared/training/sweep'
import type { RunHistory, RunRecord, RunUpdate, WordVectors } from '../../../shared/training/results'
import type {
  ParsedRunsQuery,
  RunComparison,
  RunFacets,
  RunImport,
  RunPage,
  RunUpdateRequest,
} from '../../../shared/runs'
import { trainJobKind, type TrainEvent, type TrainParams } from '../../../shared/training/job'
import type { JobOf } from '../../../shared/job-catalog'
import type { BackendName } from '../../../shared/types'
import type { ModelExport } from '../../../shared/model-export'
import type { DatasetService } from '../datasets/service'
import type { RunsRepo } from '../db/runs-repo'
import { bundleWordVectors } from '../engine/bundle-vectors'
import { hasCheckpoint, modelDir, removePartialFolders } from '../engine/folders'
import type { JobManager } from '../jobs/manager'
import { exportModel } from '../model-export/write-export'
import type { InfoService } from '../services/info'
import type { VectorService } from '../vectors/service'
import { exportRun, importRun, stagingPrefix } from './archive'
import { compareRuns } from './compare'
import { readPredictions, type Predictions } from './predictions'
import { RunQueue, type QueueOptions } from './queue'
import type { SettingsRepo } from '../db/settings-repo'

const resumable = new Set(['interrupted', 'failed', 'cancelled'])

export class RunService {
  /** The run each live train job trains: events name only their job. */
  private readonly runOfJob = new Map<string, string>()
  /** Runs recorded as queued start from here, N at a time. */
  readonly queue: RunQueue
  /** Auto's trials: their first job skips the test split, which only the search's winner sees. */
  private readonly deferredTests = new Set<string>()

  constructor(
    private readonly repo: RunsRepo,
    private readonly jobs: JobManager,
    private readonly datasets: DatasetService,
    private readonly vectors: VectorService,
    private readonly info: InfoService,
    private readonly root: string,
    private readonly emit: (update: RunUpdate) => void,
    private readonly appVersion: string,
    settings: SettingsRepo,
    queueOptions: QueueOptions,
  ) {
    this.queue = new RunQueue(repo, settings, (id, backend) => this.startQueued(id, backend), queueOptions)
    jobs.register(trainJobKind, {
      event: (jobId, data) => this.onEvent(jobId, data),
      settled: (job) => this.onSettled(job),
    })
  }

  presets(): Preset[] {
    return presets
  }

  /**
   * The preset's config with the user's changes, validated; errors name the field. Given the
   * dataset's figures, and unless `sizeRules` is off, the size rules change the settings the user
   * did not (`size-rules.ts`).
   */
  resolveConfig(
    presetName: string,
    overrides: Record<string, unknown>,
    stats?: DatasetStats,
  ): { preset: Preset; config: TrainConfig; rules: SizeRules | null } {
    const preset = findPreset(presetName)
    if (!preset)
      throw new ApiError(
        'not_found',
        `No preset "${presetName}". Presets: ${presets.map((p) => p.name).join(', ')}.`,
        'preset',
      )
    const parsed = trainConfigSchema.safeParse({ ...preset.config, ...overrides })
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const field = issue.path.join('.') || issue.message
      throw new ApiError('invalid_payload', `${field}: ${issue.message}`, `overrides.${issue.path.join('.')}`)
    }
    if (!stats || !parsed.data.sizeRules) return { preset, config: parsed.data, rules: null }
    // From the preset's own settings, as the form computes them: the user's changes win.
    const rules = sizeRules(stats, preset.config)
    const ruled = Object.fromEntries(Object.entries(rules.settings).filter(([k]) => !Object.hasOwn(overrides, k)))
    // Early stopping comes with the epochs the rules add, not with the user's own.
    if (Object.hasOwn(overrides, 'epochs')) delete ruled.patience
    return { preset, config: { ...parsed.data, ...ruled }, rules }
  }

  /**
   * Records a run and queues it; it starts at once when a slot is free (the record says `running`),
   * else it waits its turn. `groupId` joins it to other runs (repeats, sweeps, Auto); `deferTest`
   * leaves the test split for `testDeferred`; `refit` trains on the training and validation splits.
   */
  async start(
    request: TrainRequest,
    groupId?: string,
    options: { deferTest?: boolean; refit?: boolean } = {},
  ): Promise<RunRecord> {
    const { dataset, preset, config } = this.prepare(request)
    const backend = await this.chooseBackend(request.backend)
    const id = randomUUID()
    this.repo.insert({
      id,
      name: request.name ?? `${preset.name} on ${dataset.name}`,
      datasetId: dataset.id,
      datasetFingerprint: dataset.fingerprint,
      vectorsId: config.vectors,
      preset: preset.name,
      config,
      versions: { app: this.appVersion, node: process.versions.node },
      groupId,
      refit: options.refit,
    })
    if (options.deferTest) this.deferredTests.add(id)
    this.repo.setRequestedBackend(id, backend)
    this.emitStatus(id)
    await this.queue.pump()
    return this.get(id)
  }

  /**
   * A grid or a random sample (`sweep.ts`) queued as one group, each run named after what it changes.
   * Every run's config is checked before the first is queued, so a bad one queues nothing.
   */
  async sweep(request: SweepRequest): Promise<{ groupId: string; runs: RunRecord[] }> {
    const { grid, random, ...base } = request
    let changes: Record<string, unknown>[]
    try {
      changes = sweepChanges({ grid, random })
    } catch (err) {
      throw new ApiError('invalid_payload', (err as Error).message, grid ? 'grid' : 'random')
    }
    const requests = changes.map((change) => ({
      ...base,
      overrides: { ...base.overrides, ...change },
      name: `${base.name ?? 'sweep'} ${changeLabel(change)}`,
    }))
    for (const r of requests) this.prepare(r)
    const groupId = randomUUID()
    const runs: RunRecord[] = []
    for (const r of requests) runs.push(await this.start(r, groupId))
    return { groupId, runs }
  }

  /** The request's dataset, preset and validated config, or the error that refuses it. */
  private prepare(request: TrainRequest) {
    const dataset = this.datasets.get(request.datasetId)
    const { preset, config } = this.resolveConfig(request.preset, request.overrides, statsOf(dataset))
    if (preset.needsVectors && !config.vectors)
      throw new ApiError(
        'invalid_payload',
        `The ${preset.name} preset trains on pretrained word vectors: register a GloVe file on the Word vectors page and choose it (vectors=ID).`,
        'overrides.vectors',
      )
    if (config.vectors) {
      // The vectors' own dimension is the embedding size.
      config.embeddingDim = this.vectors.get(config.vectors).dim
    }
    return { dataset, preset, config }
  }

  /** The run once it has left the queue: started (with its job), or cancelled while waiting. */
  async started(id: string, pollMs = 250): Promise<RunRecord> {
    for (;;) {
      const run = this.get(id)
      if (run.status !== 'queued' || run.jobId) return run
      await this.queue.pump()
      await new Promise((resolve) => setTimeout(resolve, pollMs))
    }
  }

  /** Tests a finished run whose test was deferred: its job resumes after the last epoch, straight to the test. */
  async testDeferred(id: string): Promise<RunRecord> {
    const run = this.get(id)
    // A fitted model (NBSVM) keeps no checkpoint: it is fitted again, as quickly and to the same weights.
    const fitted = modelKindSpec(run.config.model).training === 'fit'
    if (run.status !== 'succeeded' || run.test || !(fitted || hasCheckpoint(this.folder(id))))
      throw new ApiError('invalid_payload', `Run ${id} has no deferred test to run.`, 'id')
    return this.launch(id, run.backend ?? (await this.chooseBackend('auto')), !fitted)
  }

  list(limit = 200): RunRecord[] {
    return this.repo.list(limit)
  }

  query(q: ParsedRunsQuery): RunPage {
    return this.repo.query(q)
  }

  facets(): RunFacets {
    return this.repo.facets()
  }

  /** Renames, notes, stars or retags a run. */
  update({ id, ...change }: RunUpdateRequest): RunRecord {
    this.get(id)
    this.repo.update(id, change)
    return this.get(id)
  }

  tag(id: string, tag: string): RunRecord {
    this.get(id)
    this.repo.addTag(id, tag)
    return this.get(id)
  }

  /** Settings, metrics and McNemar's test of every pair tested on the same split. */
  async compare(ids: string[]): Promise<RunComparison> {
    const runs = [...new Set(ids)].map((id) => this.get(id))
    const predictions = new Map<string, Predictions | null>()
    for (const run of runs)
      // A damaged file leaves that run out of the significance tests, not the comparison.
      predictions.set(run.id, await readPredictions(this.folder(run.id)).catch(() => null))
    return compareRuns(runs, (id) => this.repo.epochs(id), predictions)
  }

  /** Refuses while a run trains on (or waits to train on) the dataset: deleting it would fail that run. */
  refuseIfDatasetInUse(datasetId: string): void {
    const active = this.repo.activeOnDataset(datasetId)
    if (active.length === 0) return
    const named = active.map((r) => `"${r.name}" (${r.status})`).join(', ')
    throw new ApiError(
      'failed',
      `The dataset is in use by ${named}: cancel ${active.length === 1 ? 'that run' : 'those runs'} or let ${active.length === 1 ? 'it' : 'them'} finish, then delete the dataset.`,
      'id',
    )
  }

  get(id: string): RunRecord {
    const run = this.repo.get(id)
    if (!run) throw new ApiError('not_found', `No run with id ${id}.`, 'id')
    return run
  }

  history(id: string, maxSteps?: number): RunHistory {
    this.get(id)
    return this.repo.history(id, maxSteps)
  }

  cancel(id: string): RunRecord {
    const run = this.get(id)
    if (run.jobId && run.status === 'running') this.jobs.cancel(run.jobId)
    else if (run.status === 'queued' && !run.jobId) {
      this.repo.finish(id, 'cancelled', {})
      this.emitStatus(id)
    }
    return this.get(id)
  }

  /**
   * Queues `count` more runs of a run's exact config with the next seeds, as one group with it (the
   * compare view shows a group's mean and spread).
   */
  async repeat(id: string, count: number): Promise<RunRecord[]> {
    const run = this.get(id)
    if (!run.datasetId) throw new ApiError('invalid_payload', 'The dataset of this run was deleted.', 'id')
    const dataset = this.datasets.get(run.datasetId)
    const groupId = run.groupId ?? randomUUID()
    this.repo.setGroup(id, groupId)
    const backend = run.backend ?? (await this.chooseBackend('auto'))
    const base = run.name.replace(/ \(seed \d+\)$/, '')
    const queued = Array.from({ length: count }, (_, k) => {
      const seed = (run.config.seed + k + 1) % 2 ** 31
      const repeatId = randomUUID()
      this.repo.insert({
        id: repeatId,
        name: `${base} (seed ${seed})`,
        datasetId: dataset.id,
        datasetFingerprint: dataset.fingerprint,
        vectorsId: run.vectorsId,
        preset: run.preset ?? 'custom',
        config: { ...run.config, seed },
        versions: { app: this.appVersion, node: process.versions.node },
        groupId,
        refit: run.refit,
      })
      this.repo.setRequestedBackend(repeatId, backend)
      this.emitStatus(repeatId)
      return this.get(repeatId)
    })
    void this.queue.pump()
    return queued
  }

  /** Continues a run that stopped before the end, from its last checkpoint, on the same backend, through the queue. */
  async resume(id: string): Promise<RunRecord> {
    const run = this.get(id)
    if (!resumable.has(run.status))
      throw new ApiError(
        'invalid_payload',
        `Run ${id} is ${run.status}; only interrupted, failed or cancelled runs resume.`,
        'id',
      )
    if (!run.datasetId)
      throw new ApiError('invalid_payload', 'The dataset of this run was deleted; it cannot resume.', 'id')
    // Back in the queue, to start from its checkpoint when a slot is free.
    this.repo.requeue(id)
    this.emitStatus(id)
    await this.queue.pump()
    return this.get(id)
  }

  async delete(id: string): Promise<void> {
    const run = this.get(id)
    if (run.status === 'running' || run.status === 'queued')
      throw new ApiError('invalid_payload', 'Cancel the run before deleting it.', 'id')
    this.repo.delete(id)
    await rm(this.folder(id), { recursive: true, force: true })
  }

  /** Writes an ended run to one archive file. */
  exportRun(id: string, path: string): Promise<{ bytes: number }> {
    return exportRun(this.repo.db, id, this.folder(id), path, this.appVersion)
  }

  /** Adds the run in an archive to the history (a new id when its own is taken here). */
  async importRun(path: string): Promise<RunImport> {
    const { id, idChanged, datasetAbsent } = await importRun(this.repo.db, path, this.root)
    this.emitStatus(id)
    return { run: this.get(id), idChanged, datasetAbsent }
  }

  /** Import folders a process left when it died. */
  async removeStrayImports(isAlive: (pid: number) => boolean): Promise<void> {
    if (!existsSync(this.root)) return
    for (const name of await readdir(this.root)) {
      const owner = name.startsWith(stagingPrefix) ? name.slice(stagingPrefix.length).match(/^(\d+)-/)?.[1] : null
      if (owner && !isAlive(Number(owner))) await rm(join(this.root, name), { recursive: true, force: true })
    }
  }

  /** The learned vectors of the finished model's most frequent words. */
  async wordVectors(id: string, count: number): Promise<WordVectors> {
    const run = this.get(id)
    const bundle = modelDir(this.folder(id))
    if (run.status !== 'succeeded' || !existsSync(join(bundle, 'model.json')))
      throw new ApiError('not_found', `Run ${id} has no trained model yet (it is ${run.status}).`, 'id')
    return bundleWordVectors(bundle, count)
  }

  /** After start-up recovery: the half-written folders of the runs whose train jobs were interrupted. */
  async removePartialFolders(interruptedJobs: string[]): Promise<void> {
    for (const run of this.repo.byJobs(interruptedJobs)) await removePartialFolders(this.folder(run))
  }

  /** "Export model": the bundle, `sentiment.mjs` and `index.html` in the folder `out` (model-export/). */
  exportModel(id: string, out: string): Promise<ModelExport> {
    const run = this.get(id)
    const bundle = modelDir(this.folder(id))
    if (run.status !== 'succeeded' || !existsSync(join(bundle, 'model.json')))
      throw new ApiError('not_found', `Run ${id} has no trained model to export (it is ${run.status}).`, 'id')
    return exportModel(bundle, out, run)
  }

  folder(id: string): string {
    return join(this.root, id)
  }

  private async chooseBackend(choice: TrainRequest['backend']): Promise<BackendName> {
    const { backends, selectedBackend } = await this.info.detect()
    if (choice === 'auto') return selectedBackend
    const status = backends.find((b) => b.name === choice)
    if (status && !status.available)
      throw new ApiError('unsupported', `The ${choice} backend is not available: ${status.reason}`, 'backend')
    return choice
  }

  /** Starts a run the queue claimed; a run that cannot start fails with the reason. */
  private async startQueued(id: string, backend: BackendName | null): Promise<void> {
    try {
      // A resumed run continues from its checkpoint; a new one has none.
      this.launch(id, backend ?? (await this.chooseBackend('auto')), hasCheckpoint(this.folder(id)))
    } catch (err) {
      this.repo.finish(id, 'failed', { error: err instanceof Error ? err.message : String(err) })
      this.emitStatus(id)
    }
  }

  private emitStatus(runId: string): void {
    const { status } = this.get(runId)
    this.emit({ runId, status, steps: [], epochs: [], validations: [], log: [], progress: null })
  }

  private launch(id: string, backend: BackendName, resume: boolean): RunRecord {
    const run = this.get(id)
    const dataset = this.datasets.get(run.datasetId!)
    const params: TrainParams = {
      runId: id,
      runDir: this.folder(id),
      datasetDir: this.datasets.folder(dataset.id),
      dataset: {
        id: dataset.id,
        name: dataset.name,
        fingerprint: dataset.fingerprint,
        preprocess: dataset.settings.preprocess,
      },
      classes: dataset.classes,
      vocabSize: dataset.vocabSize,
      config: run.config,
      backend,
      embedding: run.config.vectors
        ? this.vectors.embeddingParams({
            vectorsId: run.config.vectors,
            datasetId: dataset.id,
            foldCase: true,
            oov: 'zeros',
            seed: run.config.seed,
          })
        : undefined,
      resume,
      skipTest: !resume && this.deferredTests.delete(id),
      refit: run.refit,
    }
    const job = this.jobs.start(trainJobKind, params)
    this.runOfJob.set(job.id, id)
    if (job.status === 'failed') {
      this.runOfJob.delete(job.id)
      this.repo.finish(id, 'failed', { error: job.error })
    } else this.repo.markRunning(id, job.id)
    const record = this.get(id)
    this.emit({ runId: id, status: record.status, steps: [], epochs: [], validations: [], log: [], progress: null })
    return record
  }

  private onEvent(jobId: string, e: TrainEvent): void {
    const runId = this.runOfJob.get(jobId)
    if (!runId) return
    if (e.started) this.repo.setBackend(runId, e.started.backend, e.started.detail)
    this.repo.addPoints(runId, e)
    this.emit({
      runId,
      status: 'running',
      steps: e.steps,
      epochs: e.epochs,
      validations: e.validations,
      log: e.log,
      progress: e.progress ?? null,
    })
  }

  private onSettled(job: JobOf<typeof trainJobKind>): void {
    this.runOfJob.delete(job.id)
    const runId = job.params.runId
    const outcome = job.status === 'succeeded' ? job.result : null
    this.repo.finish(runId, job.status, {
      error: job.error,
      test: outcome?.test,
      durationMs: outcome?.durationMs,
      samplesPerSecond: outcome?.samplesPerSecond,
    })
    this.emit({ runId, status: job.status, steps: [], epochs: [], validations: [], log: [], progress: null })
    void this.queue.pump()
  }
}
