/**
 * One review per file: read many small files with bounded concurrency, yield them in a fixed order,
 * and skip (and list) the empty, binary or undecodable ones instead of failing the import.
 */
import { readFile } from 'node:fs/promises'
import type { Encoding } from '../../../../shared/datasets'
import { decodeBytes, DecodeError, detectEncoding, looksBinary, type ConcreteEncoding } from '../encoding'
import type { Tally } from './tally'
import type { RawExample, ReadContext } from './types'

export interface ReviewFile {
  path: string
  /** What the example's `source` says: the path under the dataset's folder. */
  rel: string
  label: string
  split: RawExample['split']
  rating?: number
}

const concurrency = 32

/** The review's text, or why the file is skipped. */
export function decodeReview(bytes: Uint8Array, encoding: Encoding, tally: Tally): { text: string } | { skip: string } {
  if (bytes.length === 0) return { skip: 'the file is empty' }
  const chosen: ConcreteEncoding = encoding === 'auto' ? detectEncoding(bytes).encoding : encoding
  if (looksBinary(bytes, chosen)) return { skip: 'looks like a binary file, not text' }
  try {
    const text = decodeBytes(bytes, chosen)
    tally.note(chosen)
    return text.trim() === '' ? { skip: 'the file has only blank space' } : { text }
  } catch (err) {
    if (err instanceof DecodeError) return { skip: err.message }
    throw err
  }
}

export async function* readReviewFiles(
  files: ReviewFile[],
  encoding: Encoding,
  ctx: ReadContext,
  tally: Tally,
): AsyncGenerator<RawExample> {
  const reads: Promise<Uint8Array | Error>[] = []
  const start = (i: number) => {
    if (i < files.length) reads[i] = readFile(files[i]!.path).catch((err: Error) => err)
  }
  for (let i = 0; i < concurrency; i++) start(i)
  for (let i = 0; i < files.length; i++) {
    if (ctx.signal.aborted) return
    const f = files[i]!
    const bytes = await reads[i]!
    delete reads[i]
    start(i + concurrency)
    if (i % 500 === 0) ctx.progress(i, files.length, 'files')
    if (bytes instanceof Error) {
      ctx.problem({
        where: f.rel,
        message: `cannot be read (${(bytes as NodeJS.ErrnoException).code ?? bytes.message}); skipped`,
      })
      continue
    }
    const r = decodeReview(bytes, encoding, tally)
    if ('skip' in r) {
      ctx.problem({ where: f.rel, message: `${r.skip}; skipped` })
      continue
    }
    yield {
      text: r.text,
      label: f.label,
      split: f.split,
      source: f.rel,
      ...(f.rating !== undefined ? { rating: f.rating } : {}),
    }
  }
  ctx.progress(files.length, files.length, 'files')
}
