/**
 * The embedding matrix for a dataset's vocabulary, in one streamed pass that keeps only the
 * vocabulary's rows (never the whole 400k x 300 table), written as little-endian float32.
 */
import { writeFile, rename } from 'node:fs/promises'
import type { EmbeddingCoverage } from '../../../shared/vectors'
import { seededRandom } from '../datasets/splits'
import { forEachLine } from './lines'
import { openVectors } from './open'
import { fieldBounds, isHeader } from './scan'

export interface MatrixOptions {
  path: string
  member?: string
  /** The dataset's vocabulary (id = index; 0 PAD, 1 UNK) and training counts. */
  vocab: string[]
  counts: number[]
  /** Match words ignoring case (an exact-case match still wins). */
  foldCase: boolean
  /** Rows for words the file lacks: zeros (as MindSpore does) or small uniform values. */
  oov: 'zeros' | 'random'
  seed: number
  out: string
  signal?: AbortSignal
  progress?: (done: number, total: number) => void
}

export async function buildEmbeddingMatrix(options: MatrixOptions): Promise<EmbeddingCoverage & { dim: number }> {
  const { vocab, foldCase } = options
  const index = new Map<string, number[]>()
  vocab.forEach((word, id) => {
    if (id < 2) return // PAD and UNK have no vector of their own
    const key = foldCase ? word.toLowerCase() : word
    const ids = index.get(key)
    if (ids) ids.push(id)
    else index.set(key, [id])
  })
  const opened = await openVectors(options.path, options.member)
  let dim = 0
  let matrix: Float32Array | null = null
  // How each row was filled: 0 not yet, 1 by a case-folded match, 2 by an exact match.
  const filled = new Uint8Array(vocab.length)
  let lastProgress = 0

  await forEachLine(
    opened.stream,
    (buf, start, end, lineNo) => {
      if (lineNo - lastProgress >= 50_000) {
        lastProgress = lineNo
        options.progress?.(opened.compressed.read(), opened.compressed.size)
      }
      const space = buf.indexOf(0x20, start)
      if (space < 0 || space >= end) return
      const bounds = fieldBounds(buf, start, end)
      const fields = bounds.length / 2
      if (
        lineNo === 1 &&
        fields === 2 &&
        isHeader([buf.toString('latin1', start, space), buf.toString('latin1', space + 1, end)])
      )
        return // the dimension comes from the data, as inspection does
      if (dim === 0) dim = fields - 1
      if (fields < dim + 1) return // unusable line: inspection reports it
      if (!matrix) matrix = new Float32Array(vocab.length * dim)
      const word = buf.toString('utf8', start, bounds[(fields - dim) * 2 - 1])
      const ids = index.get(foldCase ? word.toLowerCase() : word)
      if (!ids) return
      for (const id of ids) {
        const quality = vocab[id] === word ? 2 : 1
        if (filled[id]! >= quality) continue
        filled[id] = quality
        for (let d = 0; d < dim; d++) {
          const f = fields - dim + d
          matrix[id * dim + d] = Number(buf.toString('latin1', bounds[2 * f], bounds[2 * f + 1]))
        }
      }
    },
    { signal: options.signal },
  )
  if (!matrix) matrix = new Float32Array(vocab.length * Math.max(dim, 1))
  const m = matrix as Float32Array
  if (options.oov === 'random') {
    const random = seededRandom(options.seed)
    for (let id = 1; id < vocab.length; id++)
      if (!filled[id]) for (let d = 0; d < dim; d++) m[id * dim + d] = (random() - 0.5) * 0.1
  }
  const temp = `${options.out}.tmp`
  await writeFile(temp, new Uint8Array(m.buffer, m.byteOffset, m.byteLength))
  await rename(temp, options.out)
  return { dim, ...coverage(vocab, options.counts, filled) }
}

function coverage(vocab: string[], counts: number[], filled: Uint8Array): EmbeddingCoverage {
  let found = 0
  let tokens = 0
  let covered = 0
  const missing: { word: string; count: number }[] = []
  for (let id = 2; id < vocab.length; id++) {
    const c = counts[id] ?? 0
    tokens += c
    if (filled[id]) {
      found++
      covered += c
    } else missing.push({ word: vocab[id]!, count: c })
  }
  missing.sort((a, b) => b.count - a.count)
  const words = vocab.length - 2
  return {
    vocabularyFound: found,
    vocabularySize: words,
    vocabularyShare: words ? found / words : 0,
    tokenShare: tokens ? covered / tokens : 0,
    topMissing: missing.slice(0, 50),
  }
}
