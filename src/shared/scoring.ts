/**
 * Scoring: a trained run's model on new text (a folder, a delimited or fastText file, an imported
 * dataset's split), evaluation when the input carries labels, and one-text prediction. Plain data and
 * zod: main, job processes and the renderer import it.
 */
import { z } from 'zod'
import { columnSchema } from './columns'
import { encodings } from './datasets'
import { backendNames } from './types'
import { filePath } from './path-fields'
import type { TestMetrics } from './training/results'

const path = filePath(z.string().min(1, 'must not be empty').max(4096))
const encoding = z.enum(encodings).default('auto')

/** Where the reviews come from. A folder's files are labelled by their parent folder (aclImdb's pos/ and neg/). */
export const scoreInputSchema = z.discriminatedUnion('format', [
  z
    .object({
      format: z.literal('folder'),
      path,
      /** File name endings read (recursively); others are not reviews. */
      extensions: z.array(z.string().min(1).max(20)).min(1).default(['.txt']),
      encoding,
    })
    .strict(),
  z
    .object({
      format: z.literal('delimited'),
      path,
      /** Header name or 0-based index; guessed (the longest cells) when absent. */
      textColumn: columnSchema.optional(),
      idColumn: columnSchema.optional(),
      /** A column of true labels: the scores are then also evaluated. */
      labelColumn: columnSchema.optional(),
      delimiter: z.string().length(1).optional(),
      header: z.boolean().optional(),
      encoding,
    })
    .strict(),
  z
    .object({
      format: z.literal('fasttext'),
      path,
      labelPrefix: z.string().min(1).default('__label__'),
      encoding,
    })
    .strict(),
  z
    .object({
      format: z.literal('dataset'),
      datasetId: z.string().min(1).max(200),
      split: z.enum(['train', 'val', 'test']).default('test'),
    })
    .strict(),
])
export type ScoreInput = z.output<typeof scoreInputSchema>
export type ScoreInputFormat = ScoreInput['format']

/** Texts longer than this are listed as oversized, not scored. */
export const maxReviewBytes = 1 << 20

export const scoreRequestSchema = z
  .object({
    runId: z.string().min(1).max(200),
    input: scoreInputSchema,
    /** The input's label → the model's class name, when they differ (`1=neg,2=pos`). */
    labelMap: z.record(z.string(), z.string().min(1)).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    /** The backend to score on (its ladder falls back from there): the run's own by default. */
    backend: z.enum(backendNames).optional(),
  })
  .strict()
export type ScoreRequest = z.output<typeof scoreRequestSchema>
export type ScoreRequestInput = z.input<typeof scoreRequestSchema>

/** What the score job process gets: the request made concrete by main. */
export const scoreParamsSchema = z.object({
  scoreId: z.string(),
  /** The run's model bundle. */
  bundleDir: z.string(),
  /** `scores/<id>/`: the results and the skipped inputs are written there as they come. */
  outDir: z.string(),
  backend: z.enum(backendNames),
  input: scoreInputSchema,
  /** For a dataset input: its folder and classes. */
  dataset: z.object({ dir: z.string(), classes: z.array(z.string()) }).optional(),
  labelMap: z.record(z.string(), z.string()).optional(),
  batchSize: z.number().int().min(1).default(256),
})
export type ScoreParams = z.output<typeof scoreParamsSchema>

/** One scored input, as main keeps it (SQLite) and the table shows it. */
export interface ScoreRow {
  idx: number
  /** The file (relative to the folder), file:line, or the id column's value. */
  source: string
  /** The first words of the text. */
  snippet: string
  label: string
  /** The probability of the predicted label. */
  confidence: number
  /** Every class's probability, in the model's class order. */
  probs: number[]
  /** The true label (mapped to the model's classes), when the input has one. */
  truth: string | null
}

/**
 * Consecutive scored inputs as columns, as the job streams them to main: typed arrays and two lists
 * of strings cross between processes far more cheaply than an object per row.
 */
export interface ScoredRows {
  /** The first row's idx (row i's is first + i). */
  first: number
  sources: string[]
  snippets: string[]
  /** Each row's predicted class (an index into the model's classes). */
  labels: Uint16Array
  /** Each row's true class index, or -1 when it has none. */
  truths: Int32Array
  /** Every class's probability, row after row. */
  probs: Float32Array
  /** Where each row's line lies in `results.jsonl` (bytes). */
  offsets: Float64Array
  lengths: Uint32Array
}

