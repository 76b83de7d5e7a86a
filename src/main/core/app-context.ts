/**
 * Everything main owns, for one data directory: the database, the job manager, the services and
 * the contract's router. The Electron app, serve mode, the CLI and tests all build one of these.
 */
import { rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname } from 'node:path'
import type { EventData, EventName, ParsedPayload, Payload, RequestName, Result } from '../../shared/contract'
import { ApiError, type Envelope } from '../../shared/errors'
import type { JobRecord } from '../../shared/types'
import { importSpecSchema } from '../../shared/datasets'
import { createRouter, type Handlers } from './api/router'
import { HistoryOpenError, openDatabase, openSnapshot, schemaVersion, type Db } from './db/database'
import { JobsRepo, isProcessAlive } from './db/jobs-repo'
import type { JobLauncher } from './jobs/launcher'
import { JobManager } from './jobs/manager'
import { DatasetsRepo } from './db/datasets-repo'
import { DatasetService } from './datasets/service'
import { previewDataset } from './datasets/preview'
import { dataPaths } from './paths'
import { VectorsRepo } from './db/vectors-repo'
import { VectorService } from './vectors/service'
import { listDirectory } from './services/fs-browser'
import { InfoService } from './services/info'
import { RunsRepo } from './db/runs-repo'
import { RunService } from './runs/service'
import { AutoSearches } from './runs/auto-search'
import { SettingsRepo } from './db/settings-repo'
import { appVersion } from './version'
import { unrestricted, type PathPolicy } from './security/path-policy'
import { ScoresRepo } from './db/scores-repo'
import { ScoreService } from './scoring/service'

export interface AppContextOptions {
  dataDir: string
  launcher: JobLauncher
  transport: 'electron' | 'serve' | 'cli'
  /** Native open dialog, provided by Electron main. */
  openDialog?: (options: ParsedPayload<'dialog.open'>) => Promise<{ paths: string[] }>
  /** Native save dialog, provided by Electron main. */
  saveDialog?: (options: ParsedPayload<'dialog.save'>) => Promise<{ path: string | null }>
  /** Path of a better-sqlite3 native binding built for Electron's ABI (development runs). */
  sqliteBinding?: string
  /** What requests may name on disk and network: confined in serve mode, unrestricted by default. */
  pathPolicy?: PathPolicy
  /** When the data directory cannot be written, read a copy of its history instead of failing (the CLI). */
  readOnlyFallback?: boolean
  /** Job manager tuning (tests shorten the cancel grace period). */
  jobs?: { graceMs?: number; throttleMs?: number; pollMs?: number }
}

export type EventListener = (name: EventName, data: unknown) => void

export interface AppContext {
  readonly dataDir: string
  readonly pathPolicy: PathPolicy
  /** Why the history is a read-only copy (the data directory cannot be written), or null. */
  readonly readOnly: string | null
  readonly jobs: JobManager
  readonly info: InfoService
  readonly datasets: DatasetService
  readonly vectors: VectorService
  readonly runs: RunService
  readonly auto: AutoSearches
  readonly scores: ScoreService
  /** Validates the payload against the contract and runs the handler; never throws. */
  invoke(name: string, payload: unknown): Promise<Envelope<unknown>>
  /** `invoke` typed by the contract, for in-process callers (benchmarks, tests): the result, or the error thrown. */
  request<N extends RequestName>(name: N, payload: Payload<N>): Promise<Result<N>>
  /** Every contract event, for forwarding to windows and sockets. Returns an unsubscribe function. */
  subscribe(listener: EventListener): () => void
  /** One event's data, typed. Returns an unsubscribe function. */
  on<E extends EventName>(name: E, listener: (data: EventData<E>) => void): () => void
  close(): Promise<void>
}

