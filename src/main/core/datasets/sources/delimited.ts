/**
 * CSV, TSV and JSON Lines with a text column and a label column. The delimiter and the header are
 * detected from the first lines unless given; quoting can be turned off for files with unbalanced
 * quotes; columns are header names (or JSON keys) or 0-based indices.
 */
import { parse, type CsvError } from 'csv-parse'
import { parse as parseSync } from 'csv-parse/sync'
import type { SourceSpec, SourceSpecOf } from '../../../../shared/datasets'
import { looksBinary, type ConcreteEncoding } from '../encoding'
import { checkAborted } from './abort'
import { splitFiles } from './line-examples'
import { labelMapper } from './labels'
import { feed, readLines, type LineBatch } from './streams'
import type { SourceNotes } from './notes'
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

/** A layout for reading texts only (scoring): a file may then have one column, and so no label column. */
export type TextLayout = Omit<Layout, 'labelColumn'> & { labelColumn: number | null }

/**
 * A one-column file's first cell that is a header: the usual names of a text column. Any other first
 * row is a text (a header guessed from lengths could drop a short first review).
 */
const textColumnName = /^(text|texts|review|reviews|review_text|sentence|comment|comments|content|body|message|tweet)$/i

const delimiters = [',', '\t', ';', '|']
const sampleLines = 50
const delimiterName: Record<string, string> = { ',': 'comma', '\t': 'tab', ';': 'semicolon', '|': 'pipe' }

/**
 * The first non-blank lines that decode. Refuses a file that is not text (binary garbage would
 * otherwise become rows of one-example classes) and one whose sample does not decode at all,
 * naming the encoding error rather than reporting no rows.
 */
async function firstLines(path: string, spec: SourceSpec): Promise<string[]> {
  const lines: string[] = []
  let encoding: ConcreteEncoding = 'utf-8'
  let firstError: string | null = null
  const read = readLines(path, { encoding: spec.encoding, onEncoding: (e) => (encoding = e) })
  sample: for await (const { first, texts, errors } of read) {
    for (const [i, text] of texts.entries()) {
      const error = errors?.get(i)
      if (error !== undefined) firstError ??= `line ${first + i} is ${error}`
      else if (text.trim() !== '') lines.push(text)
      if (lines.length >= sampleLines) break sample
    }
  }
  if (lines.length === 0 && firstError) throw new SourceError(`${path}: ${firstError}.`)
  if (lines.length === 0) throw new SourceError(`${path} has no rows; choose another file.`)
  if (looksBinary(lines.join('\n'), encoding))
    throw new SourceError(
      `${path} looks binary (control or NUL bytes), not text; choose a CSV, TSV or JSON Lines file.`,
    )
  return lines
}

/** Delimiters outside double quotes (when quoting is on) in one line. */
function countOutsideQuotes(line: string, d: string, quoting: boolean): number {
  let n = 0
  let quoted = false
  for (const ch of line) {
    if (quoting && ch === '"') quoted = !quoted
    else if (ch === d && !quoted) n++
  }
  return n
}

/**
 * The candidate that splits most lines into the same number of fields (more than one), with the
 * share of lines it splits so; ties go to what the file name suggests (.tsv: tab), then to the
 * comma. Null when no candidate occurs.
 */
export function delimiterOf(
  lines: string[],
  path: string,
  quoting: boolean,
): { char: string; name: string; share: number } | null {
  const score = (d: string) => {
    const freq = new Map<number, number>()
    for (const l of lines) {
      const c = countOutsideQuotes(l, d, quoting)
      if (c > 0) freq.set(c, (freq.get(c) ?? 0) + 1)
    }
    return Math.max(0, ...freq.values())
  }
  const order = /\.tsv(\.(gz|bz2))?$/i.test(path) ? ['\t', ...delimiters.filter((d) => d !== '\t')] : delimiters
  let best: string | null = null
  let bestScore = 0
  for (const d of order) {
    const s = score(d)
    if (s > bestScore) [best, bestScore] = [d, s]
  }
  return best === null ? null : { char: best, name: delimiterName[best]!, share: bestScore / lines.length }
}

const numericCell = (v: string) => v.trim() !== '' && Number.isFinite(Number(v))

/**
 * Whether the first row is a header. It is when its cells are distinct and none is a number, and
 * below it some column differs in kind: mostly numbers under a word, text at least twice as long
 * as the cell everywhere, or (with 8 rows or more) a few repeated values, labels, that never
 * include the first row's cell.
 */
