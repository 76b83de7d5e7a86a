/**
 * Word-vector benchmarks (issue 4): on a generated 400,000 x 300 GloVe-format file (about 1 GB),
 * the header fix-up's throughput and building a 30,000-word embedding matrix (time, peak memory).
 * Targets: fix-up >= 150 MB/s; matrix < 15 s with < 500 MB above baseline.
 */
import { createWriteStream, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fixHeader } from '../src/main/core/vectors/fix-header'
import { buildEmbeddingMatrix } from '../src/main/core/vectors/matrix'
import { seededRandom } from '../src/main/core/datasets/splits'
import { mb, measure } from './measure'

const words = 400_000
const dim = 300

async function generate(file: string): Promise<void> {
  if (existsSync(file) && statSync(file).size > 900 * 2 ** 20) return
  const random = seededRandom(1)
  const out = createWriteStream(file)
  let chunk: string[] = []
  for (let w = 0; w < words; w++) {
    const values = new Array<string>(dim)
    for (let d = 0; d < dim; d++) values[d] = (random() * 2 - 1).toFixed(6)
    chunk.push(`w${w} ${values.join(' ')}`)
    if (chunk.length === 2000) {
      if (!out.write(chunk.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()))
      chunk = []
    }
  }
  await new Promise<void>((resolve) => out.end(chunk.length ? chunk.join('\n') + '\n' : '', () => resolve()))
}

export async function benchVectors(workDir: string) {
  const file = join(workDir, 'glove.400k.300d.txt')
  process.stderr.write('vectors: generating a 400,000 x 300 GloVe file…\n')
  await generate(file)
  const bytes = statSync(file).size
  const fixed = join(workDir, 'glove.400k.300d.w2v.txt')
  const fix = await measure(() => fixHeader({ path: file, out: fixed }))
  // 30,000 words: 27,000 in the file (spread over it), 3,000 not.
  const vocab = [
    '<pad>',
    '<unk>',
    ...Array.from({ length: 27_000 }, (_, i) => `w${i * 14}`),
    ...Array.from({ length: 3_000 }, (_, i) => `missing${i}`),
  ]
  const counts = vocab.map((_, i) => (i < 2 ? 0 : 1 + (vocab.length - i)))
  const matrix = await measure(() =>
    buildEmbeddingMatrix({
      path: file,
      vocab,
      counts,
      foldCase: false,
      oov: 'zeros',
      seed: 1,
      out: join(workDir, 'matrix.f32'),
    }),
  )
  return {
    file: { words, dim, megabytes: +mb(bytes).toFixed(1) },
    fixHeader: {
      seconds: +fix.seconds.toFixed(2),
      megabytesPerSecond: +(mb(bytes) / fix.seconds).toFixed(1),
      peakRssAboveBaselineMb: +fix.peakRssAboveBaselineMb.toFixed(1),
      target: '>= 150 MB/s',
    },
    embeddingMatrix: {
      vocabulary: vocab.length,
      found: matrix.value.vocabularyFound,
      seconds: +matrix.seconds.toFixed(2),
      peakRssAboveBaselineMb: +matrix.peakRssAboveBaselineMb.toFixed(1),
      target: '< 15 s, < 500 MB above baseline',
    },
  }
}
