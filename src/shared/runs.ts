/**
 * The run history's queries: what the Runs table and `runs list` may sort and filter by, the rows
 * they get back, and what a comparison of runs answers. Keys are the dotted names of the run's JSON
 * (`test.accuracy`, `config.learningRate`), the same in the app, the contract and the CLI.
 */
import { z } from 'zod'
import { trainConfigSchema, type TrainConfig } from './training/config'
import type { RunRecord } from './training/results'
import type { BackendName, JobStatus } from './types'

export const runStatuses = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
] as const satisfies readonly JobStatus[]

/** Keys of the run itself (not of its config) a query sorts by. */
export const runFieldKeys = [
  'name',
  'status',
  'dataset',
  'model',
  'preset',
  'backend',
  'createdAt',
  'durationMs',
  'test.accuracy',
  'test.f1',
  'bestValidation.accuracy',
  'bestValidation.loss',
  'starred',
] as const
export type RunFieldKey = (typeof runFieldKeys)[number]
/** The numeric keys a range filter takes, besides numeric config fields. */
export const runMetricKeys = [
  'test.accuracy',
  'test.f1',
  'bestValidation.accuracy',
  'bestValidation.loss',
  'durationMs',
] as const

export const configKeys = Object.keys(trainConfigSchema.shape) as (keyof TrainConfig)[]

/** A run key (`test.accuracy`) or a config key (`config.learningRate`). */
export type RunKey = RunFieldKey | `config.${keyof TrainConfig}`
export function isRunKey(key: string): key is RunKey {
  if ((runFieldKeys as readonly string[]).includes(key)) return true
  return key.startsWith('config.') && (configKeys as string[]).includes(key.slice(7))
}
const runKey = z.string().refine(isRunKey, {
  message: `expected one of ${runFieldKeys.join(', ')} or config.FIELD`,
})
/** A key with `-` in front for descending. */
const sortKey = z.string().refine((s) => isRunKey(s.replace(/^-/, '')), {
  message: `expected a key (${runFieldKeys.join(', ')} or config.FIELD), with - in front for descending`,
})

export const runsQuerySchema = z
  .object({
    status: z.array(z.enum(runStatuses)).max(6).optional(),
    datasetId: z.string().min(1).max(200).optional(),
    model: z.string().min(1).max(100).optional(),
    tag: z.string().min(1).max(100).optional(),
    groupId: z.string().min(1).max(200).optional(),
    starred: z.boolean().optional(),
    /** Words found in the name, note, preset, dataset name, tags or id. */
    text: z.string().max(200).optional(),
    ranges: z
      .array(z.object({ key: runKey, min: z.number().optional(), max: z.number().optional() }).strict())
      .max(10)
      .optional(),
    sort: sortKey.default('-createdAt'),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(50),
  })
  .strict()
export type RunsQuery = z.input<typeof runsQuerySchema>
export type ParsedRunsQuery = z.output<typeof runsQuerySchema>

/** One row of the Runs table: the run without its curves and test details. */
export interface RunRow {
  id: string
  name: string
  status: JobStatus
  datasetId: string | null
  datasetName: string | null
  preset: string | null
  model: string
  backend: BackendName | null
  config: TrainConfig
  testAccuracy: number | null
  testF1: number | null
  bestValAccuracy: number | null
  bestValLoss: number | null
  durationMs: number | null
  createdAt: string
  tags: string[]
  note: string
  starred: boolean
  groupId: string | null
}

export interface RunPage {
  rows: RunRow[]
  /** Runs matching the filters, over all pages. */
  total: number
}

/** What the filters offer: the values present in the history. */
export interface RunFacets {
  datasets: { id: string; name: string }[]
  models: string[]
  tags: string[]
}

const tag = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(60)
  .regex(/^[^,]+$/, 'must not contain commas')
export const runUpdateSchema = z
  .object({
    id: z.string().min(1).max(200),
    name: z.string().trim().min(1, 'must not be empty').max(200).optional(),
    note: z.string().max(10_000).optional(),
    starred: z.boolean().optional(),
    /** The run's whole set of tags. */
    tags: z.array(tag).max(50).optional(),
  })
  .strict()
export type RunUpdateRequest = z.input<typeof runUpdateSchema>

/** McNemar's test of two runs' per-example test predictions. */
export interface McNemarResult {
  runs: [string, string]
  /** Examples run A got wrong and run B right, and the other way round. */
  onlyAWrong: number
  onlyBWrong: number
  pValue: number
  /** At 5%. */
  significant: boolean
  method: 'exact' | 'chi-square'
  /** The p-value in words. */
  sentence: string
}

export interface MetricSummary {
  /** The best value over the epochs, the epoch it came at, and the last epoch's value. */
  best: number | null
  bestEpoch: number | null
  final: number | null
}

export interface RunComparison {
  runs: RunRecord[]
  /** Config keys whose values differ between the runs. */
  differing: (keyof TrainConfig)[]
  /** Per run (same order), per metric: train/val loss and accuracy over the epochs. */
  metrics: Record<'trainLoss' | 'trainAccuracy' | 'valLoss' | 'valAccuracy', MetricSummary>[]
  /** One per pair of runs tested on the same split whose predictions are stored. */
  mcnemar: McNemarResult[]
}

/** A run waiting in the training queue. */
export interface QueueEntry {
  runId: string
  name: string
  /** 1 = the next to start. */
  position: number
  /** From the typical duration of recent runs; null before any has finished. */
  estimatedStart: string | null
}

export interface QueueState {
  entries: QueueEntry[]
  /** How many runs train at once. */
  concurrency: number
}

/** What `runs.import` added: the run, and what changed on the way in. */
export interface RunImport {
  run: RunRecord
  /** The archive's run id was taken in this history, so the run got a new one. */
  idChanged: boolean
  /** No dataset here has the run's content fingerprint: the run keeps the dataset's name only. */
  datasetAbsent: boolean
}
