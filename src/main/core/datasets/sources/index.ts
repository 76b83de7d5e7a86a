/**
 * Opening any supported source: the format (given or detected), its examples, and what was detected.
 * Readers stream; on `ctx.signal` they stop by throwing an Error named 'AbortError'.
 */
import { stat } from 'node:fs/promises'
import type { KnownSourceSpec, SourceFormat, SourceProblem, SourceSpec } from '../../../../shared/datasets'
import { listAclImdbFolder, readAclImdb } from './aclimdb'
import { detectLayout, readDelimited } from './delimited'
import { resolveFormat } from './detect'
import { readFastText } from './fasttext'
import { listClassFolders, readClassFolders } from './folder'
import { labelMapper } from './labels'
import { readLineFiles } from './lines'
import { SourceNotes } from './notes'
import { readTreebank } from './treebank'
import { readReviewFiles, type ReviewFile } from './review-files'
import type { RawExample, ReadContext } from './types'

export { detectFormat } from './detect'
export { SourceError, type RawExample, type ReadContext } from './types'

export interface OpenedSource {
  format: SourceFormat
  /** The spec with its format known. */
  spec: KnownSourceSpec
  formatReason: string
  examples: AsyncIterable<RawExample>
  /** Encodings detected so far, with how many files had each (one review file, or one whole file). */
  encodings(): Record<string, number>
  /** Raw labels (before mapping) of the examples read so far, with counts. */
  labelsSeen(): Record<string, number>
}

function read(spec: KnownSourceSpec, ctx: ReadContext, notes: SourceNotes): AsyncIterable<RawExample> {
  switch (spec.format) {
    case 'aclimdb':
      return readAclImdb(spec, ctx, notes)
    case 'folder':
      return readClassFolders(spec, ctx, notes)
    case 'fasttext':
      return readFastText(spec, ctx, notes)
    case 'delimited':
      return readDelimited(spec, ctx, notes)
    case 'lines':
      return readLineFiles(spec, ctx, notes)
    case 'treebank':
      return readTreebank(spec, ctx, notes)
  }
}

export async function openSource(spec: SourceSpec, ctx: ReadContext): Promise<OpenedSource> {
  const resolved = await resolveFormat(spec)
  const notes = new SourceNotes()
  return {
    format: resolved.spec.format,
    spec: resolved.spec,
    formatReason: resolved.reason,
    examples: read(resolved.spec, ctx, notes),
    encodings: () => notes.encodings.all,
    labelsSeen: () => notes.labels.all,
  }
}

export interface SourcePreview {
  format: SourceFormat
  formatReason: string
  /** The encoding used, or each one with its count of files when they differ. */
  encoding: string
  examples: RawExample[]
  columns?: string[]
  delimiter?: string | null
  header?: boolean
  /** Raw labels (before mapping) of what was read, with counts: what the mapping step offers. */
  labelsSeen: Record<string, number>
  problems: SourceProblem[]
}

/** How long a preview of a stream keeps looking for classes it has not shown yet. */
const searchMs = 1500

/**
 * The first examples, for the wizard. A folder gives the first files of every class (and split). A
 * stream gives its first examples, at most half of `count` from one class, and keeps reading for
 * other classes for up to 1.5 s (an archive lists one class after the other).
 */
export async function previewSource(spec: SourceSpec, count: number): Promise<SourcePreview> {
  const problems: SourceProblem[] = []
  const ctx: ReadContext = {
    signal: new AbortController().signal,
    problem: (p) => problems.length < 50 && problems.push(p),
    progress: () => {},
  }
  const opened = await openSource(spec, ctx)
  const notes = new SourceNotes()
  const files = await folderSample(opened.spec, count)
  const examples: RawExample[] = []
  if (files) {
    const toLabel = labelMapper(spec, 'file')
    for await (const e of readReviewFiles(files, spec.encoding, toLabel, ctx, notes)) examples.push(e)
  } else {
    const perClass = Math.ceil(count / 2)
    const shown: Record<string, number> = {}
    let started = 0
    for await (const e of opened.examples) {
      if (e.phrase) continue // a treebank's sentences: the phrases repeat their words
      started ||= Date.now()
      if ((shown[e.label] ?? 0) < perClass) {
        shown[e.label] = (shown[e.label] ?? 0) + 1
        examples.push(e)
      }
      if (examples.length >= count || Date.now() - started > searchMs) break
    }
  }
  const layout = opened.spec.format === 'delimited' ? await detectLayout(opened.spec.path, opened.spec) : null
  const encodings = files ? notes.encodings.all : opened.encodings()
  const kinds = Object.entries(encodings).sort((a, b) => b[1] - a[1])
  return {
    format: opened.format,
    formatReason: layout ? `${opened.formatReason}; ${layout.reason}` : opened.formatReason,
    encoding: kinds.length <= 1 ? (kinds[0]?.[0] ?? 'unknown') : kinds.map(([e, n]) => `${e} (${n} files)`).join(', '),
    examples,
    ...(layout && { columns: layout.columns, delimiter: layout.delimiter, header: layout.header }),
    labelsSeen: files ? notes.labels.all : opened.labelsSeen(),
    problems,
  }
}

/** For one-review-per-file layouts: the first files of every class and split, `count` in all. */
async function folderSample(spec: KnownSourceSpec, count: number): Promise<ReviewFile[] | null> {
  let all: ReviewFile[]
  if (spec.format === 'folder') all = await listClassFolders(spec)
  else if (spec.format === 'aclimdb' && (await stat(spec.path)).isDirectory()) all = await listAclImdbFolder(spec.path)
  else return null
  const groups = new Map<string, ReviewFile[]>()
  for (const f of all) {
    const key = `${f.split}/${f.label}`
    const group = groups.get(key)
    if (group) group.push(f)
    else groups.set(key, [f])
  }
  const each = Math.max(1, Math.ceil(count / groups.size))
  return [...groups.values()].flatMap((g) => g.slice(0, each))
}
