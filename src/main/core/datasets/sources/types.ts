/** What every source reader yields and how it reports trouble. */
import type { SourceProblem } from '../../../../shared/datasets'

export interface RawExample {
  text: string
  /** The class name after label mapping. */
  label: string
  /** The source's own split, when it has one. */
  split: 'train' | 'test' | null
  /** Where it came from: a relative file path, or file:line. */
  source: string
  /** aclImdb's star rating from the file name. */
  rating?: number
}

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
