/**
 * One review per file: read many small files with bounded concurrency, yield them in a fixed order,
 * and skip (and list) the empty, binary or undecodable ones instead of failing the import.
 */
import { isAscii, isUtf8 } from 'node:buffer'
import { readFile, stat } from 'node:fs'
import type { Encoding } from '../../../../shared/datasets'
import { bomEncoding, decode, DecodeError, detectEncoding, looksBinary, type ConcreteEncoding } from '../encoding'
import { checkAborted } from './abort'
import type { LabelResult } from './labels'
import type { SourceNotes } from './notes'
import type { RawExample, ReadContext } from './types'

export interface ReviewFile {
  path: string
  /** What the example's `source` says: the path under the dataset's folder. */
  rel: string
  /** The raw label (the class folder's name), before mapping. */
  label: string
  split: RawExample['split']
  rating?: number
}

const concurrency = 32
/** One review at most: a larger file is not a review (a 200 MB file cost 794 MB of memory as one). */
export const maxReviewBytes = 1 << 20

/** The review's text, or why the file is skipped. With 'auto', each file's encoding is detected on its own. */
export function decodeReview(
  bytes: Buffer,
  encoding: Encoding,
): { text: string; encoding: ConcreteEncoding } | { skip: string } {
  if (bytes.length === 0) return { skip: 'the file is empty' }
  const bom = bomEncoding(bytes)
  if (encoding !== 'auto' && bom && bom !== encoding)
    return { skip: `starts with a ${bom} byte-order mark but ${encoding} was chosen; choose another encoding` }
  // Most reviews are UTF-8: a native check settles those without the full detection.
  const chosen: ConcreteEncoding =
    encoding !== 'auto'
      ? encoding
      : (bom ?? (bytes.indexOf(0) < 0 && isUtf8(bytes) ? 'utf-8' : detectEncoding(bytes).encoding))
  if (!chosen.startsWith('utf-16') && bytes.indexOf(0) >= 0) return { skip: binary }
  try {
    const text = chosen === 'utf-8' ? decodeUtf8(bytes) : decode(bytes, chosen)
    if (looksBinary(text, chosen)) return { skip: binary }
    return text.trim() === '' ? { skip: 'the file has only blank space' } : { text, encoding: chosen }
  } catch (err) {
    if (err instanceof DecodeError) return { skip: err.message }
    throw err
  }
}

/**
 * UTF-8 as the strict decoder reads it (a leading BOM dropped), by the native checks and slices when
 * they settle it: ASCII is read as Latin-1 (the same characters, several times faster to decode),
 * checked UTF-8 by `toString`; anything else by the strict decoder, which finds the bad byte.
 */
function decodeUtf8(bytes: Buffer): string {
  if (isAscii(bytes)) return bytes.toString('latin1')
  if (isUtf8(bytes)) return bytes.toString('utf8', bomEncoding(bytes) === 'utf-8' ? 3 : 0)
  return decode(bytes, 'utf-8')
}

const binary = 'looks binary (control or NUL bytes), not text'

type Read = Buffer | NodeJS.ErrnoException | { tooLarge: number }

// The callback readFile: fs/promises' readFile is 2-3 times slower on many small files.
const readBytes = (path: string) =>
  new Promise<Read>((resolve) =>
    stat(path, (err, info) => {
      if (err) return resolve(err)
      if (info.size > maxReviewBytes) return resolve({ tooLarge: info.size })
      readFile(path, (e, bytes) => resolve(e ?? bytes))
    }),
  )

/** The files' reviews in the order given, with at most `concurrency` reads in flight. */
export async function* readReviewFiles(
  files: ReviewFile[],
  encoding: Encoding,
  toLabel: (raw: string) => LabelResult,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  // Files whose label the mapping skips are listed, not read.
  const labels = new Map<string, LabelResult>()
  const labelOf = (f: ReviewFile) => labels.get(f.label) ?? labels.set(f.label, toLabel(f.label)).get(f.label)!
  const reads: (Promise<Read> | null)[] = []
  const start = (i: number) => {
    if (i < files.length) reads[i] = 'skip' in labelOf(files[i]!) ? null : readBytes(files[i]!.path)
  }
  for (let i = 0; i < concurrency; i++) start(i)
  for (let i = 0; i < files.length; i++) {
    checkAborted(ctx.signal)
    const f = files[i]!
    const bytes = await reads[i]
    delete reads[i]
    start(i + concurrency)
    if (i % 256 === 0) ctx.progress(i, files.length, 'files')
    const skip = (message: string) => ctx.problem({ where: f.rel, message: `${message}; skipped` })
    notes.labels.add(f.label)
    const mapped = labelOf(f)
    if ('skip' in mapped) {
      skip(mapped.skip)
      continue
    }
    if (bytes && 'tooLarge' in bytes) {
      skip(
        `is ${(bytes.tooLarge / 2 ** 20).toFixed(1)} MiB, more than a review's limit of ${maxReviewBytes / 2 ** 20} MiB`,
      )
      continue
    }
    if (!(bytes instanceof Buffer)) {
      const err = bytes as NodeJS.ErrnoException
      skip(`cannot be read (${err.code ?? err.message})`)
      continue
    }
    const r = decodeReview(bytes, encoding)
    if ('skip' in r) {
      skip(r.skip)
      continue
    }
    notes.encodings.add(r.encoding)
    yield {
      text: r.text,
      label: mapped.label,
      split: f.split,
      source: f.rel,
      ...(f.rating !== undefined && { rating: f.rating }),
    }
  }
  ctx.progress(files.length, files.length, 'files')
}
