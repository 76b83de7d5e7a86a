/** The engine's pure parts against references: metrics, schedules, n-gram features, the sparse table, config tools. */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { seededRandom } from '../../src/main/core/datasets/splits'
import { EmbeddingTable } from '../../src/main/core/engine/embedding-table'
import { registerTrainingKernels } from '../../src/main/core/engine/kernels'
import { rocCurve, testMetrics } from '../../src/main/core/engine/metrics'
import { buildNetwork } from '../../src/main/core/engine/models'
import { learningRateAt } from '../../src/main/core/engine/schedule'
import { improves } from '../../src/main/core/engine/validation'
import { epochOrder } from '../../src/main/core/engine/random'
import { featureLength, writeNgramFeatures } from '../../src/shared/ngrams'
import { defaultConfig, trainConfigSchema, type TrainConfig } from '../../src/shared/training/config'
import { presets } from '../../src/shared/training/presets'
import { changedFields, fieldRange } from '../../src/shared/training/fields'
import { parseSetting } from '../../src/shared/training/settings'

const random = seededRandom(3)
const config = (c: Partial<TrainConfig>) => trainConfigSchema.parse({ ...defaultConfig, ...c })

beforeAll(async () => {
  await tf.setBackend('wasm')
  await tf.ready()
  registerTrainingKernels('wasm')
})

describe('test metrics', () => {
  it('counts the confusion matrix, per-class and macro figures', () => {
    // Labels 0 0 1 1 1, binary probabilities of class 1.
    const m = testMetrics(Float32Array.from([0.1, 0.7, 0.8, 0.4, 0.9]), [0, 0, 1, 1, 1], ['neg', 'pos'], 0.5)
    expect(m.confusion).toEqual([
      [1, 1],
      [1, 2],
    ])
    expect(m.accuracy).toBeCloseTo(3 / 5)
    expect(m.perClass.pos!.precision).toBeCloseTo(2 / 3)
    expect(m.perClass.pos!.recall).toBeCloseTo(2 / 3)
    expect(m.perClass.neg!.precision).toBeCloseTo(1 / 2)
    expect(m.f1).toBeCloseTo((2 / 3 + 1 / 2) / 2)
    expect(m.loss).toBe(0.5)
  })

  it('takes the arg max of softmax rows for several classes, with no ROC', () => {
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.2, 0.5, 0.3])
    const m = testMetrics(probs, [0, 2, 2], ['a', 'b', 'c'], 1)
    expect(m.confusion).toEqual([
      [1, 0, 0],
      [0, 0, 0],
      [0, 1, 1],
    ])
    expect(m.auc).toBeNull()
  })

  it('computes ROC AUC equal to the share of correctly ordered positive-negative pairs', () => {
    const n = 500
    const labels = Array.from({ length: n }, () => (random() < 0.4 ? 1 : 0))
    // Rounded scores make ties, which count one half.
    const scores = labels.map((l) => Math.round((random() + l * 0.5) * 20) / 20)
    let pairs = 0
    let wins = 0
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (labels[i] === 1 && labels[j] === 0) {
          pairs++
          wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0
        }
    const roc = rocCurve(scores, labels)
    expect(roc.auc).toBeCloseTo(wins / pairs, 10)
    expect(roc.fpr[0]).toBe(0)
    expect(roc.tpr.at(-1)).toBe(1)
    expect(roc.fpr.at(-1)).toBe(1)
  })
})

describe('learning-rate schedules', () => {
  it('keeps a constant rate, decays by steps, warms up then follows a cosine, or falls linearly to zero', () => {
    expect(learningRateAt(config({ learningRate: 0.1 }), 500, 1000)).toBe(0.1)
    const step = config({ learningRate: 0.1, schedule: 'step', decaySteps: 100, decayRate: 0.5 })
    expect(learningRateAt(step, 99, 1000)).toBe(0.1)
    expect(learningRateAt(step, 250, 1000)).toBeCloseTo(0.025)
    const cos = config({ learningRate: 0.1, schedule: 'warmup-cosine', warmupSteps: 10, minLearningRate: 0.01 })
    expect(learningRateAt(cos, 0, 110)).toBeCloseTo(0.01)
    expect(learningRateAt(cos, 9, 110)).toBeCloseTo(0.1)
    expect(learningRateAt(cos, 60, 110)).toBeCloseTo(0.055)
    expect(learningRateAt(cos, 110, 110)).toBeCloseTo(0.01)
    // fastText's: linear from the base rate down to zero at the last step.
    const linear = config({ learningRate: 0.5, schedule: 'linear' })
    expect(learningRateAt(linear, 0, 200)).toBe(0.5)
    expect(learningRateAt(linear, 150, 200)).toBeCloseTo(0.125)
    expect(learningRateAt(linear, 200, 200)).toBe(0)
  })
})

