/**
 * The learned vectors of a bundle's most frequent words, read straight from `weights.bin` through
 * the manifest in `model.json` (plain file reading: main runs no tensor math). The Run page maps them
 * to 2-D off the UI thread.
 */
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { WordVectors } from '../../../shared/training/results'

interface WeightSpec {
  name: string
  shape: number[]
  dtype: string
}

const bytesPer: Record<string, number> = { float32: 4, int32: 4, bool: 1 }

/** Words 2 .. count+1 of the vocabulary (ids follow training frequency; 0 and 1 are PAD and UNK). */
export async function bundleWordVectors(dir: string, count: number): Promise<WordVectors> {
  const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: { weights: WeightSpec[] }[]
  }
  const specs = manifest.weightsManifest.flatMap((g) => g.weights)
  let offset = 0
  let table: WeightSpec | null = null
  for (const spec of specs) {
    if (spec.name.startsWith('embedding/')) {
      table = spec
      break
    }
    offset += spec.shape.reduce((a, b) => a * b, 1) * (bytesPer[spec.dtype] ?? 4)
  }
  if (!table || table.dtype !== 'float32') throw new Error(`The bundle in ${dir} has no float32 embedding table.`)
  const [rows, dim] = table.shape as [number, number]
  const vocab = (await readFile(join(dir, 'vocab.txt'), 'utf8')).split('\n').slice(0, -1)
  const n = Math.max(0, Math.min(count, vocab.length - 2, rows - 2))
  const file = await open(join(dir, 'weights.bin'), 'r')
  try {
    const buffer = Buffer.alloc(n * dim * 4)
    await file.read(buffer, 0, buffer.length, offset + 2 * dim * 4)
    const values = new Float32Array(buffer.buffer, buffer.byteOffset, n * dim)
    return { words: vocab.slice(2, 2 + n), dim, vectors: Array.from(values) }
  } finally {
    await file.close()
  }
}