export interface SkippedInput {
  path: string
  reason: string
}

/** What the job streams to main as it scores. */
export interface ScoreEvent {
  rows: ScoredRows[]
  skipped: SkippedInput[]
}

export interface ScoreEvaluation {
  /** Inputs with a true label (only these are evaluated). */
  labelled: number
  metrics: TestMetrics
  /** The wrong predictions made with the most confidence, to read. */
  mistakes: ScoreRow[]
  /** Input labels that matched none of the model's classes, with counts (not evaluated). */
  unmatchedLabels: Record<string, number>
}

export interface ScoreOutcome {
  scored: number
  skippedCount: number
  /** The first skipped inputs (all of them are in `skipped.jsonl`). */
  skipped: SkippedInput[]
  durationMs: number
  reviewsPerSecond: number
  evaluation: ScoreEvaluation | null
  backend: string
  /** The job process's peak resident memory. */
  peakRssMb: number
}

export type ScoreStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'

export interface ScoreRecord {
  id: string
  name: string
  runId: string
  jobId: string | null
  input: ScoreInput
  labelMap: Record<string, string> | null
  /** Where the input is, as people read it. */
  sourcePath: string
  status: ScoreStatus
  classes: string[]
  scored: number
  skippedCount: number
  skipped: SkippedInput[]
  durationMs: number | null
  reviewsPerSecond: number | null
  evaluation: ScoreEvaluation | null
  error: string | null
  createdAt: string
  finishedAt: string | null
}

export const scoreSorts = ['idx', 'confidence', 'label', 'source'] as const

export const scoreResultsQuerySchema = z
  .object({
    id: z.string().min(1).max(200),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(1000).default(50),
    sort: z.enum(scoreSorts).default('idx'),
    order: z.enum(['asc', 'desc']).default('asc'),
    label: z.string().max(200).optional(),
    minConfidence: z.number().min(0).max(1).optional(),
    maxConfidence: z.number().min(0).max(1).optional(),
    /** Only rows whose prediction differs from their true label. */
    mistakes: z.boolean().optional(),
  })
  .strict()
export type ScoreResultsQuery = z.input<typeof scoreResultsQuerySchema>

export interface ScoreResultsPage {
  total: number
  rows: ScoreRow[]
}

/** Counts per predicted label and a histogram of the scores (P(second class) for two classes, else confidence). */
export interface ScoreSummary {
  counts: Record<string, number>
  histogram: { edges: number[]; counts: Record<string, number[]> }
  /** What the histogram's axis is. */
  histogramOf: string
}

export interface ScoreRowDetail extends ScoreRow {
  text: string
}

export const predictRequestSchema = z
  .object({
    runId: z.string().min(1).max(200),
    text: z.string().max(maxReviewBytes),
    explain: z.boolean().default(false),
  })
  .strict()

export const predictorParamsSchema = z.object({
  bundleDir: z.string(),
  backend: z.enum(backendNames),
  /** The process ends after this long without a request. */
  idleMs: z.number().int().min(1),
})

/** One prediction asked of a predictor job. */
export interface PredictQuery {
  text: string
  explain: boolean
}

export interface TokenWeight {
  text: string
  /** How much the predicted label's probability drops when the token is left out (negative: it pushed the other way). */
  weight: number
  inVocabulary: boolean
}

export interface Prediction {
  label: string
  probability: number
  probabilities: Record<string, number>
  tokens?: TokenWeight[]
}

/** `1=neg,2=pos` → {1: 'neg', 2: 'pos'}; an error names the bad pair. */
export function parseLabelMap(text: string): Record<string, string> {
  const map: Record<string, string> = {}
  for (const pair of text.split(',')) {
    const m = /^\s*([^=]+?)\s*=\s*(.+?)\s*$/.exec(pair)
    if (!m) throw new Error(`"${pair}" is not FROM=TO (e.g. 1=neg,2=pos).`)
    map[m[1]!] = m[2]!
  }
  return map
}

/** A score job's batches: the first of 16 inputs, so the first results show at once, each next one twice as big up to `batchSize`. */
export const scoreBatchSize = (flushes: number, batchSize: number) => Math.min(batchSize, 16 << Math.min(flushes, 20))
