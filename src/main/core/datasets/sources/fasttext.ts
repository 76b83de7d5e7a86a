/**
 * fastText format: `__label__<name> text` per line (Amazon reviews), plain, .gz or .bz2, streamed.
 * `limit` keeps the first N lines of each file; with `testPath` the main file is the train split.
 */
import type { SourceSpecOf } from '../../../../shared/datasets'
import { labelMapper } from './labels'
import { lineExamples } from './line-examples'
import type { SourceNotes } from './notes'
import type { RawExample, ReadContext } from './types'

export function readFastText(
  spec: SourceSpecOf<'fasttext'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  const prefix = spec.labelPrefix
  const toLabel = labelMapper(spec, 'line')
  return lineExamples(spec, ctx, notes, (text, lineNo, path, split) => {
    if (!text.startsWith(prefix)) {
      ctx.problem({
        where: `${path}:${lineNo}`,
        message: `line ${lineNo} does not start with ${prefix}; fix the line or set the label prefix`,
      })
      return null
    }
    const m = labelAndText(text, prefix)
    notes.labels.add(m.label)
    const mapped = toLabel(m.label)
    if ('label' in mapped) return { text: m.text, label: mapped.label, split, source: path, line: lineNo }
    ctx.problem({ where: `${path}:${lineNo}`, message: `line ${lineNo}: ${mapped.skip}` })
    return null
  })
}

/** The first label, and the text after every label (a line may carry several; only the first counts). */
export function labelAndText(line: string, prefix: string): { label: string; text: string } {
  const space = /\s/.exec(line)
  const end = space ? space.index : line.length
  let rest = line.slice(end).trimStart()
  while (rest.startsWith(prefix)) {
    const next = /\s/.exec(rest)
    rest = next ? rest.slice(next.index).trimStart() : ''
  }
  return { label: line.slice(prefix.length, end), text: rest }
}
