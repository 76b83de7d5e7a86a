/**
 * The loop the one-example-per-line sources with a train and a test file share (fastText, treebank):
 * each file's lines, `limit` ending a file, undecodable lines reported and skipped, blank ones passed
 * over, the abort checked on every line, and each line turned into its examples by the source's own
 * callback, in this one generator (a generator of lines under the source's made a million-line
 * import 12% slower).
 */
import type { SourceSpecOf } from '../../../../shared/datasets'
import { checkAborted } from './abort'
import type { SourceNotes } from './notes'
import { readLines } from './streams'
import type { RawExample, ReadContext } from './types'

/** The source's files with the split their examples get. */
export function splitFiles(spec: SourceSpecOf<'fasttext' | 'delimited' | 'treebank'>): [string, RawExample['split']][] {
  return spec.testPath
    ? [
        [spec.path, 'train'],
        [spec.testPath, 'test'],
      ]
    : [[spec.path, null]]
}

/** A non-blank decoded line's example, or examples, or none (the source reported why). */
export type LineReader = (
  text: string,
  lineNo: number,
  path: string,
  split: RawExample['split'],
) => RawExample | RawExample[] | null

export async function* lineExamples(
  spec: SourceSpecOf<'fasttext' | 'treebank'>,
  ctx: ReadContext,
  notes: SourceNotes,
  examplesOf: LineReader,
): AsyncGenerator<RawExample> {
  for (const [path, split] of splitFiles(spec)) {
    const lines = readLines(path, {
      encoding: spec.encoding,
      onEncoding: (e) => notes.encodings.add(e),
      progress: (read, size) => ctx.progress(read, size, 'bytes'),
    })
    for await (const { first, texts, errors } of lines) {
      // With `limit`, this file's lines stop there and the next file is read.
      const end = spec.limit === undefined ? texts.length : Math.min(texts.length, spec.limit - first + 1)
      for (let i = 0; i < end; i++) {
        const lineNo = first + i
        checkAborted(ctx.signal)
        const error = errors?.get(i)
        if (error !== undefined) {
          ctx.problem({ where: `${path}:${lineNo}`, message: `line ${lineNo}: ${error}; skipped` })
          continue
        }
        const text = texts[i]!
        if (text.trim() === '') continue
        // One line at a time: what the source notes and reports is only for the lines taken.
        const made = examplesOf(text, lineNo, path, split)
        if (Array.isArray(made)) yield* made
        else if (made) yield made
      }
      if (end < texts.length) break
    }
  }
}
