/**
 * CSV, TSV and JSON Lines with a text column and a label column. The delimiter and the header are
 * detected from the first lines unless given; quoting can be turned off for files with unbalanced
 * quotes; columns are header names or 0-based indices.
 */
import { extname } from 'node:path'
import { parse } from 'csv-parse'
import { parse as parseSync } from 'csv-parse/sync'
import type { SourceSpec } from '../../../../shared/datasets'
import { labelMapper } from './labels'
import { readLines, readText } from './streams'
import type { Tally } from './tally'
import { SourceError, type RawExample, type ReadContext } from './types'

export interface Layout {
  kind: 'csv' | 'jsonl'
  delimiter: string | null
  header: boolean
  columns: string[]
  textColumn: number
  labelColumn: number
  /** How the layout was found, for the wizard. */
  reason: string
}

const candidates = [',', '\t', ';', '|']
const sampleLines = 50

async function firstLines(path: string, spec: SourceSpec): Promise<string[]> {
  const lines: string[] = []
  for await (const { text } of readLines(path, spec.encoding, () => {})) {
    if (text.trim() !== '') lines.push(text)
    if (lines.length >= sampleLines) break
  }
  if (lines.length === 0) throw new SourceError(`${path} has no rows; choose another file.`)
  return lines
}

export function detectDelimiter(lines: string[], path: string): string {
  const score = (d: string) => {
    const counts = lines.map((l) => l.split(d).length - 1)
    const mode = counts.sort((a, b) => counts.filter((c) => c === b).length - counts.filter((c) => c === a).length)[0]!
    return mode === 0 ? 0 : lines.filter((l) => l.split(d).length - 1 === mode).length
  }
  const preferred = extname(path).toLowerCase() === '.tsv' ? '\t' : ','
  let best = preferred
  let bestScore = score(preferred)
  for (const d of candidates) {
    const s = score(d)
    if (s > bestScore) [best, bestScore] = [d, s]
  }
  return best
}

const numericCell = (v: string) => v.trim() !== '' && Number.isFinite(Number(v))

/** A header row has no numbers, and some column below it does, or is much longer. */
export function detectHeader(rows: string[][]): boolean {
  if (rows.length < 2) return false
  const [first, ...rest] = rows as [string[], ...string[][]]
  if (first.some(numericCell)) return false
  return first.some((cell, c) => {
    const below = rest.map((r) => r[c] ?? '')
    const numericBelow = below.filter(numericCell).length >= below.length * 0.8
    const avg = below.reduce((s, v) => s + v.length, 0) / below.length
    return numericBelow || avg > cell.length * 3
  })
}

function pickColumns(rows: string[][], width: number): { text: number; label: number } {
  const avgLen = Array.from(
    { length: width },
    (_, c) => rows.reduce((s, r) => s + (r[c]?.length ?? 0), 0) / rows.length,
  )
  const text = avgLen.indexOf(Math.max(...avgLen))
  let label = text === 0 ? 1 : 0
  let fewest = Infinity
  for (let c = 0; c < width; c++) {
    if (c === text) continue
    const distinct = new Set(rows.map((r) => r[c])).size
    if (distinct < fewest) [label, fewest] = [c, distinct]
  }
  return { text, label }
}

function resolveColumn(
  which: 'text' | 'label',
  given: string | number | undefined,
  columns: string[],
  path: string,
  fallback: number,
): number {
  if (given === undefined) return fallback
  const index = typeof given === 'number' ? given : columns.indexOf(given)
  if (index < 0 || index >= columns.length)
    throw new SourceError(
      `The ${which} column ${typeof given === 'number' ? `#${given}` : `"${given}"`} is not in ${path} (its columns: ${columns.map((c, i) => `${i}: ${c}`).join(', ')}).`,
    )
  return index
}

const csvOptions = (spec: SourceSpec, delimiter: string) => ({
  delimiter,
  quote: spec.quoting ? '"' : false,
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
  bom: true,
})