describe('the kept weights', () => {
  it('are those of the lowest validation loss, or of the highest accuracy with ties by the loss', () => {
    // An overconfident bag: the loss rises from epoch 1 while the accuracy still rises.
    const epoch1 = { loss: 0.528, accuracy: 0.741 }
    const epoch3 = { loss: 0.627, accuracy: 0.771 }
    expect(improves(epoch3, epoch1, 'loss')).toBe(false)
    expect(improves(epoch3, epoch1, 'accuracy')).toBe(true)
    expect(improves({ loss: 0.5, accuracy: 0.771 }, epoch3, 'accuracy')).toBe(true)
    expect(improves({ loss: 0.7, accuracy: 0.771 }, epoch3, 'accuracy')).toBe(false)
    expect(improves(epoch1, null, 'accuracy')).toBe(true)
  })
})

describe('seeded epoch order', () => {
  it('is a permutation, the same for the same seed and epoch, different across epochs', () => {
    const a = epochOrder(100, 7, 0)
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(epochOrder(100, 7, 0)).toEqual(a)
    expect(epochOrder(100, 7, 1)).not.toEqual(a)
  })
})

describe('n-gram features', () => {
  it('writes the words, then each bigram and trigram hashed after the vocabulary, zeros after', () => {
    const o = { vocabSize: 50, ngrams: 3, buckets: 1000 }
    const width = featureLength(6, 3)
    expect(width).toBe(6 + 5 + 4)
    const out = new Int32Array(width)
    writeNgramFeatures([5, 6, 7, 5, 6], 0, 5, o, out, 0)
    expect([...out.subarray(0, 5)]).toEqual([5, 6, 7, 5, 6])
    const bigrams = [...out.subarray(5, 9)]
    expect(bigrams.every((r) => r >= 50 && r < 1050)).toBe(true)
    expect(bigrams[0]).toBe(bigrams[3]) // "5 6" twice: one row
    expect(bigrams[0]).not.toBe(bigrams[1])
    expect([...out.subarray(12)]).toEqual([0, 0, 0])
  })
})

