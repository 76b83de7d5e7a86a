/**
 * The CNN kind is scored in plain JavaScript (`engine/cnn-scorer.ts`, the embedding folded into the
 * convolutions): for Kim's widths 3, 4, 5 and a single width, sigmoid and softmax outputs, post and
 * pre padding and truncation, its probabilities equal the tfjs model's (the stock layers model a
 * bundle holds, run by tfjs) to 1e-5, on texts with known and unknown words, empty, shorter than a
 * filter and longer than maxLen; and the same when its per-word products are not kept.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { encodeTexts, predictEncoded, type Bundle } from '../../src/main/core/engine/bundle'
import { cnnLogits } from '../../src/main/core/engine/cnn-scorer'
import { modelRows } from '../../src/main/core/engine/data'
import { buildNetwork } from '../../src/main/core/engine/models'
import { seededRandom } from '../../src/main/core/datasets/splits'
import { bundleOfNetwork, randomizeBody, randomTexts, words } from '../fixtures/scorer-bundle'
import { defaultConfig, trainConfigSchema, type TrainConfig } from '../../src/shared/training/config'

const random = seededRandom(5)

async function bundleOf(config: TrainConfig, classes: string[]): Promise<Bundle> {
  const net = buildNetwork(config, { vocabSize: words.length, classes: classes.length })
  for (let i = 0; i < net.table.values.length; i++) net.table.values[i] = (random() - 0.5) * 2
  // Random weights wide enough that the probabilities spread far from uniform.
  randomizeBody(net, random, () => 0.8)
  expect(cnnLogits(net)).not.toBeNull()
  return bundleOfNetwork(net, config, classes)
}

const texts = () => [
  '',
  'great',
  'a b',
  'The film was not good, the plot awful!',
  'unknown words only zzz qqq',
  ...randomTexts(random, 30, 40),
]

beforeAll(async () => {
  await tf.setBackend('cpu')
  await tf.ready()
})

describe('cnn scored in JavaScript', () => {
  const cases: [string, Partial<TrainConfig>, string[]][] = [
    ['Kim widths 3, 4, 5, sigmoid, padding post', { filterSizes: [3, 4, 5] }, ['neg', 'pos']],
    [
      'Kim widths, softmax, padding and truncation pre, dropout',
      { filterSizes: [3, 4, 5], output: 'softmax', padding: 'pre', truncating: 'pre', dropout: 0.5 },
      ['neg', 'pos'],
    ],
    ['one width, five classes', { filterSizes: [2] }, ['1', '2', '3', '4', '5']],
  ]
  it.each(cases)('equals the tfjs model to 1e-5: %s', async (_name, overrides, classes) => {
    const config = trainConfigSchema.parse({
      ...defaultConfig,
      model: 'cnn',
      embeddingDim: 8,
      filters: 6,
      maxLen: 24,
      ...overrides,
    })
    const bundle = await bundleOf(config, classes)
    const { ids, offsets } = encodeTexts(bundle, texts())
    const plain = await predictEncoded(bundle, ids, offsets, 16)
    const tensors = await predictEncoded({ ...bundle, tensorsOnly: true }, ids, offsets, 16)
    expect(plain.length).toBe(tensors.length)
    let spread = 0
    for (let i = 0; i < plain.length; i++) {
      expect(Math.abs(plain[i]! - tensors[i]!)).toBeLessThan(1e-5)
      spread = Math.max(spread, Math.abs(tensors[i]! - 1 / classes.length))
    }
    expect(spread).toBeGreaterThan(0.1)
    // With room for one word's products only, the others are computed per row: the same logits.
    const net = buildNetwork(config, { vocabSize: words.length, classes: classes.length, loading: true })
    net.importWeights(bundle.model)
    const { x } = modelRows(ids, offsets, config, words.length)
    const rows = offsets.length - 1
    expect(cnnLogits(net, 1)!(x, rows)).toEqual(cnnLogits(net)!(x, rows))
    bundle.model.dispose()
  })
})