export function detectHeader(rows: string[][]): boolean {
  if (rows.length < 2) return false
  const [first, ...rest] = rows as [string[], ...string[][]]
  if (first.some(numericCell) || new Set(first).size !== first.length) return false
  return first.some((cell, c) => {
    const below = rest.map((r) => r[c] ?? '')
    if (below.filter(numericCell).length >= below.length * 0.8) return true
    if (Math.min(...below.map((v) => v.length)) > cell.length * 2) return true
    const distinct = new Set(below)
    return below.length >= 8 && distinct.size <= Math.min(10, below.length / 4) && !distinct.has(cell)
  })
}

/** Unless given, text: the column with the longest cells on average; label: the one with the fewest distinct values. */
function guessColumns(
  rows: string[][],
  width: number,
  given: { text: number | null; label: number | null },
): { text: number; label: number } {
  const avgLen = (c: number) => rows.reduce((s, r) => s + (r[c]?.length ?? 0), 0) / rows.length
  const distinct = (c: number) => new Set(rows.map((r) => r[c])).size
  const all = Array.from({ length: width }, (_, c) => c)
  const text = given.text ?? all.filter((c) => c !== given.label).reduce((a, b) => (avgLen(b) > avgLen(a) ? b : a))
  const label = given.label ?? all.filter((c) => c !== text).reduce((a, b) => (distinct(b) < distinct(a) ? b : a))
  return { text, label }
}

function resolveColumn(
  which: 'text' | 'label',
  given: string | number | undefined,
  columns: string[],
  path: string,
): number | null {
  if (given === undefined) return null
  const index =
    typeof given === 'number'
      ? given
      : Math.max(
          columns.indexOf(given),
          columns.findIndex((c) => c.toLowerCase() === given.toLowerCase()),
        )
  if (index < 0 || index >= columns.length)
    throw new SourceError(
      `The ${which} column ${typeof given === 'number' ? `#${given}` : `"${given}"`} is not in ${path} (its columns: ${columns.map((c, i) => `${i}: ${c}`).join(', ')}); choose one of them.`,
    )
  return index
}

/** Characters in one record at most: an unbalanced quote would otherwise swallow the rest of the file. */
const maxRecord = 16 << 20

const csvOptions = (spec: SourceSpec, delimiter: string) => ({
  delimiter,
  quote: spec.quoting ? '"' : false,
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
})

/** JSON Lines values as cells: strings as they are, numbers and booleans as text, null as missing. */
function jsonCells(line: string, keys: string[] | null): { keys: string[]; cells: (string | undefined)[] } | null {
  let o: unknown
  try {
    o = JSON.parse(line)
  } catch {
    return null
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null
  const record = o as Record<string, unknown>
  const k = keys ?? Object.keys(record)
  const cell = (v: unknown) =>
    v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v)
  return { keys: k, cells: k.map((key) => cell(record[key])) }
}

export async function detectLayout(path: string, spec: SourceSpec): Promise<Layout>
export async function detectLayout(path: string, spec: SourceSpec, options: { textOnly: true }): Promise<TextLayout>
export async function detectLayout(
  path: string,
  spec: SourceSpec,
  { textOnly = false } = {},
): Promise<Layout | TextLayout> {
  const lines = await firstLines(path, spec)
  if (/\.(jsonl|ndjson)(\.(gz|bz2))?$/i.test(path) || lines[0]!.trimStart().startsWith('{')) {
    const first = jsonCells(lines[0]!, null)
    if (!first)
      throw new SourceError(`${path}: the first line is not a JSON object; a JSON Lines file has one object per line.`)
    const rows = lines.flatMap((l) => {
      const r = jsonCells(l, first.keys)
      return r ? [r.cells.map((v) => v ?? '')] : []
    })
    const found = { kind: 'jsonl', delimiter: null, header: true, reason: 'JSON Lines: one object per line' } as const
    return withColumns(path, spec, found, first.keys, rows, textOnly)
  }
  const delimiter = spec.delimiter ?? delimiterOf(lines, path, spec.quoting)?.char ?? ','
  const rows = parseSync(lines.join('\n'), {
    ...csvOptions(spec, delimiter),
    skip_records_with_error: true,
  }) as string[][]
  // Columns chosen by name imply a header row.
  const byName = typeof spec.textColumn === 'string' || typeof spec.labelColumn === 'string'
  const width = Math.max(...rows.map((r) => r.length))
  const oneColumn = textOnly && width === 1
  const header = spec.header ?? (byName || (oneColumn ? textColumnName.test(rows[0]![0]!.trim()) : detectHeader(rows)))
  const columns = header
    ? rows[0]!.map((c, i) => c.trim() || String(i))
    : Array.from({ length: width }, (_, i) => String(i))
  const how = spec.header !== undefined ? '' : byName ? ' (columns chosen by name)' : ' (detected)'
  const reason = `${delimiterName[delimiter] ?? `"${delimiter}"`}-separated${spec.delimiter ? ' (chosen by you)' : ''}, ${header ? 'with' : 'without'} a header row${how}`
  const found = { kind: 'csv', delimiter, header, reason } as const
  return withColumns(path, spec, found, columns, header ? rows.slice(1) : rows, textOnly)
}

