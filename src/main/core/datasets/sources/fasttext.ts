/**
 * fastText format: `__label__<name> text` per line (Amazon reviews), plain, .gz or .bz2, streamed.
 * `limit` keeps the first N lines of each file; with `testPath` the main file is the train split.
 */
import type { SourceSpecOf } from '../../../../shared/datasets'
import { checkAborted } from './abort'
import { labelMapper } from './labels'
import { readLines } from './streams'
import type { SourceNotes } from './notes'
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

export async function* readFastText(
  spec: SourceSpecOf<'fasttext'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  const prefix = spec.labelPrefix
  const toLabel = labelMapper(spec, 'line')
  for (const [path, split] of splitFiles(spec)) {
    const lines = readLines(path, {
      encoding: spec.encoding,
      onEncoding: (e) => notes.encodings.add(e),
      progress: (read, size) => ctx.progress(read, size, 'bytes'),
    })
    // Labelled: `limit` stops this file's lines, then the next file is read.
    file: for await (const { first, texts, errors } of lines) {
      for (let i = 0; i < texts.length; i++) {
        const lineNo = first + i
        if (spec.limit !== undefined && lineNo > spec.limit) break file
        checkAborted(ctx.signal)
        const error = errors?.get(i)
        if (error !== undefined) {
          ctx.problem({ where: `${path}:${lineNo}`, message: `line ${lineNo}: ${error}; skipped` })
          continue
        }
        const text = texts[i]!
        if (text.trim() === '') continue
        if (!text.startsWith(prefix)) {
          ctx.problem({
            where: `${path}:${lineNo}`,
            message: `line ${lineNo} does not start with ${prefix}; fix the line or set the label prefix`,
          })
          continue
        }
        const m = labelAndText(text, prefix)
        notes.labels.add(m.label)
        const mapped = toLabel(m.label)
        if ('skip' in mapped) {
          ctx.problem({ where: `${path}:${lineNo}`, message: `line ${lineNo}: ${mapped.skip}` })
          continue
        }
        yield { text: m.text, label: mapped.label, split, source: path, line: lineNo }
      }
    }
  }
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
