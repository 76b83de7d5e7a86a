/**
 * Would the bag/embedding-table path gain from TensorFlow's native ops? One fasttext-bigram step on
 * aclImdb's shapes (288k rows of 50, batch 128 of 999 n-gram ids), in JavaScript as training runs it
 * (EmbeddingTable) and as tfjs ops on tfjs-node (which must be built): the forward gather and
 * mean with the table already in TensorFlow and with it uploaded first (the table changes every step
 * and its lazy Adam update has no tfjs op that writes rows in place), the dense gradient a tfjs
 * variable would get, and writing the touched rows back (tensorScatterUpdate copies the table).
 *
 *   node --import tsx bench/embedding-native.ts
 *
 * Measured here, two runs (2 shared cores, TensorFlow 2.21.0 with 2 threads): JavaScript gatherMean
 * 25-34 ms, its sparse gradient + lazy Adam 96-124 ms; TensorFlow gather + mean 19-27 ms, the dense
 * gradient 265-295 ms, writing the touched rows back 289-299 ms. Only the forward half could gain,
 * within the noise, so the table stays in JavaScript.
 */
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'
import { EmbeddingTable } from '../src/main/core/engine/embedding-table'
import { featureLength } from '../src/shared/ngrams'
import { seededRandom } from '../src/main/core/datasets/splits'

const vocab = 87_944
const rows = vocab + 200_000
const dim = 50
const n = 128
const width = featureLength(500, 2)
const repeats = 10

function time(label: string, work: () => void): number {
  work() // warm up
  const t0 = performance.now()
  for (let i = 0; i < repeats; i++) work()
  const ms = (performance.now() - t0) / repeats
  console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms`)
  return ms
}

async function main() {
  // Optional package (built by `npm run native:tensorflow`): loaded untyped, so the type check never needs it.
  createRequire(__filename)('@tensorflow/tfjs-node')
  await tf.setBackend('tensorflow')
  const random = seededRandom(1)
  const values = new Float32Array(rows * dim).map(() => random() - 0.5)
  const table = new EmbeddingTable(values, rows, dim, true, 'adam', 0)
  // A review of 230 words (aclImdb's mean) fills 459 of the 999 places, the rest is padding (id 0):
  // Zipf-like word ids, then hashed bigrams spread over the buckets.
  const ids = new Int32Array(n * width).map((_, i) => {
    const at = i % width
    return at < 230
      ? 2 + Math.floor((vocab - 2) * random() ** 3)
      : at < 459
        ? vocab + Math.floor(200_000 * random())
        : 0
  })
  const grad = new Float32Array(n * dim).map(() => random() - 0.5)
  console.log(`tensorflow: table ${rows} x ${dim}, batch ${n} x ${width} ids, mean of ${repeats} steps`)

  const js =
    time('JavaScript: gatherPooled', () => table.gatherPooled(ids, width, 'mean')) +
    time('JavaScript: accumulatePooled (sparse gradient) + lazy Adam', () => {
      const { rows: touched, grads } = table.accumulatePooled(ids, width, grad, 'mean')
      table.apply(touched, grads, 0.01)
    })

  const resident = tf.tensor2d(values, [rows, dim])
  const idTensor = tf.tensor1d(ids, 'int32')
  const gatherMean = (t: tf.Tensor2D) =>
    tf.tidy(() => tf.gather(t, idTensor).reshape([n, width, dim]).mean(1).dataSync())
  time('tfjs: gather + mean, table resident', () => gatherMean(resident))
  time('tfjs: upload the table, then gather + mean', () => {
    const t = tf.tensor2d(values, [rows, dim])
    gatherMean(t)
    t.dispose()
  })
  time('tfjs: dense gradient (UnsortedSegmentSum over the table)', () =>
    tf.tidy(() => {
      const g = tf
        .tensor2d(grad, [n, dim])
        .div(width)
        .expandDims(1)
        .tile([1, width, 1])
        .reshape([n * width, dim])
      tf.unsortedSegmentSum(g, idTensor, rows).dataSync()
    }),
  )
  const { rows: touched, grads } = table.accumulatePooled(ids, width, grad, 'mean')
  time(`tfjs: write ${touched.length} touched rows back (tensorScatterUpdate)`, () =>
    tf.tidy(() => {
      const at = tf.tensor2d(touched, [touched.length, 1], 'int32')
      tf.tensorScatterUpdate(resident, at, tf.tensor2d(grads, [touched.length, dim])).dataSync()
    }),
  )
  console.log(`JavaScript total per step: ${js.toFixed(1)} ms`)
}

void main()