/** The layout with its text and label columns: the user's, or guessed from the sample rows. */
function withColumns(
  path: string,
  spec: SourceSpec,
  found: Pick<Layout, 'kind' | 'delimiter' | 'header' | 'reason'>,
  columns: string[],
  rows: string[][],
  textOnly: boolean,
): Layout | TextLayout {
  if (columns.length === 1 && textOnly) {
    if (spec.labelColumn !== undefined)
      throw new SourceError(
        `${path} has one column (the texts), so no column "${spec.labelColumn}"; leave the id and label columns out.`,
      )
    return {
      ...found,
      columns,
      textColumn: resolveColumn('text', spec.textColumn, columns, path) ?? 0,
      labelColumn: null,
    }
  }
  if (columns.length < 2)
    throw new SourceError(
      `${path} has only one column; it needs a text column and a label column (${found.kind === 'csv' ? 'is the delimiter right?' : 'each object needs two keys'}).`,
    )
  const text = resolveColumn('text', spec.textColumn, columns, path)
  const label = resolveColumn('label', spec.labelColumn, columns, path)
  if (text !== null && text === label)
    throw new SourceError(`The text and label columns are the same (${columns[text]}); choose two different columns.`)
  const chosen = guessColumns(rows.length ? rows : [columns], columns.length, { text, label })
  return { ...found, columns, textColumn: chosen.text, labelColumn: chosen.label }
}

export async function* readDelimited(
  spec: SourceSpecOf<'delimited'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  const toLabel = labelMapper(spec, 'line')
  const rawLabels = new Set<string>()
  const classSizes = new Map<string, number>()
  let main: Layout | null = null
  for (const [path, split] of splitFiles(spec)) {
    // A separate test file is read the way the main file is: same delimiter, same columns by name.
    const layout: Layout = main
      ? await detectLayout(path, {
          ...spec,
          delimiter: main.delimiter ?? undefined,
          textColumn: main.header ? main.columns[main.textColumn] : main.textColumn,
          labelColumn: main.header ? main.columns[main.labelColumn] : main.labelColumn,
        })
      : await detectLayout(path, spec)
    main ??= layout
    const lines = readLines(path, {
      encoding: spec.encoding,
      onEncoding: (e) => notes.encodings.add(e),
      progress: (read, size) => ctx.progress(read, size, 'bytes'),
    })
    const rows = layout.kind === 'jsonl' ? jsonRows(lines, layout) : csvRows(lines, spec, layout, path)
    let count = 0
    let first = true
    for await (const row of rows) {
      checkAborted(ctx.signal)
      if ('error' in row) {
        ctx.problem({ where: `${path}:${row.line}`, message: `line ${row.line}: ${row.error}; skipped` })
        continue
      }
      if (first && layout.kind === 'csv' && layout.header) {
        first = false
        continue
      }
      first = false
      if (spec.limit !== undefined && count >= spec.limit) break
      count++
      const where = `${path}:${row.line}`
      const label = row.cells[layout.labelColumn]?.trim()
      const spansLines = row.end !== undefined && row.end > row.line
      if (
        spansLines &&
        swallowedRows(row.cells, layout.delimiter!, label === undefined ? rawLabels : new Set([...rawLabels, label]))
      ) {
        ctx.problem({
          where,
          message: `lines ${row.line}-${row.end}: a quote opened on line ${row.line} closes only on line ${row.end}, merging ${row.end! - row.line + 1} rows into one; skipped (fix the quotes, or import with quoting off)`,
        })
        continue
      }
      const missing = [layout.textColumn, layout.labelColumn].find((c) => row.cells[c] === undefined)
      if (missing !== undefined) {
        const which = missing === layout.labelColumn ? 'label' : 'text'
        ctx.problem({
          where,
          message:
            layout.kind === 'jsonl'
              ? `line ${row.line} has no "${layout.columns[missing]}" (the ${which} column); skipped`
              : `line ${row.line} has ${row.cells.length} column${row.cells.length === 1 ? '' : 's'}, but the ${which} column is #${missing} (counting from 0); skipped`,
        })
        continue
      }
      notes.labels.add(row.cells[layout.labelColumn]!.trim())
      rawLabels.add(row.cells[layout.labelColumn]!.trim())
      const mapped = toLabel(row.cells[layout.labelColumn]!)
      if ('skip' in mapped) {
        ctx.problem({ where, message: `line ${row.line}: ${mapped.skip}` })
        continue
      }
      classSizes.set(mapped.label, (classSizes.get(mapped.label) ?? 0) + 1)
      yield { text: row.cells[layout.textColumn]!, label: mapped.label, split, source: where }
    }
  }
  if (!spec.allowManyClasses) refuseSingletonClasses(classSizes, main)
}

