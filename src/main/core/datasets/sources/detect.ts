/** Which format a path is in, when the user chose "auto", and why. */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { SourceFormat, SourceSpec } from '../../../../shared/datasets'
import { checkedStat, readLines } from './streams'
import { SourceError } from './types'

export async function detectFormat(spec: SourceSpec): Promise<{ format: SourceFormat; reason: string }> {
  if (spec.classFiles?.length) return { format: 'lines', reason: 'one file per class' }
  const path = spec.path
  if (!path) throw new SourceError('Choose a file or folder to import.')
  const s = await checkedStat(path, 'any')
  if (s.isDirectory()) {
    const names = new Set((await readdir(path)).map((n) => n.toLowerCase()))
    const sub = async (d: string) => new Set(await readdir(join(path, d)).catch(() => [] as string[]))
    if (names.has('train') && names.has('test')) {
      const train = await sub('train')
      if (train.has('pos') && train.has('neg'))
        return { format: 'aclimdb', reason: 'train/ and test/ with pos/ and neg/ (the aclImdb layout)' }
      return { format: 'folder', reason: 'train/ and test/ with a sub-folder per class' }
    }
    return { format: 'folder', reason: 'a sub-folder per class' }
  }
  if (/\.(tar\.gz|tgz|tar)$/i.test(path))
    return { format: 'aclimdb', reason: 'a tar archive (read as aclImdb_v1.tar.gz)' }
  if (/\.(csv|tsv|jsonl|ndjson)(\.(gz|bz2))?$/i.test(path))
    return { format: 'delimited', reason: 'the file name ends in a delimited format' }
  for await (const { text } of readLines(path, spec.encoding, () => {})) {
    if (text.trim() === '') continue
    if (text.startsWith(spec.labelPrefix)) return { format: 'fasttext', reason: `lines start with ${spec.labelPrefix}` }
    return { format: 'delimited', reason: 'text with columns' }
  }
  throw new SourceError(`${path} has no content; choose another file.`)
}
