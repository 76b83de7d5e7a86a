/**
 * The recurrent kinds are scored by an inference-only pass (`engine/recurrent-scorer.ts`): for the
 * simple RNN, LSTM, GRU and BiLSTM, one and two layers, every readout (last, first-last, max, mean),
 * sigmoid and softmax outputs, post and pre padding and truncation, its probabilities equal the tfjs
 * model's to 1e-5 (the network as training runs it, and the stock tfjs layers), on texts with known
 * and unknown words, empty and longer than maxLen, with the same predicted classes; the same when its
 * per-word gates are not kept; and what it does not know (another kind) is left to tfjs.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { encodeTexts, predictEncoded, type Bundle } from '../../src/main/core/engine/bundle'
import { recurrentLogits } from '../../src/main/core/engine/recurrent-scorer'
import { faultsEnv } from '../../src/main/core/faults'
import { useStockRecurrent } from '../../src/main/core/engine/recurrent/fused-layers'
import { modelRows } from '../../src/main/core/engine/data'
import { buildNetwork } from '../../src/main/core/engine/models'
import { seededRandom } from '../../src/main/core/datasets/splits'
import { bundleOfNetwork, randomizeBody, randomTexts, words } from '../fixtures/scorer-bundle'
import { defaultConfig, trainConfigSchema, type TrainConfig } from '../../src/shared/training/config'

const random = seededRandom(7)

async function bundleOf(config: TrainConfig, classes: string[]): Promise<Bundle> {
  const net = buildNetwork(config, { vocabSize: words.length, classes: classes.length })
  for (let i = 0; i < net.table.values.length; i++) net.table.values[i] = (random() - 0.5) * 2
  // Random weights wide enough that the probabilities spread far from uniform (the logits' widest).
  randomizeBody(net, random, (name) => (name === 'logits' ? 8 : 1.2))
  expect(recurrentLogits(net)).not.toBeNull()
  return bundleOfNetwork(net, config, classes)
}

const texts = () => [
  '',
  'great',
  'a b',
  'The film was not good, the plot awful!',
  'unknown words only zzz qqq',
  ...randomTexts(random, 25, 30),
]

/** A loaded network of `settings` and a batch large enough to share with a thread, with its logits scored on this thread alone. */
async function largeBatch(settings: Partial<TrainConfig>) {
  const config = trainConfigSchema.parse({ ...defaultConfig, ...settings })
  const bundle = await bundleOf(config, ['neg', 'pos'])
  const net = buildNetwork(config, { vocabSize: words.length, classes: 2, loading: true })
  net.importWeights(bundle.model)
  const { ids, offsets } = encodeTexts(bundle, [...texts(), ...texts()])
  const rows = offsets.length - 1
  const { x } = modelRows(ids, offsets, config, words.length)
  return { net, x, rows, alone: await recurrentLogits(net, { threads: 0 })!(x, rows) }
}

const argmax = (p: Float32Array, row: number, c: number) => {
  let best = 0
  for (let k = 1; k < c; k++) if (p[row * c + k]! > p[row * c + best]!) best = k
  return best
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  await tf.ready()
})
afterEach(() => useStockRecurrent(false))

