/** The size rules: what each preset gets on small, mid-sized and large datasets, and the sentences that say why. */
import { describe, expect, it } from 'vitest'
import { findPreset } from '../../src/shared/training/presets'
import { sizeRules, statsOf, type DatasetStats } from '../../src/shared/training/size-rules'

const preset = (name: string) => findPreset(name)!.config
const stats = (examples: number, median: number, p95: number, max: number): DatasetStats => ({
  examples,
  classes: 2,
  lengths: { median, p95, max },
  vocabSize: 10_000,
})
const shortSentences = stats(1920, 18, 35, 60)
const rtPolarity = stats(8636, 21, 38, 58)
const aclImdb = stats(20_000, 174, 610, 2470)

describe('size rules', () => {
  it('gives a small dataset of short sentences enough updates, a short length and fewer buckets', () => {
    const { settings, explanation } = sizeRules(shortSentences, preset('fasttext-bigram'))
    expect(settings).toMatchObject({ batchSize: 16, epochs: 25, patience: 3, maxLen: 60, hashBuckets: 131_072 })
    expect(explanation[0]).toBe(
      '1,920 training examples: 25 epochs, batch 16, about 3,000 updates, stopping after 3 epochs without a better validation accuracy.',
    )
    expect(explanation).toContain('Length 60: twice the 95th percentile (35 tokens), at most the longest (60).')
  })

  it('shortens the warm-up of the recommended preset to a tenth of the updates', () => {
    expect(sizeRules(shortSentences, preset('recommended')).settings.warmupSteps).toBeUndefined() // 50 fits
    const { settings, explanation } = sizeRules(shortSentences, { ...preset('recommended'), warmupSteps: 5000 })
    expect(settings.warmupSteps).toBe(300)
    expect(explanation).toContain('Warm-up 300 steps: a tenth of the updates.')
  })

  it('scales the learning rate of SGD with the batch, and leaves Adam alone', () => {
    const sgd = sizeRules(shortSentences, preset('rnn-baseline')).settings
    expect(sgd.batchSize).toBe(16)
    expect(sgd.learningRate).toBeCloseTo(1e-3 / 4, 10)
    expect(sizeRules(shortSentences, preset('kim-cnn')).settings.learningRate).toBeUndefined()
  })

  it("gives per-example updates (fastText's) epochs by examples seen, and leaves their rate alone", () => {
    const { settings, explanation } = sizeRules(shortSentences, preset('fasttext-sgd'))
    expect(settings).toMatchObject({ batchSize: 16, epochs: 50, patience: 3 })
    expect(settings.learningRate).toBeUndefined()
    expect(explanation[0]).toBe(
      '1,920 training examples: 50 epochs, batch 16, 96,000 per-example updates, stopping after 3 epochs without a better validation accuracy.',
    )
    expect(sizeRules(rtPolarity, preset('fasttext-sgd')).settings.epochs).toBe(12)
    expect(sizeRules(aclImdb, preset('fasttext-sgd')).settings.epochs).toBeUndefined() // the preset's 5
  })

  it('cuts sequences to the 95th percentile, never above the preset, and validates per epoch on a short run', () => {
    expect(sizeRules(rtPolarity, preset('kim-cnn')).settings.maxLen).toBe(40)
    expect(sizeRules(aclImdb, preset('sentimentnet-bilstm')).settings.maxLen).toBeUndefined() // 610 > 200
    const amazon = sizeRules(shortSentences, preset('amazon-lstm')).settings
    expect(amazon.validateEvery).toBe(0)
    expect(amazon.maxLen).toBe(40)
  })

  it('leaves a large dataset of long reviews close to the presets tuned on it', () => {
    const { settings } = sizeRules(aclImdb, preset('fasttext-bigram'))
    expect(settings.batchSize).toBeUndefined()
    expect(settings.hashBuckets).toBeUndefined()
    expect(settings.maxLen).toBe(1220)
    expect(settings.epochs).toBe(20)
  })

  it('gives NBSVM buckets for its n-grams and its length, and no optimizer settings', () => {
    const { settings, explanation } = sizeRules(aclImdb, preset('nbsvm'))
    expect(settings).toEqual({ maxLen: 1220, hashBuckets: 2 ** 23 })
    expect(explanation[0]).toBe('20,000 training examples.')
    // Eight buckets per token (~181,000 here), so that few unseen test n-grams land in a trained bucket.
    expect(sizeRules(rtPolarity, preset('nbsvm')).settings).toEqual({ maxLen: 60, hashBuckets: 2 ** 21 })
    expect(sizeRules(shortSentences, preset('nbsvm')).settings.hashBuckets).toBe(2 ** 20)
  })

  it('gives a trained bag bigrams at most below a million training tokens, and NBSVM its own n-grams', () => {
    // rt-polarity: 8,636 x 21 = ~181,000 tokens.
    const { settings, explanation } = sizeRules(rtPolarity, preset('recommended'))
    expect(settings.ngrams).toBe(2)
    expect(explanation).toContain(
      'Bigrams, not longer n-grams: below 1,000,000 training tokens (~181,356) most trigrams occur once, and a bag learns its examples by heart through them.',
    )
    expect(sizeRules(stats(47_000, 21, 38, 58), preset('recommended')).settings.ngrams).toBe(2) // 987,000
    expect(sizeRules(stats(48_000, 21, 38, 58), preset('recommended')).settings.ngrams).toBeUndefined() // 1,008,000
    expect(sizeRules(aclImdb, preset('recommended')).settings.ngrams).toBeUndefined()
    expect(sizeRules(rtPolarity, preset('fasttext-bigram')).settings.ngrams).toBeUndefined()
    expect(sizeRules(rtPolarity, { ...preset('nbsvm'), ngrams: 3 }).settings.ngrams).toBeUndefined()
  })

  it('changes nothing, and says nothing, where the preset already fits', () => {
    const fits = { ...preset('fasttext-bigram'), maxLen: 1220, epochs: 20 }
    expect(sizeRules(aclImdb, fits)).toEqual({ settings: {}, explanation: [] })
  })

  it("reads a dataset's summary", () => {
    const summary = { counts: { train: 5, val: 1, test: 2 }, classes: ['a', 'b', 'c'], vocabSize: 9 }
    const lengths = { mean: 3, median: 3, p90: 4, p95: 5, max: 6, fitShare: 1, histogram: { edges: [], counts: [] } }
    expect(statsOf({ ...summary, lengths })).toEqual({
      examples: 5,
      classes: 3,
      lengths: { median: 3, p95: 5, max: 6 },
      vocabSize: 9,
    })
  })
})
