/** Word-vector files as the contract reports them, and what building a dataset's matrix from one takes. */
import { z } from 'zod'

export type VectorProblemKind =
  | 'wrong-field-count'
  | 'not-a-number'
  | 'duplicate-word'
  | 'empty-line'
  | 'token-with-spaces'
  | 'bom'
  | 'crlf'
  | 'header-mismatch'

export interface VectorProblem {
  /** 1-based line number (0 for whole-file notes). */
  line: number
  kind: VectorProblemKind
  message: string
}

export interface VectorInspection {
  path: string
  /** The zip member read, for .zip files. */
  member: string | null
  format: 'glove' | 'word2vec'
  header: { count: number; dim: number } | null
  /** null when there is no header. */
  headerMatches: boolean | null
  /** Usable vectors. */
  count: number
  dim: number
  /** The first lines, cut at 200 characters. */
  sample: string[]
  spacedTokens: number
  /** The first 100 problems; problemCounts has them all by kind. */
  problems: VectorProblem[]
  problemCounts: Partial<Record<VectorProblemKind, number>>
  /** No line is unusable (notes like CRLF or a lying header do not count). */
  consistent: boolean
}

export interface EmbeddingCoverage {
  /** Vocabulary words (PAD and UNK left out) found in the vector file. */
  vocabularyFound: number
  vocabularySize: number
  vocabularyShare: number
  /** Share of training token occurrences whose word has a vector. */
  tokenShare: number
  /** The most frequent words without a vector. */
  topMissing: { word: string; count: number }[]
}

/** A vector file registered in the history. */
export interface VectorFileRecord {
  id: string
  path: string
  member: string | null
  fingerprint: string
  format: 'glove' | 'word2vec'
  count: number
  dim: number
  createdAt: string
}

/** The build-embedding job's params: a vector file (a zip's member) and where a dataset's matrix is cached. */
/** A vector file as the jobs read it: its path, and the member of a .zip. */
export const vectorFileSchema = z.object({ path: z.string().min(1), member: z.string().min(1).optional() })

export const embeddingParamsSchema = vectorFileSchema
  .extend({
    datasetDir: z.string().min(1),
    /** The cache folder for this vector file. */
    cacheDir: z.string().min(1),
    cacheKey: z.string().min(1),
    foldCase: z.boolean(),
    oov: z.enum(['zeros', 'random']),
    seed: z.number().int(),
  })
  .strict()
export type EmbeddingParams = z.output<typeof embeddingParamsSchema>

/** What the header fix-up wrote. */
export interface FixHeaderResult {
  out: string
  count: number
  dim: number
  headerLine: string | null
  droppedLines: number
}

/** A registration job's output: main turns it into a VectorFileRecord. */
export interface Registration {
  inspection: VectorInspection
  fingerprint: string
}

/** A dataset's embedding matrix for one vector file, and how much of the vocabulary it covers. */
export type EmbeddingResult = EmbeddingCoverage & { dim: number; matrixPath: string; cached: boolean }