/**
 * A label column whose values are almost all different is not a label column (binary garbage or
 * the wrong column gave 123 one-example classes): refused unless the user asks to keep it.
 */
function refuseSingletonClasses(sizes: ReadonlyMap<string, number>, layout: Layout | null): void {
  const singletons = [...sizes.values()].filter((n) => n === 1).length
  if (sizes.size < 20 || singletons < sizes.size * 0.5) return
  const column = layout
    ? ` (column ${layout.header ? `"${layout.columns[layout.labelColumn]}"` : `#${layout.labelColumn}`})`
    : ''
  throw new SourceError(
    `The label column${column} has ${sizes.size} classes, ${singletons} of them with one example: it does not look like labels. Choose the label column, or keep the classes with --allow-many-classes.`,
  )
}

/** A record with the lines it spans (`end` past `line` when a quoted cell holds line breaks). */
export type Row = { cells: (string | undefined)[]; line: number; end?: number } | { error: string; line: number }

/**
 * Whether a record that spans lines swallowed whole rows: a line of one of its cells starts or ends
 * with a label seen in the file and a delimiter, as a row of its own would. A quote left open
 * on one row merges the rows below it up to the next quote.
 */
function swallowedRows(cells: (string | undefined)[], delimiter: string, labels: ReadonlySet<string>): boolean {
  return cells.some(
    (cell) =>
      cell?.includes('\n') &&
      cell.split('\n').some((inner) => {
        const fields = inner.split(delimiter).map((f) => f.trim())
        return fields.length > 1 && (labels.has(fields[0]!) || labels.has(fields.at(-1)!))
      }),
  )
}

/**
 * Records through csv-parse, numbered by the line they start on. Lines whose bytes do not decode
 * go in as blank lines (so numbering holds) and come out as errors before the next record.
 */
export async function* csvRows(
  lines: AsyncGenerator<LineBatch>,
  spec: SourceSpec,
  layout: Pick<Layout, 'delimiter'>,
  path: string,
): AsyncGenerator<Row> {
  // The line each record starts on, noted as the parser goes (an error drops records it buffered).
  const starts: number[] = []
  const ends: number[] = []
  let end = 0
  let empty = 0
  const parser = parse({
    ...csvOptions(spec, layout.delimiter!),
    max_record_size: maxRecord,
    on_record: (cells, context) => {
      starts.push(end + 1 + (context.empty_lines - empty))
      ends.push(context.lines)
      ;[end, empty] = [context.lines, context.empty_lines]
      return cells
    },
  })
  const bad: Row[] = []
  async function* text(): AsyncGenerator<string> {
    let batch = ''
    for await (const { first, texts, errors } of lines) {
      for (const [i, text] of texts.entries()) {
        const error = errors?.get(i)
        if (error !== undefined) bad.push({ error, line: first + i })
        batch += `${text}\n`
        if (batch.length >= 1 << 16) {
          yield batch
          batch = ''
        }
      }
    }
    if (batch) yield batch
  }
  const fed = feed(parser, text())
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      const line = starts.shift()!
      const last = ends.shift()!
      while (bad.length && bad[0]!.line < line) yield bad.shift()!
      yield { cells, line, end: last }
    }
    yield* bad.splice(0)
  } catch (err) {
    if ((err as CsvError).code === 'CSV_QUOTE_NOT_CLOSED')
      throw new SourceError(
        `${path}: the quote opened on line ${end + 1} is never closed; import again with quoting off.`,
      )
    throw err
  } finally {
    parser.destroy()
    await fed
  }
}

export async function* jsonRows(
  lines: AsyncGenerator<LineBatch>,
  layout: Pick<Layout, 'columns'>,
): AsyncGenerator<Row> {
  for await (const { first, texts, errors } of lines) {
    for (const [i, text] of texts.entries()) {
      const error = errors?.get(i)
      if (error !== undefined) {
        yield { error, line: first + i }
        continue
      }
      if (text.trim() === '') continue
      const r = jsonCells(text, layout.columns)
      yield r
        ? { cells: r.cells, line: first + i }
        : { error: 'not a JSON object; fix or remove the line', line: first + i }
    }
  }
}
