/** Opening any supported source: the format (given or detected), its examples, and what was detected. */
import type { SourceFormat, SourceProblem, SourceSpec } from '../../../../shared/datasets'
import { stat } from 'node:fs/promises'
import { listAclImdbFolder, readAclImdb } from './aclimdb'
import { detectLayout, readDelimited } from './delimited'
import { detectFormat } from './detect'
import { readFastText } from './fasttext'
import { listClassFolders, readClassFolders } from './folder'
import { readLineFiles } from './lines'
import { readReviewFiles, type ReviewFile } from './review-files'
import { Tally } from './tally'
import type { RawExample, ReadContext } from './types'

export interface OpenedSource {
  format: SourceFormat
  formatReason: string
  examples: AsyncIterable<RawExample>
  /** Encodings detected so far, with how many files (or files read) had each. */
  encodings(): Record<string, number>
}

const readers = {
  aclimdb: readAclImdb,
  folder: readClassFolders,
  fasttext: readFastText,
  delimited: readDelimited,
  lines: readLineFiles,
} as const

export async function openSource(spec: SourceSpec, ctx: ReadContext): Promise<OpenedSource> {
  const { format, reason } =
    spec.format === 'auto' ? await detectFormat(spec) : { format: spec.format, reason: 'chosen by you' }
  const tally = new Tally()
  return { format, formatReason: reason, examples: readers[format](spec, ctx, tally), encodings: () => tally.all }
}

export interface SourcePreview {
  format: SourceFormat
  formatReason: string
  encoding: string
  examples: RawExample[]
  columns?: string[]
  delimiter?: string | null
  header?: boolean
  labelsSeen: Record<string, number>
  problems: SourceProblem[]
}

/**
 * The first `count` examples, for the wizard. A folder lists its classes in order, so the preview
 * reads a few from the start and keeps going until every class has shown up (or `count` is reached).
 */
export async function previewSource(spec: SourceSpec, count: number): Promise<SourcePreview> {
  const problems: SourceProblem[] = []
  const abort = new AbortController()
  const ctx: ReadContext = {
    signal: abort.signal,
    problem: (p) => problems.length < 50 && problems.push(p),
    progress: () => {},
  }
  const opened = await openSource(spec, ctx)
  const examples: RawExample[] = []
  const labelsSeen: Record<string, number> = {}
  const perClass = Math.max(3, Math.ceil(count / 10))
  const files = await folderSample(spec, opened.format, count)
  const stream = files ? readReviewFiles(files, spec.encoding, ctx, new Tally()) : opened.examples
  for await (const e of stream) {
    const seen = labelsSeen[e.label] ?? 0
    labelsSeen[e.label] = seen + 1
    if (seen < perClass || examples.length < count / 2) examples.push(e)
    if (examples.length >= count) break
  }
  abort.abort()
  const layout = opened.format === 'delimited' ? await detectLayout(spec.path!, spec) : null
  const encodings = Object.keys(opened.encodings()).concat(files ? ['(detected per file)'] : [])
  return {
    format: opened.format,
    formatReason: layout ? `${opened.formatReason}; ${layout.reason}` : opened.formatReason,
    encoding: encodings.join(', ') || 'utf-8',
    examples,
    ...(layout ? { columns: layout.columns, delimiter: layout.delimiter, header: layout.header } : {}),
    labelsSeen,
    problems,
  }
}

/** For one-review-per-file layouts: the first files of every class, so the preview shows them all. */
async function folderSample(spec: SourceSpec, format: SourceFormat, count: number): Promise<ReviewFile[] | null> {
  if (format !== 'folder' && !(format === 'aclimdb' && (await stat(spec.path!)).isDirectory())) return null
  const all = format === 'folder' ? await listClassFolders(spec) : await listAclImdbFolder(spec.path!)
  const groups = new Map<string, ReviewFile[]>()
  for (const f of all) {
    const key = `${f.split}/${f.label}`
    const g = groups.get(key) ?? []
    if (g.length < Math.ceil(count / 4)) g.push(f)
    groups.set(key, g)
  }
  return [...groups.values()].flat()
}
