/**
 * Dataset import: the settings a user chooses in the wizard or on the command line, and what an
 * imported dataset reports. Schemas here are the contract's; main validates against them.
 */
import { z } from 'zod'
import { filePath } from './path-fields'
import { columnSchema } from './columns'

export const sourceFormats = ['aclimdb', 'folder', 'fasttext', 'delimited', 'lines', 'treebank'] as const
export type SourceFormat = (typeof sourceFormats)[number]

export const encodings = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'latin1'] as const
export type Encoding = (typeof encodings)[number]

/** How to read a source, whatever its format; a reader uses the options that concern it and ignores the rest. */
const sourceOptions = z.object({
  /** fastText, delimited and treebank: a separate test file. */
  testPath: z.string().min(1).optional(),
  encoding: z.enum(encodings).default('auto'),
  /** Read only the first N examples of each file (fastText, delimited, lines). */
  limit: z.number().int().positive().optional(),
  /** fastText (and detecting it). */
  labelPrefix: z.string().min(1).default('__label__'),
  /** Delimited: one character; undefined = detect. */
  delimiter: z.string().length(1).optional(),
  /** Delimited: undefined = detect. */
  header: z.boolean().optional(),
  quoting: z.boolean().default(true),
  /**
   * Treebank: every labelled phrase of a training tree is a training example too (validation and
   * test stay whole sentences, labelled by their root).
   */
  phrases: z.boolean().default(true),
  /** Delimited: keep a label column whose classes are mostly single examples (refused otherwise). */
  allowManyClasses: z.boolean().optional(),
  textColumn: columnSchema.optional(),
  labelColumn: columnSchema.optional(),
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

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined),
})
/** The file or folder (every format but `lines`). */
const path = filePath(z.string(required('the file or folder to import')).min(1))
/** `lines`: one file per class. */
const classFiles = z.array(
  z.object({ path: filePath(z.string().min(1)), className: z.string().min(1) }),
  required('one file per class, each with its class name'),
)
const withPath = <F extends SourceFormat>(format: F) =>
  sourceOptions.extend({ format: z.literal(format), path }).strict()

/**
 * A source, by format: each format's own required fields (a path, or the class files). `auto`
 * (the default) detects the format from the path, or takes class files as `lines`.
 */
export const sourceSpecSchema = z.discriminatedUnion(
  'format',
  [
    sourceOptions
      .extend({ format: z.literal('auto').default('auto'), path: path.optional(), classFiles: classFiles.optional() })
      .strict(),
    withPath('aclimdb'),
    withPath('folder'),
    withPath('fasttext'),
    withPath('delimited'),
    withPath('treebank'),
    sourceOptions.extend({ format: z.literal('lines'), classFiles }).strict(),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `Invalid option: expected one of ${['auto', ...sourceFormats].map((f) => `"${f}"`).join('|')}`
        : undefined,
  },
)
export type SourceSpec = z.output<typeof sourceSpecSchema>
export type SourceSpecInput = z.input<typeof sourceSpecSchema>
/** The spec of one format. */
export type SourceSpecOf<F extends SourceSpec['format']> = Extract<SourceSpec, { format: F }>
/** A spec whose format is known: chosen by the user, or detected. */
export type KnownSourceSpec = SourceSpecOf<SourceFormat>

/** The files a source reads, as people name it: the path, or the class files. */
export function sourcePaths(spec: SourceSpec): string[] {
  if (spec.format === 'lines') return spec.classFiles.map((f) => f.path)
  if (spec.format === 'auto') return spec.path ? [spec.path] : (spec.classFiles ?? []).map((f) => f.path)
  return [spec.path]
}

export const preprocessSchema = z
  .object({
    stripHtml: z.boolean().default(true),
    lowercase: z.boolean().default(true),
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

/** Every import setting's default, from the schemas above: what the wizard starts from and the CLI's help shows. */
export const importDefaults: ImportSpec = importSpecSchema.parse({ source: {} })

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
  /** Treebanks: training examples that are phrases of a training sentence (in `counts.train`). */
  phrases?: number
  skipped: { count: number; first: SourceProblem[] }
  settings: ImportSpec
  fingerprint: string
  createdAt: string
  durationMs: number
}

/** What the wizard reads from a whole source (the `profile-source` job): its classes, lengths and vocabulary. */
export const profileParamsSchema = z.object({
  source: sourceSpecSchema,
  preprocess: preprocessSchema.default(preprocessSchema.parse({})),
  vocab: vocabSchema.default(vocabSchema.parse({})),
  sequence: sequenceSchema.default(sequenceSchema.parse({})),
})

export interface SourceProfile {
  /** Every example of the source (both splits of an archive), read once. */
  examples: number
  /** Raw labels with their counts over the whole source. */
  labels: Record<string, number>
  lengths: LengthStats
  /** The words the vocabulary settings would keep, counted over the whole source (the import counts the training split only). */
  vocabSize: number
  skipped: number
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