describe('recurrent kinds scored for inference only', () => {
  const two = ['neg', 'pos']
  const cases: [string, Partial<TrainConfig>, string[]][] = [
    [
      'SentimentNet: 2-layer BiLSTM, first-last, softmax, post',
      { model: 'bilstm', layers: 2, readout: 'first-last', output: 'softmax' },
      two,
    ],
    ['BiLSTM, last, sigmoid, pre padding and truncation', { model: 'bilstm', padding: 'pre', truncating: 'pre' }, two],
    ['LSTM, 2 layers, last, dropout', { model: 'lstm', layers: 2, dropout: 0.5 }, two],
    ['LSTM, max, five classes', { model: 'lstm', readout: 'max' }, ['1', '2', '3', '4', '5']],
    ['GRU, 2 layers, mean', { model: 'gru', layers: 2, readout: 'mean' }, two],
    ['GRU, first-last, pre', { model: 'gru', readout: 'first-last', padding: 'pre' }, two],
    ['simple RNN, 2 layers, last', { model: 'rnn', layers: 2 }, two],
    ['simple RNN, max, softmax', { model: 'rnn', readout: 'max', output: 'softmax' }, two],
    ['BiLSTM, 2 layers, mean', { model: 'bilstm', layers: 2, readout: 'mean' }, two],
    ['BiLSTM, max', { model: 'bilstm', readout: 'max' }, two],
  ]
  it.each(cases)('equals the tfjs model to 1e-5: %s', async (_name, overrides, classes) => {
    const config = trainConfigSchema.parse({
      ...defaultConfig,
      embeddingDim: 6,
      hiddenUnits: 5,
      layers: 1,
      readout: 'last',
      maxLen: 12,
      trainEmbeddings: true,
      ...overrides,
    })
    const bundle = await bundleOf(config, classes)
    const { ids, offsets } = encodeTexts(bundle, texts())
    const rows = offsets.length - 1
    const c = bundle.preprocessing.output === 'sigmoid' ? 2 : classes.length
    const plain = await predictEncoded(bundle, ids, offsets, 16)
    const fused = await predictEncoded({ ...bundle, tensorsOnly: true }, ids, offsets, 16)
    useStockRecurrent(true)
    const stock = await predictEncoded({ ...bundle, tensorsOnly: true }, ids, offsets, 16)
    expect(plain.length).toBe(stock.length)
    let spread = 0
    for (let i = 0; i < plain.length; i++) {
      expect(Math.abs(plain[i]! - stock[i]!)).toBeLessThan(1e-5)
      expect(Math.abs(plain[i]! - fused[i]!)).toBeLessThan(1e-5)
      spread = Math.max(spread, Math.abs(stock[i]! - 1 / c))
    }
    expect(spread).toBeGreaterThan(0.1)
    for (let r = 0; r < rows; r++) expect(argmax(plain, r, c)).toBe(argmax(stock, r, c))
    // With room for one word's gates only, the others are computed per batch: the same logits.
    const net = buildNetwork(config, { vocabSize: words.length, classes: classes.length, loading: true })
    net.importWeights(bundle.model)
    const { x } = modelRows(ids, offsets, config, words.length)
    const small = recurrentLogits(net, { maxCacheBytes: 1, threads: 0 })!
    const half = Math.floor(rows / 2) * config.maxLen
    const split = new Float32Array([
      ...(await small(x.subarray(0, half), rows >> 1)),
      ...(await small(x.subarray(half), rows - (rows >> 1))),
    ])
    expect(split).toEqual(await recurrentLogits(net, { threads: 0 })!(x, rows))
    bundle.model.dispose()
  })

  it('scores half of a large batch on a worker thread, to the same logits', async () => {
    const { net, x, rows, alone } = await largeBatch({
      model: 'bilstm',
      embeddingDim: 6,
      hiddenUnits: 5,
      layers: 2,
      readout: 'first-last',
      maxLen: 12,
    })
    const shared = await recurrentLogits(net, { threads: 1, waitForThread: true })!(x, rows)
    expect(rows).toBeGreaterThanOrEqual(32)
    expect(shared).toEqual(alone)
  })

  it('scores a crashed thread’s share, and every later batch, on its own thread, to the same logits', async () => {
    const { net, x, rows, alone } = await largeBatch({ model: 'lstm', embeddingDim: 6, hiddenUnits: 5, maxLen: 12 })
    // The thread reads the fault when it starts: it answers one share, then crashes on the next.
    const failures: string[] = []
    process.env[faultsEnv] = 'recurrent-thread-requests=1'
    try {
      const score = recurrentLogits(net, { threads: 1, onThreadFailure: (err) => failures.push(err.message) })!
      // Until the thread is up the batches are scored here alone; then it takes a share, then crashes.
      for (let i = 0; i < 600 && failures.length === 0; i++) {
        expect(await score(x, rows)).toEqual(alone)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(failures).toEqual([expect.stringMatching(/Injected fault: the recurrent scorer thread crashes/)])
      expect(await score(x, rows)).toEqual(alone)
      expect(failures).toHaveLength(1)
    } finally {
      delete process.env[faultsEnv]
    }
  })

  it('leaves other kinds, and layers it does not reproduce, to tfjs', () => {
    const cnn = trainConfigSchema.parse({ ...defaultConfig, model: 'cnn', embeddingDim: 6, maxLen: 12 })
    expect(recurrentLogits(buildNetwork(cnn, { vocabSize: words.length, classes: 2 }))).toBeNull()
    const config = trainConfigSchema.parse({
      ...defaultConfig,
      model: 'lstm',
      embeddingDim: 6,
      hiddenUnits: 5,
      maxLen: 12,
    })
    const net = buildNetwork(config, { vocabSize: words.length, classes: 2 })
    expect(recurrentLogits(net, { threads: 0 })).not.toBeNull()
    // tfjs's default hard-sigmoid gates (a bundle made elsewhere) are not the logistic ones this computes.
    const hard = tf.layers.lstm({ units: 5, recurrentActivation: 'hardSigmoid' })
    type WithCell = { cell: { recurrentActivation: unknown } }
    const cell = (net.body.getLayer('recurrent_0') as unknown as WithCell).cell
    cell.recurrentActivation = (hard as unknown as WithCell).cell.recurrentActivation
    expect(recurrentLogits(net, { threads: 0 })).toBeNull()
  })
})
