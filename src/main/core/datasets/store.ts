/**
 * An imported dataset on disk, `datasets/<id>/`: the vocabulary and, per split, token ids with
 * offsets, labels and sources as compact binary files, so training never re-parses text.
 *
 *   meta.json            format version, classes, counts, id width
 *   vocab.tsv            token \t training count, line number = id (0 <pad>, 1 <unk>)
 *   <split>.ids.bin      token ids of every example, concatenated (uint16 or uint32, little-endian)
 *   <split>.offsets.bin  uint32 × (n + 1): example i is ids[offsets[i] .. offsets[i+1])
 *   <split>.labels.bin   uint16 class index per example
 *   <split>.ratings.bin  int8 rating per example (-1 none), when the source had ratings
 *   <split>.sources.txt  where each example came from (file or file:line), one per line
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SplitName } from '../../../shared/datasets'

export const storeVersion = 1

export interface SplitData {
  ids: Uint16Array | Uint32Array
  offsets: Uint32Array
  labels: Uint16Array
  ratings: Int8Array | null
  sources: string[]
  /** The line in each source, 0 where the source is a whole file. */
  lines: Uint32Array
}

export interface StoreMeta {
  version: number
  classes: string[]
  vocabSize: number
  idBytes: 2 | 4
  counts: Record<SplitName, number>
}

const splitOrder: SplitName[] = ['train', 'val', 'test']

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/** Writes every file into `dir` and returns the content fingerprint (sha256 of what training reads). */
export async function writeDatasetFiles(
  dir: string,
  meta: Omit<StoreMeta, 'version' | 'idBytes'>,
  vocab: { tokens: string[]; counts: number[] },
  splits: Record<SplitName, SplitData>,
): Promise<string> {
  await mkdir(dir, { recursive: true })
  const hash = createHash('sha256')
  const vocabText = vocab.tokens.map((t, i) => `${t}\t${vocab.counts[i]}`).join('\n') + '\n'
  hash.update(vocab.tokens.join('\n'))
  hash.update(JSON.stringify(meta.classes))
  await writeFile(join(dir, 'vocab.tsv'), vocabText)
  const idBytes = meta.vocabSize <= 0xffff ? 2 : 4 // the importer gathers ids in this width
  for (const name of splitOrder) {
    const s = splits[name]
    const ids = idBytes === 2 && !(s.ids instanceof Uint16Array) ? Uint16Array.from(s.ids) : s.ids
    for (const [file, data] of [
      ['ids', ids],
      ['offsets', s.offsets],
      ['labels', s.labels],
    ] as const) {
      hash.update(`${name}.${file}`)
      hash.update(bytes(data))
      await writeFile(join(dir, `${name}.${file}.bin`), bytes(data))
    }
    if (s.ratings) await writeFile(join(dir, `${name}.ratings.bin`), bytes(s.ratings))
    await writeSources(join(dir, `${name}.sources.txt`), s.sources, s.lines)
  }
  const full: StoreMeta = { version: storeVersion, idBytes, ...meta }
  await writeFile(join(dir, 'meta.json'), JSON.stringify(full, null, 2))
  return hash.digest('hex')
}

/** file or file:line per example, made a chunk at a time rather than a string per example kept all along. */
async function writeSources(path: string, sources: string[], lines: Uint32Array): Promise<void> {
  const file = await open(path, 'w')
  try {
    for (let from = 0; from < sources.length; from += sourcesChunk) {
      let text = ''
      for (let i = from; i < Math.min(sources.length, from + sourcesChunk); i++)
        text += lines[i] ? `${sources[i]}:${lines[i]}\n` : `${sources[i]}\n`
      await file.write(text)
    }
  } finally {
    await file.close()
  }
}

const sourcesChunk = 1 << 16

export async function readMeta(dir: string): Promise<StoreMeta> {
  return JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as StoreMeta
}

export async function readVocabularyWithCounts(dir: string): Promise<{ tokens: string[]; counts: number[] }> {
  const lines = (await readFile(join(dir, 'vocab.tsv'), 'utf8')).split('\n').slice(0, -1)
  const tab = lines.map((line) => line.lastIndexOf('\t'))
  return {
    tokens: lines.map((line, i) => line.slice(0, tab[i])),
    counts: lines.map((line, i) => Number(line.slice(tab[i]! + 1))),
  }
}

export async function readVocabulary(dir: string): Promise<string[]> {
  return (await readVocabularyWithCounts(dir)).tokens
}

/** One split's ids, offsets and labels, as typed arrays over the files' bytes. */
export async function readSplit(
  dir: string,
  split: SplitName,
): Promise<Omit<SplitData, 'ratings' | 'sources' | 'lines'>> {
  const meta = await readMeta(dir)
  const load = async (file: string) => {
    const b = await readFile(join(dir, `${split}.${file}.bin`))
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
  }
  const ids = meta.idBytes === 2 ? new Uint16Array(await load('ids')) : new Uint32Array(await load('ids'))
  return { ids, offsets: new Uint32Array(await load('offsets')), labels: new Uint16Array(await load('labels')) }
}

/**
 * Fixed-length rows for a model: truncate to maxLen from the start or the end, pad with 0 before or
 * after (the Amazon LSTM pads on the left).
 */
export function padSequences(
  ids: ArrayLike<number>,
  offsets: Uint32Array,
  maxLen: number,
  padding: 'pre' | 'post',
  truncating: 'pre' | 'post',
): Int32Array {
  const n = offsets.length - 1
  const out = new Int32Array(n * maxLen)
  for (let i = 0; i < n; i++) {
    let start = offsets[i]!
    let end = offsets[i + 1]!
    if (end - start > maxLen) {
      if (truncating === 'pre') start = end - maxLen
      else end = start + maxLen
    }
    const len = end - start
    const at = i * maxLen + (padding === 'pre' ? maxLen - len : 0)
    for (let k = 0; k < len; k++) out[at + k] = ids[start + k]!
  }
  return out
}
