/** One file per class, one example per line (Pang & Lee's rt-polarity.pos / .neg): no split of its own. */
import type { SourceSpecOf } from '../../../../shared/datasets'
import { checkAborted } from './abort'
import { readLines } from './streams'
import type { SourceNotes } from './notes'
import { SourceError, type RawExample, type ReadContext } from './types'

export async function* readLineFiles(
  spec: SourceSpecOf<'lines'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  const files = spec.classFiles
  if (files.length < 2) throw new SourceError('The line-file format needs one file per class, at least two.')
  for (const { path, className } of files) {
    let kept = 0
    const lines = readLines(path, {
      encoding: spec.encoding,
      onEncoding: (e) => notes.encodings.add(e),
      progress: (read, size) => ctx.progress(read, size, 'bytes'),
    })
    file: for await (const { first, texts, errors } of lines) {
      for (const [i, raw] of texts.entries()) {
        if (spec.limit !== undefined && kept >= spec.limit) break file
        checkAborted(ctx.signal)
        const error = errors?.get(i)
        if (error !== undefined) {
          ctx.problem({ where: `${path}:${first + i}`, message: `line ${first + i}: ${error}; skipped` })
          continue
        }
        // rt-polarity's lines end in a space; blank lines are not examples.
        const text = raw.trim()
        if (text === '') continue
        kept++
        notes.labels.add(className)
        yield { text, label: className, split: null, source: path, line: first + i }
      }
    }
    if (kept === 0)
      throw new SourceError(
        `${path} has no examples for the class "${className}"; choose a file with one example per line.`,
      )
  }
}