export async function detectLayout(path: string, spec: SourceSpec): Promise<Layout> {
  const lines = await firstLines(path, spec)
  const jsonl = /\.(jsonl|ndjson)$/i.test(path) || lines[0]!.trimStart().startsWith('{')
  let rows: string[][]
  let columns: string[]
  let header: boolean
  let delimiter: string | null = null
  let reason: string
  if (jsonl) {
    const objects = lines.map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>
      } catch {
        throw new SourceError(`${path}, line ${i + 1} is not valid JSON; a JSON Lines file has one object per line.`)
      }
    })
    columns = Object.keys(objects[0]!)
    rows = objects.map((o) => columns.map((c) => String(o[c] ?? '')))
    header = true
    reason = 'JSON Lines: one object per line'
  } else {
    delimiter = spec.delimiter ?? detectDelimiter(lines, path)
    rows = parseSync(lines.join('\n'), { ...csvOptions(spec, delimiter), skip_records_with_error: true }) as string[][]
    // Columns chosen by name imply a header row.
    const byName = typeof spec.textColumn === 'string' || typeof spec.labelColumn === 'string'
    header = spec.header ?? (byName || detectHeader(rows))
    const width = Math.max(...rows.map((r) => r.length))
    columns = header ? rows[0]!.map((c, i) => c || String(i)) : Array.from({ length: width }, (_, i) => String(i))
    if (header) rows = rows.slice(1)
    reason = `${delimiter === '\t' ? 'tab' : `"${delimiter}"`}-separated${spec.delimiter ? ' (chosen by you)' : ''}, ${header ? 'with' : 'without'} a header row${spec.header === undefined ? ' (detected)' : ''}`
  }
  if (columns.length < 2)
    throw new SourceError(
      `${path} has only one column; it needs a text column and a label column (is the delimiter right?).`,
    )
  const guess = pickColumns(rows, columns.length)
  const textColumn = resolveColumn('text', spec.textColumn, columns, path, guess.text)
  const labelColumn = resolveColumn('label', spec.labelColumn, columns, path, guess.label)
  return { kind: jsonl ? 'jsonl' : 'csv', delimiter, header, columns, textColumn, labelColumn, reason }
}

export async function* readDelimited(spec: SourceSpec, ctx: ReadContext, encodings: Tally): AsyncGenerator<RawExample> {
  const files: [string, RawExample['split']][] = spec.testPath
    ? [
        [spec.path!, 'train'],
        [spec.testPath, 'test'],
      ]
    : [[spec.path!, null]]
  const toLabel = labelMapper(spec)
  for (const [path, split] of files) {
    const layout = await detectLayout(path, spec)
    const need = Math.max(layout.textColumn, layout.labelColumn)
    const text = readText(
      path,
      spec.encoding,
      (e) => encodings.note(e),
      (r, t) => ctx.progress(r, t, 'bytes'),
    )
    const rows = layout.kind === 'jsonl' ? jsonRows(text, layout, path) : csvRows(text, spec, layout)
    let count = 0
    for await (const { cells, line } of rows) {
      if (ctx.signal.aborted) return
      if (layout.kind === 'csv' && layout.header && line === 1) continue
      if (spec.limit !== undefined && count >= spec.limit) break
      count++
      const where = `${path}:${line}`
      if (cells.length <= need) {
        ctx.problem({
          where,
          message: `line ${line} has ${cells.length} column${cells.length === 1 ? '' : 's'}, but the ${need === layout.labelColumn ? 'label' : 'text'} column is #${need}; skipped`,
        })
        continue
      }
      const mapped = toLabel(cells[layout.labelColumn]!)
      if ('skip' in mapped) {
        ctx.problem({ where, message: `line ${line}: ${mapped.skip}` })
        continue
      }
      yield { text: cells[layout.textColumn]!, label: mapped.label, split, source: where }
    }
  }
}

async function* csvRows(
  text: AsyncIterable<string>,
  spec: SourceSpec,
  layout: Layout,
): AsyncGenerator<{ cells: string[]; line: number }> {
  const parser = parse({ ...csvOptions(spec, layout.delimiter!), info: true })
  const feed = (async () => {
    try {
      for await (const chunk of text) if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r))
      parser.end()
    } catch (err) {
      parser.destroy(err as Error)
    }
  })()
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>)
    yield { cells: record, line: info.lines }
  await feed
}

async function* jsonRows(
  text: AsyncIterable<string>,
  layout: Layout,
  path: string,
): AsyncGenerator<{ cells: string[]; line: number }> {
  let pending = ''
  let line = 0
  const row = (l: string) => {
    try {
      const o = JSON.parse(l) as Record<string, unknown>
      // Cut at the first missing key, so the column-count check names what is missing.
      const values = layout.columns.map((c) => (o[c] === undefined || o[c] === null ? undefined : String(o[c])))
      const cut = values.indexOf(undefined)
      return (cut < 0 ? values : values.slice(0, cut)) as string[]
    } catch {
      return null
    }
  }
  for await (const chunk of text) {
    pending += chunk
    let from = 0
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', from)) {
      const l = pending.slice(from, nl)
      from = nl + 1
      line++
      if (l.trim() === '') continue
      const cells = row(l)
      if (!cells) throw new SourceError(`${path}, line ${line} is not valid JSON; fix it or remove the line.`)
      yield { cells, line }
    }
    pending = pending.slice(from)
  }
  if (pending.trim() !== '') {
    const cells = row(pending)
    if (!cells) throw new SourceError(`${path}, line ${line + 1} is not valid JSON; fix it or remove the line.`)
    yield { cells, line: line + 1 }
  }
}
