/**
 * The one contract between the renderer and main. Every request (name, payload schema, result type)
 * and every event is declared here once; main validates payloads against these schemas, the preload
 * and the renderer's api client are typed from them, and tests call the same handlers.
 */
import { z } from 'zod'
import type { JobKind, JobOf } from './job-catalog'
import type { AppInfo, BackendStatus, Capabilities, DirListing, JobRecord } from './types'
import {
  importSpecSchema,
  profileParamsSchema,
  preprocessSchema,
  sequenceSchema,
  sourceSpecSchema,
  vocabSchema,
  type DatasetPreview,
  type DatasetSummary,
} from './datasets'
import type { VectorFileRecord } from './vectors'
import type { ModelExport } from './model-export'
import type { Preset } from './training/presets'
import type { RunHistory, RunRecord, RunUpdate, WordVectors } from './training/results'
import { trainRequestSchema } from './training/settings'
import { sweepRequestSchema } from './training/sweep'
import { autoRequestSchema, type AutoSearch } from './training/auto'
import { fetchedUrl, filePath } from './path-fields'
import {
  predictRequestSchema,
  scoreRequestSchema,
  scoreResultsQuerySchema,
  type Prediction,
  type ScoreRecord,
  type ScoreResultsPage,
  type ScoreRowDetail,
  type ScoreSummary,
} from './scoring'
import {
  runsQuerySchema,
  runUpdateSchema,
  type QueueState,
  type RunComparison,
  type RunImport,
  type RunFacets,
  type RunPage,
} from './runs'

/** A request: its payload schema, with the result type carried as a phantom, and the job kind it starts, if any. */
function request<R>() {
  return <P extends z.ZodType, const K extends JobKind | null = null>(payload: P, starts: K = null as K) => ({
    payload,
    starts,
    result: undefined as unknown as R,
  })
}
/** A request that starts a job of `kind` and answers with its record at once (`job.updated` follows it). */
function jobRequest<K extends JobKind>(kind: K) {
  return <P extends z.ZodType>(payload: P) => request<JobOf<K>>()(payload, kind)
}
/** An event: only its data type. */
function event<D>() {
  return { data: undefined as unknown as D }
}

const id = z.string().min(1, 'must not be empty').max(200)
const path = filePath(z.string().min(1, 'must not be empty').max(4096))
const member = z.string().min(1).max(1000).optional()
/** Where a download comes from: the official address unless `url` says otherwise, checked by `md5` when given. */
const downloadSource = z.object({
  url: fetchedUrl(z.url({ protocol: /^https?$/ })).optional(),
  md5: z
    .string()
    .regex(/^[0-9a-f]{32}$/i)
    .optional(),
})

