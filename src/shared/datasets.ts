/**
 * Dataset import: the settings a user chooses in the wizard or on the command line, and what an
 * imported dataset reports. Schemas here are the contract's; main validates against them.
 */
import { z } from 'zod'

export const sourceFormats = ['aclimdb', 'folder', 'fasttext', 'delimited', 'lines'] as const
export type SourceFormat = (typeof sourceFormats)[number]

export const encodings = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1'] as const
export type Encoding = (typeof encodings)[number]

const column = z.union([z.string().min(1), z.number().int().min(0)])

export const sourceSpecSchema = z
  .object({
    format: z.enum([...sourceFormats, 'auto']).default('auto'),
    /** The file or folder (every format but `lines`). */
    path: z.string().min(1).optional(),
    /** `lines`: one file per class. */
    classFiles: z.array(z.object({ path: z.string().min(1), className: z.string().min(1) })).optional(),
    /** fastText and delimited: a separate test file. */
    testPath: z.string().min(1).optional(),
    encoding: z.enum(encodings).default('auto'),
    /** Read only the first N examples of each file (fastText, delimited, lines). */
    limit: z.number().int().positive().optional(),
    labelPrefix: z.string().min(1).default('__label__'),
    /** Delimited: one character; undefined = detect. */
    delimiter: z.string().length(1).optional(),
    /** Delimited: undefined = detect. */
    header: z.boolean().optional(),
    quoting: z.boolean().default(true),
    textColumn: column.optional(),
    labelColumn: column.optional(),
    /** Raw label → class name. When given, a raw label not in it is an error. */
    labelMap: z.record(z.string(), z.string().min(1)).optional(),
    /** Numeric labels (e.g. 1-5 stars): below → one class, at or above → the other; `drop` values are skipped. */
    labelThreshold: z
      .object({
        threshold: z.number(),
        below: z.string().min(1),
        atOrAbove: z.string().min(1),
        drop: z.array(z.number()).default([]),
      })
      .optional(),
  })
  .strict()
export type SourceSpec = z.output<typeof sourceSpecSchema>

export const preprocessSchema = z
  .object({
    stripHtml: z.boolean().default(true),
    lowercase: z.boolean().default(false),
    /** basic: URLs to <url> and digits to 0 (the Amazon LSTM); kim: Kim's clean_str. */
    clean: z.enum(['none', 'basic', 'kim']).default('none'),
    tokenizer: z.enum(['whitespace', 'word']).default('word'),
  })
  .strict()
export type PreprocessSpec = z.output<typeof preprocessSchema>

export const vocabSchema = z
  .object({
    minCount: z.number().int().min(1).default(1),
    maxSize: z.number().int().min(3).optional(),
  })
  .strict()

export const sequenceSchema = z
  .object({
    maxLen: z.number().int().min(1).max(100_000).default(400),
    padding: z.enum(['pre', 'post']).default('post'),
    truncating: z.enum(['pre', 'post']).default('post'),
  })
  .strict()

export const splitSchema = z
  .object({
    /** ratio: carve validation from train; halve-test: the test set's halves become validation and test. */
    mode: z.enum(['ratio', 'halve-test']).default('ratio'),
    valRatio: z.number().min(0).max(0.9).default(0.2),
    /** Share held out for test when the source has no test split of its own. */
    testRatio: z.number().min(0).max(0.9).default(0.2),
    stratified: z.boolean().default(true),
    seed: z.number().int().default(42),
  })
  .strict()

export const importSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    source: sourceSpecSchema,
    preprocess: preprocessSchema.default(preprocessSchema.parse({})),
    vocab: vocabSchema.default(vocabSchema.parse({})),
    sequence: sequenceSchema.default(sequenceSchema.parse({})),
    split: splitSchema.default(splitSchema.parse({})),
  })
  .strict()
export type ImportSpec = z.output<typeof importSpecSchema>
export type ImportSpecInput = z.input<typeof importSpecSchema>

export type SplitName = 'train' | 'val' | 'test'

/** A file or line that was skipped, and why. */
export interface SourceProblem {
  /** The file, or file:line. */
  where: string
  message: string
}

export interface LengthStats {
  mean: number
  median: number
  p90: number
  p95: number
  max: number
  /** Share of training examples whose token count is at most maxLen. */
  fitShare: number
  histogram: { edges: number[]; counts: number[] }
}

export interface DatasetSummary {
  id: string
  name: string
  format: SourceFormat
  sourcePath: string
  encoding: string
  classes: string[]
  counts: Record<SplitName, number>
  classCounts: Record<SplitName, number[]>
  vocabSize: number
  lengths: LengthStats
  /** Examples whose raw text repeats an earlier one; distinct texts found in both training (train or val) and test. */
  duplicates: { repeated: number; trainTestOverlap: number }
  skipped: { count: number; first: SourceProblem[] }
  settings: ImportSpec
  fingerprint: string
  createdAt: string
  durationMs: number
}

/** One example as the wizard shows it: raw, cleaned and tokenized. */
export interface PreviewRow {
  text: string
  label: string
  split: 'train' | 'test' | null
  source: string
  rating?: number
  cleaned: string
  tokens: string[]
}

export interface DatasetPreview {
  format: SourceFormat
  /** Why that format was chosen (detection), or "chosen by you". */
  formatReason: string
  encoding: string
  /** Delimited sources: the columns found, and the delimiter and header used. */
  columns: string[] | null
  delimiter: string | null
  header: boolean | null
  rows: PreviewRow[]
  /** Raw labels seen in the sample, with counts. */
  labelsSeen: Record<string, number>
  problems: SourceProblem[]
  /** Figures from the sample only: token counts and the vocabulary the settings would keep. */
  sample: { size: number; lengths: LengthStats; vocabSize: number }
}