export function createAppContext(options: AppContextOptions): AppContext {
  const paths = dataPaths(options.dataDir)
  const { db, readOnly } = openHistory(paths.db, options)
  const repo = new JobsRepo(db)
  const interrupted = readOnly ? [] : repo.recoverInterrupted(isProcessAlive)

  const listeners = new Set<EventListener>()
  const emit = <E extends EventName>(name: E, data: EventData<E>) => {
    for (const l of listeners) l(name, data)
  }
  const subscribe = (listener: EventListener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  const on = <E extends EventName>(name: E, listener: (data: EventData<E>) => void) =>
    // emit pairs each name with its own data type
    subscribe((n, data) => n === name && listener(data as EventData<E>))
  const jobs = new JobManager(repo, options.launcher, {
    pollMs: readOnly ? 0 : undefined,
    dbPath: paths.db,
    confinement: options.pathPolicy?.confinement,
    ...options.jobs,
    onUpdate: (job: JobRecord) => emit('job.updated', job),
  })
  const info = new InfoService(jobs, {
    dataDir: options.dataDir,
    dbPath: paths.db,
    schemaVersion: () => schemaVersion(db),
  })

  const datasets = new DatasetService(new DatasetsRepo(db), jobs, paths.datasets, paths.downloads)
  const vectors = new VectorService(new VectorsRepo(db), jobs, datasets, paths.vectors, paths.downloads)
  const runs = new RunService(
    new RunsRepo(db),
    jobs,
    datasets,
    vectors,
    info,
    paths.runs,
    (update) => emit('run.updated', update),
    appVersion,
    new SettingsRepo(db),
    // The CLI starts only the runs it queued: it would take adopted ones down when it exits.
    { adopt: options.transport !== 'cli', isAlive: isProcessAlive },
  )

  // Like the import folders: what killed train jobs half-wrote, finished before close (runs.resume rewrites it anyway).
  const partialCleanup = runs.removePartialFolders(interrupted).catch(() => {})
  const auto = new AutoSearches(
    runs,
    datasets,
    (listener) => on('run.updated', listener),
    (search) => emit('auto.updated', search),
  )

  const scores = new ScoreService(new ScoresRepo(db), jobs, runs, datasets, paths.scores)
  // Awaited by close, so a short CLI command still finishes the cleanup it started.
  const strayCleanup = readOnly
    ? Promise.resolve()
    : Promise.all([datasets.removeStrayFolders(isProcessAlive), runs.removeStrayImports(isProcessAlive)]).catch(
        () => {},
      )

  const queueState = () => ({ entries: runs.queue.list(), concurrency: runs.queue.concurrency })
  // The app and serve mode start what was left queued, a CLI command what it queued; each looks
  // again every second for slots that runs of other processes free.
  if (!readOnly) {
    void runs.queue.pump()
    runs.queue.watch()
  }

  const handlers: Handlers = {
    'app.info': ({ refresh }) => info.info(refresh),
    'app.capabilities': () => ({
      transport: options.transport === 'electron' ? 'electron' : 'serve',
      nativeDialogs: options.openDialog !== undefined,
      homeDir: homedir(),
      dataDir: options.dataDir,
    }),
    'backends.detect': async () => (await info.detect(true)).backends,
    'fs.list': ({ path, showHidden }) => listDirectory(path, showHidden),
    'dialog.open': (payload) => {
      if (!options.openDialog)
        throw new ApiError(
          'unsupported',
          'Native dialogs exist only in the desktop app; use the folder browser instead.',
        )
      return options.openDialog(payload)
    },
    'dialog.save': (payload) => {
      if (!options.saveDialog)
        throw new ApiError('unsupported', 'Native dialogs exist only in the desktop app; download the file instead.')
      return options.saveDialog(payload)
    },
    'jobs.list': ({ kind, limit }) => repo.list(limit ?? 100, kind),
    'jobs.get': ({ id }) => {
      const job = repo.get(id)
      if (!job) throw new ApiError('not_found', `No job with id ${id}.`, 'id')
      return job
    },
    'jobs.cancel': ({ id }) => jobs.cancel(id),
    'datasets.preview': (request) => previewDataset(request),
    'datasets.profile': (params) => datasets.startProfile(params),
    'datasets.import': ({ spec }) => datasets.startImport(spec),
    'datasets.download': ({ url, md5, spec }) =>
      datasets.startDownload({ url, md5, settings: importSpecSchema.omit({ source: true }).parse(spec ?? {}) }),
    'datasets.list': () => datasets.list(),
    'datasets.get': ({ id }) => datasets.get(id),
    'datasets.delete': async ({ id }) => {
      runs.refuseIfDatasetInUse(id)
      await datasets.delete(id)
      return { id }
    },
    'vectors.inspect': (p) => vectors.inspect(p),
    'vectors.fixHeader': (p) => vectors.fixHeader(p),
    'vectors.members': async ({ path }) => ({ members: await vectors.members(path) }),
    'vectors.download': ({ url, md5 }) => vectors.download(url, md5),
    'vectors.add': (p) => vectors.add(p),
    'vectors.list': () => vectors.list(),
    'vectors.delete': async ({ id }) => {
      await vectors.delete(id)
      return { id }
    },
    'vectors.coverage': (p) => vectors.embedding(p),
    'presets.list': () => runs.presets(),
    'runs.start': (request) => runs.start(request),
    'runs.list': ({ limit }) => runs.list(limit),
    'runs.get': ({ id }) => runs.get(id),
    'runs.history': ({ id, maxSteps }) => runs.history(id, maxSteps),
    'runs.cancel': ({ id }) => runs.cancel(id),
    'runs.resume': ({ id }) => runs.resume(id),
    'runs.delete': async ({ id }) => {
      await runs.delete(id)
      return { id }
    },
    'runs.wordVectors': ({ id, count }) => runs.wordVectors(id, count),
    'runs.exportModel': ({ id, out }) => runs.exportModel(id, out),
    'runs.query': (q) => runs.query(q),
    'runs.facets': () => runs.facets(),
    'runs.update': (change) => runs.update(change),
    'runs.compare': ({ ids }) => runs.compare(ids),
    'runs.repeat': ({ id, count }) => runs.repeat(id, count),
    'runs.sweep': (request) => runs.sweep(request),
    'auto.start': (request) => auto.start(request),
    'auto.get': ({ id }) => auto.get(id),
    'auto.list': () => auto.list(),
    'auto.cancel': ({ id }) => auto.cancel(id),
    'runs.export': async ({ id, path }) => ({ id, path, ...(await runs.exportRun(id, path)) }),
    'runs.import': ({ path }) => runs.importRun(path),
    'queue.list': () => queueState(),
    'queue.move': ({ id, position }) => (runs.queue.move(id, position), queueState()),
    'queue.setConcurrency': ({ concurrency }) => (runs.queue.setConcurrency(concurrency), queueState()),
    'scores.start': (request) => scores.start(request),
    'scores.list': ({ runId }) => scores.list(runId),
    'scores.get': ({ id }) => scores.get(id),
    'scores.results': (query) => scores.results(query),
    'scores.summary': ({ id }) => scores.summary(id),
    'scores.row': ({ id, idx }) => scores.row(id, idx),
    'scores.rename': ({ id, name }) => scores.rename(id, name),
    'scores.cancel': ({ id }) => scores.cancel(id),
    'scores.delete': async ({ id }) => {
      await scores.delete(id)
      return { id }
    },
    'scores.export': ({ id, path, format }) => scores.export(id, path, format),
    predict: ({ runId, text, explain }) => scores.predict(runId, text, explain),
    'predict.warm': ({ runId }) => ({ jobId: scores.warm(runId).id }),
  }
  const pathPolicy = options.pathPolicy ?? unrestricted
  const invoke = createRouter(handlers, pathPolicy)

  let closed = false
  return {
    dataDir: options.dataDir,
    pathPolicy,
    readOnly,
    jobs,
    info,
    datasets,
    vectors,
    runs,
    auto,
    scores,
    invoke,
    async request(name, payload) {
      const answer = await invoke(name, payload)
      if (!answer.ok) throw ApiError.from(answer.error)
      // The router answered this request's handler, whose result the contract types.
      return answer.result as Result<typeof name>
    },
    subscribe,
    on,
    async close() {
      if (closed) return
      closed = true
      runs.queue.stop()
      await jobs.shutdown()
      await strayCleanup
      await partialCleanup
      listeners.clear()
      db.close()
      if (readOnly) rmSync(dirname(db.name), { recursive: true, force: true })
    },
  }
}

/** The database, or, where the data directory cannot be written and the caller allows it, a read-only copy. */
function openHistory(file: string, options: AppContextOptions): { db: Db; readOnly: string | null } {
  try {
    return { db: openDatabase(file, { nativeBinding: options.sqliteBinding }), readOnly: null }
  } catch (err) {
    if (!(err instanceof HistoryOpenError) || !options.readOnlyFallback) throw err
    const snapshot = openSnapshot(file, { nativeBinding: options.sqliteBinding })
    if (!snapshot) throw err
    return { db: snapshot, readOnly: err.message }
  }
}
