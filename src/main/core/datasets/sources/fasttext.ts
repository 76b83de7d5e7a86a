/** fastText format: `__label__<name> text` per line (Amazon reviews), plain, .gz or .bz2, streamed. */
import type { SourceSpec } from '../../../../shared/datasets'
import { labelMapper } from './labels'
import { readLines } from './streams'
import type { Tally } from './tally'
import type { RawExample, ReadContext } from './types'

export async function* readFastText(spec: SourceSpec, ctx: ReadContext, encodings: Tally): AsyncGenerator<RawExample> {
  const files: [string, RawExample['split']][] = spec.testPath
    ? [
        [spec.path!, 'train'],
        [spec.testPath, 'test'],
      ]
    : [[spec.path!, null]]
  const prefix = spec.labelPrefix
  const toLabel = labelMapper(spec)
  for (const [path, split] of files) {
    for await (const { text, lineNo } of readLines(
      path,
      spec.encoding,
      (e) => encodings.note(e),
      (r, t) => ctx.progress(r, t, 'bytes'),
    )) {
      if (spec.limit !== undefined && lineNo > spec.limit) break
      if (ctx.signal.aborted) return
      if (text.trim() === '') continue
      const where = `${path}:${lineNo}`
      if (!text.startsWith(prefix)) {
        ctx.problem({
          where,
          message: `line ${lineNo} does not start with ${prefix}; fix the line or set the label prefix`,
        })
        continue
      }
      const space = text.indexOf(' ')
      const raw = text.slice(prefix.length, space < 0 ? undefined : space)
      // A line may carry several labels: the first one counts, the others are not text.
      let rest = space < 0 ? '' : text.slice(space + 1)
      while (rest.startsWith(prefix)) rest = rest.slice(rest.indexOf(' ') + 1 || rest.length)
      const mapped = toLabel(raw)
      if ('skip' in mapped) {
        ctx.problem({ where, message: `line ${lineNo}: ${mapped.skip}` })
        continue
      }
      yield { text: rest, label: mapped.label, split, source: where }
    }
  }
}
