/** What every source reader yields and how it reports trouble. */
import type { SourceProblem } from '../../../../shared/datasets'

export interface RawExample {
  text: string
  /** The class name after label mapping. */
  label: string
  /** The source's own split, when it has one. */
  split: 'train' | 'test' | null
  /** Where it came from: a relative file path, or with `line`, the file. */
  source: string
  /** The line in `source`, for one example per line: a number, not a string per example. */
  line?: number
  /** A treebank phrase of the sentence yielded before it: it follows that sentence's split, and is kept only in train. */
  phrase?: true
  /** aclImdb's star rating from the file name. */
  rating?: number
}

/** Where an example came from, as people read it: file or file:line. */
export const whereOf = (e: Pick<RawExample, 'source' | 'line'>): string =>
  e.line === undefined ? e.source : `${e.source}:${e.line}`

export interface ReadContext {
  /** A per-file or per-line problem: skipped and listed, not fatal. */
  problem(p: SourceProblem): void
  /** Progress in files or bytes read so far, out of a total when known. */
  progress(done: number, total: number | null, unit: 'files' | 'bytes'): void
  signal: AbortSignal
}

/**
 * A structural problem that stops the import before anything is written: the message names the
 * file or line and says what to do.
 */
export class SourceError extends Error {
  override name = 'SourceError'
}
