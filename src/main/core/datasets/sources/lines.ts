/** One file per class, one example per line (Pang & Lee's rt-polarity.pos / .neg). */
import type { SourceSpec } from '../../../../shared/datasets'
import { readLines } from './streams'
import type { Tally } from './tally'
import { SourceError, type RawExample, type ReadContext } from './types'

export async function* readLineFiles(spec: SourceSpec, ctx: ReadContext, encodings: Tally): AsyncGenerator<RawExample> {
  const files = spec.classFiles ?? []
  if (files.length < 2) throw new SourceError('The line-file format needs one file per class, at least two.')
  for (const { path, className } of files) {
    let kept = 0
    for await (const { text, lineNo } of readLines(
      path,
      spec.encoding,
      (e) => encodings.note(e),
      (r, t) => ctx.progress(r, t, 'bytes'),
    )) {
      if (spec.limit !== undefined && kept >= spec.limit) break
      if (ctx.signal.aborted) return
      const trimmed = text.trim()
      if (trimmed === '') continue
      kept++
      yield { text: trimmed, label: className, split: null, source: `${path}:${lineNo}` }
    }
    if (kept === 0)
      throw new SourceError(
        `${path} has no examples for the class "${className}"; choose a file with one example per line.`,
      )
  }
}
