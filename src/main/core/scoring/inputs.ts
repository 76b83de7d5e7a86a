/**
 * The inputs a score job reads, streamed: a folder of review files (recursive), a CSV/TSV/JSON Lines
 * file, a fastText file, or an imported dataset's split. Each yields items with the input's own label
 * (raw, or null) or a skipped input with its reason; nothing here stops on one bad review.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { sourceSpecSchema, type SplitName } from '../../../shared/datasets'
import { maxReviewBytes, type ScoreInput } from '../../../shared/scoring'
import { readSplit, readVocabulary } from '../datasets/store'
import { csvRows, detectLayout, jsonRows } from '../datasets/sources/delimited'
import { entries } from '../datasets/sources/folder'
import { labelAndText } from '../datasets/sources/fasttext'
import { decodeReview } from '../datasets/sources/review-files'
import { checkedStat, readLines } from '../datasets/sources/streams'

export type InputItem =
  | {
      text: string
      source: string
      /** The input's own label for this text, before mapping, when it has one. */
      label: string | null
      /** Token ids in the dataset's vocabulary (dataset splits are stored as ids). */
      ids?: ArrayLike<number>
    }
  | { skip: string; source: string }

export interface InputProgress {
  (done: number, total: number | null, unit: 'items' | 'bytes'): void
}

const tooLarge = `is larger than ${maxReviewBytes >> 20} MiB, too large for one review`

export function readInput(
  input: Exclude<ScoreInput, { format: 'dataset' }>,
  progress: InputProgress,
): AsyncGenerator<InputItem> {
  switch (input.format) {
    case 'folder':
      return readFolder(input, progress)
    case 'delimited':
      return readDelimitedInput(input, progress)
    case 'fasttext':
      return readFastTextInput(input, progress)
  }
}

/** A folder of a walk: its path, its path under the walk's root ('' for the root) and its wanted files. */
interface WalkedFolder {
  dir: string
  rel: string
  /** The folder's own name (a file's label), null for the root. */
  name: string | null
  files: string[]
}

/**
 * The folders under `root` (itself first) with their files whose names end with one of
 * `extensions`, depth first in natural order (in no particular order when not `sorted`: counting
 * needs no order, and sorting 12,500 names costs more than listing them). A folder at a time, so a
 * file costs no step of an async generator and no path normalization.
 */
async function* walk(
  root: string,
  extensions: string[],
  sorted = true,
  rel = '',
  name: string | null = null,
): AsyncGenerator<WalkedFolder> {
  const { folders, files } = await entries(root, sorted)
  const wanted = extensions.map((e) => e.toLowerCase())
  yield { dir: root, rel, name, files: files.filter((f) => wanted.some((e) => f.toLowerCase().endsWith(e))) }
  for (const d of folders) yield* walk(join(root, d), extensions, sorted, rel ? `${rel}${sep}${d}` : d, d)
}

async function countFiles(root: string, extensions: string[]): Promise<number> {
  let n = 0
  for await (const folder of walk(root, extensions, false)) n += folder.files.length
  return n
}

type FileRead = { bytes: Buffer } | { skip: string }

/** Non-blocking open: a file swapped for a FIFO after the walk must not hang the read. */
const openFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

/**
 * A file's bytes (a view of `buffer`, valid until the next read), or why not: more than
 * `maxReviewBytes` is too large, found by reading one byte more. Synchronous on purpose: a cached
 * review file is read in microseconds, and the callback calls' round trips through the event loop
 * (four per file) cost more than the reading itself and most of a fast model's scoring time.
 */
function readReview(path: string, buffer: Buffer): FileRead {
  let fd: number
  try {
    fd = openSync(path, openFlags)
  } catch (err) {
    return { skip: cannotRead(err) }
  }
  try {
    let n = 0
    for (let r = 1; r > 0 && n < buffer.length; n += r) r = readSync(fd, buffer, n, buffer.length - n, n)
    return n > maxReviewBytes ? { skip: tooLarge } : { bytes: buffer.subarray(0, n) }
  } catch (err) {
    return { skip: cannotRead(err) }
  } finally {
    closeSync(fd)
  }
}

const cannotRead = (err: unknown) => `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`

/** Files read between turns of the event loop (so a cancel, the writes and the IPC move on). */
const readsPerTurn = 64

/** One review per file; a file's label is its parent folder's name (pos/, neg/), none at the top. */
async function* readFolder(
  input: Extract<ScoreInput, { format: 'folder' }>,
  progress: InputProgress,
): AsyncGenerator<InputItem> {
  await checkedStat(input.path, 'folder')
  // Counted beside the reading, not before it: the first results need not wait for the whole walk.
  let total: number | null = null
  const counted = countFiles(input.path, input.extensions).then(
    (n) => (total = n),
    () => null,
  )
  const buffer = Buffer.allocUnsafe(maxReviewBytes + 1)
  let done = 0
  for await (const folder of walk(input.path, input.extensions)) {
    const dir = folder.dir.endsWith(sep) ? folder.dir : folder.dir + sep
    const under = folder.rel ? folder.rel + sep : ''
    for (const f of folder.files) {
      if (++done % readsPerTurn === 0) await new Promise(setImmediate)
      const r = readReview(dir + f, buffer)
      const source = under + f
      if (done % 256 === 0) progress(done, total, 'items')
      if ('skip' in r) {
        yield { skip: r.skip, source }
        continue
      }
      const decoded = decodeReview(r.bytes, input.encoding)
      if ('skip' in decoded) {
        yield { skip: decoded.skip, source }
        continue
      }
      yield { text: decoded.text, source, label: folder.name }
    }
  }
  progress(done, await counted, 'items')
}

