/**
 * Inspects a word-vector file in one streamed pass: GloVe (no header) or word2vec text (a `COUNT DIM`
 * first line), whether the header tells the truth, and every problem with its line number.
 */
import type { VectorInspection, VectorProblem, VectorProblemKind } from '../../../shared/vectors'
import { forEachLine } from './lines'
import { openVectors } from './open'

const maxListed = 100
const sampleLines = 5

/** Bytes allowed in a number: digits, sign, point, exponent. */
const numeric = new Uint8Array(256)
for (const c of '0123456789+-.eE') numeric[c.charCodeAt(0)] = 1

/** The fields of a line as [start, end) pairs, split on single spaces (the format's separator). */
export function fieldBounds(buf: Buffer, start: number, end: number): number[] {
  const bounds: number[] = []
  let s = start
  for (let i = start; i <= end; i++) {
    if (i === end || buf[i] === 0x20) {
      if (i > s) bounds.push(s, i)
      s = i + 1
    }
  }
  return bounds
}

const isSpace = new Uint8Array(256)
isSpace[0x20] = 1
const notNumeric = new Uint8Array(256).map((_, b) => (numeric[b] || b === 0x20 ? 0 : 1))

/**
 * One tight pass over a line's bytes, no branches and no allocation (it runs for every byte of a
 * 1 GB file): the fields, if single-spaced, and whether everything after the word is numeric. Lines
 * where this estimate disagrees with the expected dimension take the exact path.
 */
export function scanLine(
  buf: Buffer,
  start: number,
  end: number,
): { fields: number; firstSpace: number; numeric: boolean } {
  const firstSpace = buf.indexOf(0x20, start)
  if (firstSpace < 0 || firstSpace >= end) return { fields: end > start ? 1 : 0, firstSpace: end, numeric: true }
  let spaces = 1
  let other = 0
  for (let i = firstSpace + 1; i < end; i++) {
    const b = buf[i]!
    spaces += isSpace[b]!
    other |= notNumeric[b]!
  }
  const trailing = buf[end - 1] === 0x20 ? 1 : 0
  return { fields: spaces + 1 - trailing, firstSpace, numeric: other === 0 }
}

export function isHeader(fields: string[]): boolean {
  return fields.length === 2 && fields.every((f) => /^\d+$/.test(f))
}

export interface ScanOptions {
  member?: string
  signal?: AbortSignal
  progress?: (done: number, total: number) => void
  /** Called with each good data line's number (fix-up uses it to know which to keep). */
  onBadLine?: (lineNo: number) => void
}

export async function inspectVectors(path: string, options: ScanOptions = {}): Promise<VectorInspection> {
  const opened = await openVectors(path, options.member)
  const problems: VectorProblem[] = []
  const problemCounts: Partial<Record<VectorProblemKind, number>> = {}
  const report = (line: number, kind: VectorProblemKind, message: string, bad: boolean) => {
    problemCounts[kind] = (problemCounts[kind] ?? 0) + 1
    if (problems.length < maxListed) problems.push({ line, kind, message })
    if (bad) options.onBadLine?.(line)
  }
  let header: { count: number; dim: number } | null = null
  let dim = 0
  let count = 0
  let bom = false
  let crlf = 0
  let spacedTokens = 0
  const sample: string[] = []
  const words = new Set<string>()
  let lastProgress = 0

  await forEachLine(
    opened.stream,
    (buf, start, end, lineNo, isCrlf) => {
      if (isCrlf) crlf++
      if (lineNo === 1 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) {
        bom = true
        start += 3
      }
      if (sample.length < sampleLines) sample.push(buf.toString('utf8', start, Math.min(end, start + 200)))
      if (options.progress && lineNo - lastProgress >= 20_000) {
        lastProgress = lineNo
        options.progress(opened.compressed.read(), opened.compressed.size)
      }
      let line = scanLine(buf, start, end)
      // Double spaces or a leading space make the estimate wrong: count exactly.
      if (line.fields !== dim + 1 || buf[start] === 0x20)
        line = { ...line, fields: fieldBounds(buf, start, end).length / 2 }
      if (line.fields === 0) return report(lineNo, 'empty-line', 'empty line (skipped)', false)
      if (lineNo === 1 && line.fields === 2) {
        const two = [
          buf.toString('latin1', start, line.firstSpace),
          buf.toString('latin1', line.firstSpace + 1, end).trim(),
        ]
        // The dimension comes from the data: a header may lie about it as much as about the count.
        if (isHeader(two)) {
          header = { count: Number(two[0]), dim: Number(two[1]) }
          return
        }
      }
      const fields = line.fields
      if (dim === 0) dim = fields - 1
      if (fields < dim + 1)
        return report(
          lineNo,
          'wrong-field-count',
          `${fields - 1} value${fields === 2 ? '' : 's'} where ${dim} are expected`,
          true,
        )
      let wordEnd = line.firstSpace
      if (fields > dim + 1 || !line.numeric) {
        // Rare lines take the slow path: GloVe 840B has tokens with spaces (the last `dim` fields are
        // the vector, the rest the word), and a non-number needs its field named.
        const bounds = fieldBounds(buf, start, end)
        wordEnd = bounds[(fields - dim) * 2 - 1]!
        if (fields > dim + 1) {
          spacedTokens++
          report(
            lineNo,
            'token-with-spaces',
            `the word "${buf.toString('utf8', start, wordEnd)}" contains spaces`,
            false,
          )
        }
        for (let f = fields - dim; f < fields; f++) {
          for (let i = bounds[2 * f]!; i < bounds[2 * f + 1]!; i++) {
            if (!numeric[buf[i]!]) {
              const value = buf.toString('utf8', bounds[2 * f], bounds[2 * f + 1])
              return report(
                lineNo,
                'not-a-number',
                `value ${f - (fields - dim) + 1} ("${value.slice(0, 30)}") is not a number`,
                true,
              )
            }
          }
        }
      }
      const word = buf.toString('utf8', start, wordEnd)
      if (words.has(word)) return report(lineNo, 'duplicate-word', `"${word}" appeared earlier`, true)
      words.add(word)
      count++
    },
    { signal: options.signal },
  )
  if (bom) report(1, 'bom', 'the file starts with a byte-order mark', false)
  if (crlf > 0) report(0, 'crlf', `${crlf} lines end in CRLF (Windows line endings)`, false)
  const h = header as { count: number; dim: number } | null
  const headerMatches = h === null ? null : h.count === count && h.dim === dim
  if (h && !headerMatches)
    report(
      1,
      'header-mismatch',
      `the header says ${h.count} vectors of ${h.dim} values; the file has ${count} of ${dim}`,
      false,
    )
  return {
    path,
    member: opened.member,
    format: h ? 'word2vec' : 'glove',
    header: h,
    headerMatches,
    count,
    dim,
    sample,
    spacedTokens,
    problems,
    problemCounts,
    consistent: !Object.keys(problemCounts).some((k) => badKinds.includes(k as VectorProblemKind)),
  }
}

/** Problems that make a line unusable; the rest are notes. */
const badKinds: VectorProblemKind[] = ['wrong-field-count', 'not-a-number', 'duplicate-word']
