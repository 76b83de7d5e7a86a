/** Which format a source is in: the user's choice, or for "auto" detected from the path, and why. */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { KnownSourceSpec, SourceFormat, SourceSpec, SourceSpecOf } from '../../../../shared/datasets'
import { looksLikeAclImdbArchive, reviewName } from './aclimdb'
import { delimiterOf } from './delimited'
import { checkedStat, readLines } from './streams'
import { looksLikeTree } from './treebank'
import { SourceError } from './types'

export interface DetectedFormat {
  format: SourceFormat
  reason: string
}

/** The spec with its format known, so each reader gets its format's fields, and why that format. */
export async function resolveFormat(spec: SourceSpec): Promise<{ spec: KnownSourceSpec; reason: string }> {
  if (spec.format !== 'auto') return { spec, reason: 'chosen by you' }
  const { format: _auto, path, classFiles, ...options } = spec
  if (classFiles?.length) return { spec: { ...options, format: 'lines', classFiles }, reason: 'one file per class' }
  if (!path) throw new SourceError('Choose a file or folder to import.')
  const { format, reason } = await detectPathFormat(path, spec)
  return { spec: { ...options, format, path }, reason }
}

export async function detectFormat(spec: SourceSpec): Promise<DetectedFormat> {
  const resolved = await resolveFormat(spec)
  return { format: resolved.spec.format, reason: resolved.reason }
}

async function detectPathFormat(
  path: string,
  spec: SourceSpecOf<'auto'>,
): Promise<{ format: Exclude<SourceFormat, 'lines'>; reason: string }> {
  if ((await checkedStat(path, 'any')).isDirectory()) return detectFolder(path)
  if (/\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?)$/i.test(path)) {
    if (await looksLikeAclImdbArchive(path))
      return { format: 'aclimdb', reason: 'a tar archive with train|test/pos|neg/<id>_<rating>.txt (aclImdb)' }
    throw new SourceError(
      `${path} is a tar archive without aclImdb reviews (train|test/pos|neg/<id>_<rating>.txt); extract it and import the folder.`,
    )
  }
  if (/\.(csv|tsv|jsonl|ndjson)(\.(gz|bz2))?$/i.test(path))
    return { format: 'delimited', reason: 'the file name ends in a delimited format' }
  const lines: string[] = []
  sample: for await (const { texts, errors } of readLines(path, { encoding: spec.encoding, onEncoding: () => {} })) {
    for (const [i, text] of texts.entries()) {
      if (errors?.has(i) || text.trim() === '') continue
      if (lines.length === 0 && text.startsWith(spec.labelPrefix))
        return { format: 'fasttext', reason: `lines start with ${spec.labelPrefix}` }
      if (lines.length === 0 && looksLikeTree(text))
        return { format: 'treebank', reason: 'lines are labelled trees, as in (3 (2 a) (4 word))' }
      if (lines.length === 0 && text.trimStart().startsWith('{'))
        return { format: 'delimited', reason: 'lines are JSON objects (JSON Lines)' }
      lines.push(text)
      if (lines.length >= 20) break sample
    }
  }
  if (lines.length === 0) throw new SourceError(`${path} has no text; choose another file.`)
  const delimiter = delimiterOf(lines, path, spec.quoting)
  if (delimiter && delimiter.share >= 0.8)
    return { format: 'delimited', reason: `lines split into columns by ${delimiter.name}` }
  throw new SourceError(
    `${path}: the first line neither starts with ${spec.labelPrefix} nor splits into columns; choose the format (for fastText, the label prefix).`,
  )
}

async function detectFolder(path: string): Promise<{ format: 'aclimdb' | 'folder'; reason: string }> {
  const names = new Set(await readdir(path))
  if (!names.has('train') || !names.has('test')) return { format: 'folder', reason: 'a sub-folder per class' }
  const reviews = await readdir(join(path, 'train', 'pos')).catch(() => [] as string[])
  if (reviews.some((f) => reviewName.test(f)))
    return {
      format: 'aclimdb',
      reason: 'train/ and test/ with pos/ and neg/ of <id>_<rating>.txt (the aclImdb layout)',
    }
  return { format: 'folder', reason: 'train/ and test/, each with a sub-folder per class' }
}