export const requests = {
  /** App version, data directory, runtime versions and the tfjs backends found. */
  'app.info': request<AppInfo>()(z.object({ refresh: z.boolean().optional() }).strict()),
  /** What this transport can do (native dialogs or the server-side picker). */
  'app.capabilities': request<Capabilities>()(z.object({}).strict()),
  /** Re-run backend detection in job processes. */
  'backends.detect': request<BackendStatus[]>()(z.object({}).strict()),
  /** The server-side file and folder picker: one directory's entries with sizes and kinds. */
  'fs.list': request<DirListing>()(
    z
      .object({
        path: filePath(z.string().max(4096)).optional(),
        showHidden: z.boolean().optional(),
      })
      .strict(),
  ),
  /** A native open dialog (Electron only; serve mode answers `unsupported`). */
  'dialog.open': request<{ paths: string[] }>()(
    z
      .object({
        kind: z.enum(['file', 'folder']),
        title: z.string().max(200).optional(),
        multiple: z.boolean().optional(),
        filters: z.array(z.object({ name: z.string().max(100), extensions: z.array(z.string().max(20)) })).optional(),
      })
      .strict(),
  ),
  /** A native save dialog (Electron only; serve mode answers `unsupported` and downloads over HTTP instead). */
  'dialog.save': request<{ path: string | null }>()(
    z
      .object({
        title: z.string().max(200).optional(),
        /** The file name offered. */
        suggestedName: z.string().max(255).optional(),
        filters: z.array(z.object({ name: z.string().max(100), extensions: z.array(z.string().max(20)) })).optional(),
      })
      .strict(),
  ),
  'jobs.list': request<JobRecord[]>()(
    z
      .object({
        kind: z.string().max(100).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
  ),
  'jobs.get': request<JobRecord>()(z.object({ id }).strict()),
  'jobs.cancel': request<JobRecord>()(z.object({ id }).strict()),
  /** The first examples of a source as detected, with cleaning and tokens, and figures from that sample. */
  'datasets.preview': request<DatasetPreview>()(
    z
      .object({
        source: sourceSpecSchema,
        preprocess: preprocessSchema.optional(),
        vocab: vocabSchema.optional(),
        sequence: sequenceSchema.optional(),
        count: z.number().int().min(1).max(2000).optional(),
      })
      .strict(),
  ),
  /** Reads the whole source once (a job): class shares, lengths and vocabulary of all of it, for the wizard. */
  'datasets.profile': jobRequest('profile-source')(profileParamsSchema.strict()),
  /** Starts an import job; its result is the new dataset. */
  'datasets.import': jobRequest('import-dataset')(z.object({ spec: importSpecSchema }).strict()),
  /** Downloads aclImdb (from `url`, default the official address) and imports it; a job like `datasets.import`. */
  'datasets.download': jobRequest('get-imdb')(
    downloadSource.extend({ spec: importSpecSchema.omit({ source: true }).optional() }).strict(),
  ),
  'datasets.list': request<DatasetSummary[]>()(z.object({}).strict()),
  'datasets.get': request<DatasetSummary>()(z.object({ id }).strict()),
  'datasets.delete': request<{ id: string }>()(z.object({ id }).strict()),
  'vectors.inspect': jobRequest('inspect-vectors')(z.object({ path, member }).strict()),
  'vectors.fixHeader': jobRequest('fix-vector-header')(
    z
      .object({
        path,
        member,
        out: filePath(z.string().min(1).max(4096)).optional(),
        remove: z.boolean().optional(),
        dropBadLines: z.boolean().optional(),
      })
      .strict(),
  ),
  /** The text files inside a .zip (glove.6B.zip holds four), or null for a plain or gzipped file. */
  'vectors.members': request<{ members: { name: string; size: number }[] | null }>()(z.object({ path }).strict()),
  /** Downloads glove.6B.zip (from `url`, default the official address) into the data directory; the result is its path. */
  'vectors.download': jobRequest('download-glove')(downloadSource.strict()),
  'vectors.add': jobRequest('register-vectors')(z.object({ path, member }).strict()),
  'vectors.list': request<VectorFileRecord[]>()(z.object({}).strict()),
  'vectors.delete': request<{ id: string }>()(z.object({ id }).strict()),
  'vectors.coverage': jobRequest('build-embedding')(
    z
      .object({
        vectorsId: id,
        datasetId: id,
        foldCase: z.boolean().default(true),
        oov: z.enum(['zeros', 'random']).default('zeros'),
        seed: z.number().int().default(42),
      })
      .strict(),
  ),
  /** The named, validated configurations of the seed pipelines. */
  'presets.list': request<Preset[]>()(z.object({}).strict()),
  /** Queues a training run, started at once when the queue has a free slot; `run.updated` follows it. */
  'runs.start': request<RunRecord>()(trainRequestSchema, 'train'),
  'runs.list': request<RunRecord[]>()(z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict()),
  'runs.get': request<RunRecord>()(z.object({ id }).strict()),
  /** The run's curves, with per-step points thinned to at most `maxSteps` (every point when absent). */
  'runs.history': request<RunHistory>()(
    z.object({ id, maxSteps: z.number().int().min(10).max(1_000_000).optional() }).strict(),
  ),
  'runs.cancel': request<RunRecord>()(z.object({ id }).strict()),
  /** Continues an interrupted, failed or cancelled run from its last checkpoint (through the queue). */
  'runs.resume': request<RunRecord>()(z.object({ id }).strict(), 'train'),
  'runs.delete': request<{ id: string }>()(z.object({ id }).strict()),
  // The run history (issue 11): the Runs table's pages, its filters' values, edits and comparisons.
  'runs.query': request<RunPage>()(runsQuerySchema),
  'runs.facets': request<RunFacets>()(z.object({}).strict()),
  /** Renames, notes, stars or retags a run. */
  'runs.update': request<RunRecord>()(runUpdateSchema),
  'runs.compare': request<RunComparison>()(z.object({ ids: z.array(id).min(2).max(20) }).strict()),
  /** Queues `count` runs of the run's config with the next seeds, grouped with it. */
  'runs.repeat': request<RunRecord[]>()(z.object({ id, count: z.number().int().min(1).max(50) }).strict()),
  /** Queues a grid or a random sample of configs as one group, each checked before any is queued. */
  'runs.sweep': request<{ groupId: string; runs: RunRecord[] }>()(sweepRequestSchema, 'train'),
  /** The Auto preset: a search of model kinds and settings within a time budget, its trials one run group. */
  'auto.start': request<AutoSearch>()(autoRequestSchema, 'train'),
  'auto.get': request<AutoSearch>()(z.object({ id }).strict()),
  'auto.list': request<AutoSearch[]>()(z.object({}).strict()),
  'auto.cancel': request<AutoSearch>()(z.object({ id }).strict()),
  /** Writes an ended run (settings, figures, curves, predictions, model) to one .tar.gz archive. */
  'runs.export': request<{ id: string; path: string; bytes: number }>()(z.object({ id, path }).strict()),
  /** Adds the run in an archive to this history; a newer or damaged archive is refused and changes nothing. */
  'runs.import': request<RunImport>()(z.object({ path }).strict()),
  /** Runs waiting to train, in order; cancel one with runs.cancel. */
  'queue.list': request<QueueState>()(z.object({}).strict()),
  'queue.move': request<QueueState>()(z.object({ id, position: z.number().int().min(1) }).strict()),
  'queue.setConcurrency': request<QueueState>()(z.object({ concurrency: z.number().int().min(1).max(16) }).strict()),
  /** The learned vectors of the model's `count` most frequent words (for a 2-D map of the embeddings). */
  'runs.wordVectors': request<WordVectors>()(
    z.object({ id, count: z.number().int().min(10).max(5000).default(500) }).strict(),
  ),
  /** Writes the run's model, its preprocessing, `sentiment.mjs` and `index.html` to the folder `out`. */
  'runs.exportModel': request<ModelExport>()(z.object({ id, out: path }).strict()),
  /** Scores an input (folder, delimited or fastText file, dataset split) with a run's model: a `score` job. */
  'scores.start': jobRequest('score')(scoreRequestSchema),
  'scores.list': request<ScoreRecord[]>()(z.object({ runId: id.optional() }).strict()),
  'scores.get': request<ScoreRecord>()(z.object({ id }).strict()),
  /** A page of results, sorted and filtered server-side. */
  'scores.results': request<ScoreResultsPage>()(scoreResultsQuerySchema),
  /** Counts per predicted label and a histogram of the scores. */
  'scores.summary': request<ScoreSummary>()(z.object({ id }).strict()),
  /** One result with its full text. */
  'scores.row': request<ScoreRowDetail>()(z.object({ id, idx: z.number().int().min(0) }).strict()),
  'scores.rename': request<ScoreRecord>()(z.object({ id, name: z.string().trim().min(1).max(200) }).strict()),
  'scores.cancel': request<ScoreRecord>()(z.object({ id }).strict()),
  /** Deletes the score job with its files. */
  'scores.delete': request<{ id: string }>()(z.object({ id }).strict()),
  /** Writes the results to a CSV or JSON Lines file (by `format`, else the extension), streamed. */
  'scores.export': request<{ path: string; rows: number }>()(
    z.object({ id, path, format: z.enum(['csv', 'jsonl']).optional() }).strict(),
  ),
  /** One text's label and probabilities, with `explain` each token's weight (asked of the run's `predictor` job). */
  predict: request<Prediction>()(predictRequestSchema, 'predictor'),
  /**
   * Starts the run's predictor job (if none runs) so the first `predict` finds tfjs and the model
   * loaded: asked when a run is chosen for prediction. Its progress turns non-null once it is ready.
   */
  'predict.warm': request<{ jobId: string }>()(z.object({ runId: id }).strict(), 'predictor'),
} as const

export const events = {
  /** A job changed: status, or progress (throttled per job). */
  'job.updated': event<JobRecord>(),
  /** A training run's new points and log lines, at a bounded rate. */
  'run.updated': event<RunUpdate>(),
  /** An Auto search's trials and phase changed. */
  'auto.updated': event<AutoSearch>(),
} as const

export type RequestName = keyof typeof requests
export type EventName = keyof typeof events
export type Payload<N extends RequestName> = z.input<(typeof requests)[N]['payload']>
export type ParsedPayload<N extends RequestName> = z.output<(typeof requests)[N]['payload']>
export type Result<N extends RequestName> = (typeof requests)[N]['result']
export type EventData<E extends EventName> = (typeof events)[E]['data']

export const requestNames = Object.keys(requests) as RequestName[]

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requests, name)
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name)
}

/** The typed surface every transport offers the renderer (Electron bridge, WebSocket, tests). */
export interface StudioApi {
  invoke<N extends RequestName>(name: N, payload: Payload<N>): Promise<Result<N>>
  subscribe<E extends EventName>(name: E, listener: (data: EventData<E>) => void): () => void
}