describe('the sparse embedding table', () => {
  const rows = 30
  const dim = 4
  const values = () => Float32Array.from({ length: rows * dim }, () => random() - 0.5)
  const ids = Int32Array.from({ length: 24 }, () => Math.floor(random() * rows)) // 3 rows of width 8
  const grad = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5)

  it('gives the gradient of gather and of gather-then-mean that tfjs computes', () => {
    const v = values()
    const table = new EmbeddingTable(v.slice(), rows, dim, true, 'sgd', 0)
    expect([...table.gather(ids)]).toEqual([...tf.gather(tf.tensor2d(v, [rows, dim]), ids).dataSync()])
    const dy = grad(24 * dim)
    const sparse = table.accumulate(ids, dy)
    const dense = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.tensor2d(dy, [24, dim]))))(
      tf.tensor2d(v, [rows, dim]),
    )
    const expected = dense.arraySync() as number[][]
    sparse.rows.forEach((r, i) => expected[r]!.forEach((g, k) => expect(sparse.grads[i * dim + k]).toBeCloseTo(g, 5)))
    expect(new Set(ids).size).toBe(sparse.rows.length)

    // A bag pools each row's features, padding (id 0) left out: the mean over its own features, or their sum.
    const bag = ids.map((id, i) => (i % 8 >= 5 + Math.floor(i / 8) ? 0 : id)) // rows of 5, 6 and 7 features
    const counts = tf.tensor2d([5, 6, 7], [3, 1])
    const featureMask = tf.tensor3d(
      [...bag].map((id) => (id === 0 ? 0 : 1)),
      [3, 8, 1],
    )
    const pooled = (t: tf.Tensor, pooling: 'mean' | 'sum') => {
      const sum = tf.sum(tf.mul(tf.gather(t, tf.tensor2d(bag, [3, 8], 'int32')), featureMask), 1)
      return pooling === 'sum' ? sum : tf.div(sum, counts)
    }
    for (const pooling of ['mean', 'sum'] as const) {
      const got = table.gatherPooled(bag, 8, pooling)
      pooled(tf.tensor2d(v, [rows, dim]), pooling)
        .dataSync()
        .forEach((m, i) => expect(got[i]).toBeCloseTo(m, 5))
      const dm = grad(3 * dim)
      const sparsePooled = table.accumulatePooled(bag, 8, dm, pooling)
      expect(sparsePooled.rows).not.toContain(0)
      const densePooled = tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(pooled(t, pooling), tf.tensor2d(dm, [3, dim]))))(
          tf.tensor2d(v, [rows, dim]),
        )
        .arraySync() as number[][]
      sparsePooled.rows.forEach((r, i) =>
        densePooled[r]!.forEach((g, k) => expect(sparsePooled.grads[i * dim + k]).toBeCloseTo(g, 5)),
      )
    }
  })

  for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop'] as const) {
    it(`updates the touched rows as tfjs's ${optimizer} does (two steps), and no other row`, () => {
      const v = values()
      const table = new EmbeddingTable(v.slice(), rows, dim, true, optimizer, 0.9)
      const variable = tf.variable(tf.tensor2d(v, [rows, dim]))
      const tfOptimizer = {
        sgd: () => tf.train.sgd(0.1),
        momentum: () => tf.train.momentum(0.1, 0.9),
        adam: () => tf.train.adam(0.1),
        rmsprop: () => tf.train.rmsprop(0.1, 0.9, 0.9),
      }[optimizer]()
      const touched = Int32Array.from([2, 5, 7])
      for (let step = 0; step < 2; step++) {
        const g = grad(touched.length * dim)
        table.apply(touched, g, 0.1)
        const dense = new Float32Array(rows * dim)
        touched.forEach((r, i) => dense.set(g.subarray(i * dim, (i + 1) * dim), r * dim))
        const gradients: tf.NamedTensorMap = { [variable.name]: tf.tensor2d(dense, [rows, dim]) }
        ;(tfOptimizer as tf.Optimizer).applyGradients(gradients)
      }
      const expected = variable.dataSync()
      for (const r of touched)
        for (let k = 0; k < dim; k++) expect(table.values[r * dim + k]).toBeCloseTo(expected[r * dim + k]!, 4)
      expect(table.values[0]).toBe(v[0]) // row 0 untouched: lazy
    })
  }
})

describe('configs and presets', () => {
  it('validates every preset and parses --set values by the field type', () => {
    for (const p of presets) expect(trainConfigSchema.safeParse(p.config).success).toBe(true)
    expect(parseSetting('epochs=3')).toEqual(['epochs', 3])
    expect(parseSetting('learningRate=0.001')).toEqual(['learningRate', 0.001])
    expect(parseSetting('filterSizes=2,3')).toEqual(['filterSizes', [2, 3]])
    expect(parseSetting('trainEmbeddings=false')).toEqual(['trainEmbeddings', false])
    expect(parseSetting('vectors=null')).toEqual(['vectors', null])
    expect(() => parseSetting('epoch=3')).toThrow(/Unknown setting "epoch"/)
    expect(() => parseSetting('epochs')).toThrow(/key=value/)
    expect(trainConfigSchema.safeParse({ ...defaultConfig, epochs: Number('x') }).success).toBe(false)
    expect(changedFields(config({ epochs: 9 }), defaultConfig)).toEqual(['epochs'])
    expect(fieldRange('dropout')).toBe('0 to 0.95')
    expect(fieldRange('learningRate')).toBe('above 0, at most 10')
    expect(fieldRange('warmupSteps')).toBe('at least 0')
    expect(fieldRange('model')).toBeNull()
  })

  it('reads out the first and last time steps of a bidirectional LSTM (MindSpore) from the right places', () => {
    const c = config({
      model: 'bilstm',
      embeddingDim: 4,
      hiddenUnits: 3,
      layers: 1,
      readout: 'first-last',
      maxLen: 5,
      dropout: 0,
    })
    const net = buildNetwork(c, { vocabSize: 10, classes: 2 })
    const layer = net.body.getLayer('first_last')
    const probe = tf.model({
      inputs: net.body.inputs,
      outputs: [layer.output as tf.SymbolicTensor, net.body.getLayer('bidirectional_0').output as tf.SymbolicTensor],
    })
    const x = tf.randomNormal([2, 5, 4])
    const [readout, sequence] = probe.predict(x) as tf.Tensor[]
    const seq = sequence!.arraySync() as number[][][]
    const out = readout!.arraySync() as number[][]
    for (let b = 0; b < 2; b++) expect(out[b]).toEqual([...seq[b]![0]!, ...seq[b]![4]!])
  })
})