/** A text that cannot be scored, or null. */
function badText(text: string): string | null {
  if (text.trim() === '') return 'the text is empty'
  if (text.length > maxReviewBytes) return tooLarge
  return null
}

async function* readDelimitedInput(
  input: Extract<ScoreInput, { format: 'delimited' }>,
  progress: InputProgress,
): AsyncGenerator<InputItem> {
  // The layout reader guesses a second column when none is named; the id or label column is that one.
  const spec = sourceSpecSchema.parse({
    format: 'delimited',
    path: input.path,
    encoding: input.encoding,
    delimiter: input.delimiter,
    header: input.header,
    textColumn: input.textColumn,
    labelColumn: input.labelColumn ?? input.idColumn,
  })
  // Texts only: a file of one column (the texts) is read too.
  const layout = await detectLayout(input.path, spec, { textOnly: true })
  const column = (c: string | number | undefined) =>
    c === undefined
      ? null
      : typeof c === 'number'
        ? c
        : layout.columns.findIndex((n) => n.toLowerCase() === c.toLowerCase())
  const idColumn = column(input.idColumn)
  const labelColumn = column(input.labelColumn)
  const lines = readLines(input.path, {
    encoding: input.encoding,
    onEncoding: () => {},
    progress: (read, size) => progress(read, size, 'bytes'),
  })
  const rows = layout.kind === 'jsonl' ? jsonRows(lines, layout) : csvRows(lines, spec, layout, input.path)
  let first = true
  for await (const row of rows) {
    const where = `${input.path}:${row.line}`
    if ('error' in row) {
      yield { skip: row.error, source: where }
      continue
    }
    if (first && layout.kind === 'csv' && layout.header) {
      first = false
      continue
    }
    first = false
    const text = row.cells[layout.textColumn]
    const source = (idColumn !== null && row.cells[idColumn]) || where
    if (text === undefined) {
      yield { skip: `has no text column (${layout.columns[layout.textColumn]})`, source }
      continue
    }
    const bad = badText(text)
    if (bad) yield { skip: bad, source }
    else yield { text, source, label: labelColumn === null ? null : (row.cells[labelColumn]?.trim() ?? null) }
  }
}

/** `__label__x text` lines (the label is optional here: unlabelled lines are scored too). */
async function* readFastTextInput(
  input: Extract<ScoreInput, { format: 'fasttext' }>,
  progress: InputProgress,
): AsyncGenerator<InputItem> {
  await checkedStat(input.path, 'file')
  const lines = readLines(input.path, {
    encoding: input.encoding,
    onEncoding: () => {},
    progress: (read, size) => progress(read, size, 'bytes'),
  })
  for await (const { first, texts, errors } of lines) {
    for (let i = 0; i < texts.length; i++) {
      const source = `${input.path}:${first + i}`
      const error = errors?.get(i)
      if (error !== undefined) {
        yield { skip: error, source }
        continue
      }
      const line = texts[i]!
      if (line.trim() === '') continue
      const { label, text } = line.startsWith(input.labelPrefix)
        ? labelAndText(line, input.labelPrefix)
        : { label: null, text: line }
      const bad = badText(text)
      yield bad ? { skip: bad, source } : { text, source, label }
    }
  }
}

/** An imported dataset's split: stored as token ids, so the text shown is its tokens. */
export async function* readDatasetSplit(
  dir: string,
  split: SplitName,
  classes: string[],
  progress: InputProgress,
): AsyncGenerator<InputItem> {
  const [data, vocab, sources] = await Promise.all([
    readSplit(dir, split),
    readVocabulary(dir),
    readFile(join(dir, `${split}.sources.txt`), 'utf8').then(
      (t) => t.split('\n'),
      () => [],
    ),
  ])
  const n = data.labels.length
  for (let i = 0; i < n; i++) {
    const ids = data.ids.subarray(data.offsets[i]!, data.offsets[i + 1]!)
    let text = ''
    for (const id of ids) text += (text ? ' ' : '') + vocab[id]
    yield { text, source: sources[i] || `${split}#${i + 1}`, label: classes[data.labels[i]!]!, ids }
    if (i % 1024 === 0) progress(i, n, 'items')
  }
  progress(n, n, 'items')
}

/** The vocabulary of a dataset as the model's ids (tokens the model does not know are its <unk>). */
export async function datasetIdsToModel(
  dir: string,
  modelVocab: Map<string, number>,
  unk: number,
): Promise<Int32Array> {
  const vocab = await readVocabulary(dir)
  return Int32Array.from(vocab, (t, i) => (i === 0 ? 0 : (modelVocab.get(t) ?? unk)))
}
