/**
 * Bag models are scored in plain JavaScript (`engine/bag-scorer.ts`): for every bag kind, n-gram
 * order, output and class count, its probabilities equal the tfjs model's (the stock layers model a
 * bundle holds) to 1e-5, on texts with known and unknown words, empty and longer than maxLen.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { encodeTexts, predictEncoded, type Bundle } from '../../src/main/core/engine/bundle'
import { bagLogits } from '../../src/main/core/engine/bag-scorer'
import { buildNetwork } from '../../src/main/core/engine/models'
import { seededRandom } from '../../src/main/core/datasets/splits'
import { bundleOfNetwork, randomizeBody, randomTexts, words } from '../fixtures/scorer-bundle'
import { defaultConfig, trainConfigSchema, type TrainConfig } from '../../src/shared/training/config'
import { modelKinds, modelKindSpec } from '../../src/shared/training/model-kinds'

const bagKinds = modelKinds.filter((k) => modelKindSpec(k).input === 'bag')
const random = seededRandom(11)

function bundleOf(config: TrainConfig, classes: string[]): Bundle {
  const net = buildNetwork(config, { vocabSize: words.length, classes: classes.length })
  // Wide weights, so the probabilities spread far from 0.5 and a wrong sum would show.
  for (let i = 0; i < net.table.values.length; i++) net.table.values[i] = (random() - 0.5) * 4
  // The head's weights too, seeded: its own initializer is not, and a near-zero nbsvm kernel
  // failed the spread check below now and then.
  randomizeBody(net, random, () => 4)
  // The JavaScript path applies (else both sides below would be tfjs).
  expect(bagLogits(net)).not.toBeNull()
  return bundleOfNetwork(net, config, classes)
}

const texts = () => [
  '',
  'great',
  'The film was not good, the plot awful!',
  'unknown words only zzz qqq',
  ...randomTexts(random, 40, 30),
]

beforeAll(async () => {
  await tf.setBackend('cpu')
  await tf.ready()
})

describe.each(bagKinds)('%s scored in JavaScript', (model) => {
  const cases: [string, Partial<TrainConfig>, string[]][] = [
    ['unigrams, sigmoid', { ngrams: 1 }, ['neg', 'pos']],
    ['bigrams, sigmoid, dropout, truncated post', { ngrams: 2, dropout: 0.5, maxLen: 10 }, ['neg', 'pos']],
    [
      'trigrams, softmax, truncated pre',
      { ngrams: 3, output: 'softmax', maxLen: 12, truncating: 'pre' },
      ['neg', 'pos'],
    ],
    ['bigrams, five classes', { ngrams: 2 }, ['1', '2', '3', '4', '5']],
    ['bigrams, end-of-text word', { ngrams: 2, endOfText: true }, ['neg', 'pos']],
    [
      'trigrams, end-of-text word, truncated pre, five classes',
      { ngrams: 3, endOfText: true, maxLen: 10, truncating: 'pre' },
      ['1', '2', '3', '4', '5'],
    ],
  ]
  it.each(cases)('equals the tfjs model to 1e-5: %s', async (_name, overrides, classes) => {
    const config = trainConfigSchema.parse({
      ...defaultConfig,
      model,
      embeddingDim: 8,
      hashBuckets: 1009,
      maxLen: 20,
      ...overrides,
    })
    const bundle = bundleOf(config, classes)
    const { ids, offsets } = encodeTexts(bundle, texts())
    const plain = await predictEncoded(bundle, ids, offsets, 16)
    const tensors = await predictEncoded({ ...bundle, tensorsOnly: true }, ids, offsets, 16)
    expect(plain.length).toBe(tensors.length)
    let spread = 0
    for (let i = 0; i < plain.length; i++) {
      expect(Math.abs(plain[i]! - tensors[i]!)).toBeLessThan(1e-5)
      spread = Math.max(spread, Math.abs(tensors[i]! - 1 / classes.length))
    }
    // The comparison means something: the model is far from uniform.
    expect(spread).toBeGreaterThan(0.1)
    bundle.model.dispose()
  })
})
