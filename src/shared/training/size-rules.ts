/**
 * Size-aware settings: the optimisation settings a preset gets on a dataset, from the dataset's size
 * and lengths by stated rules. The presets were tuned on aclImdb (20,000 long reviews): on 2,000
 * short sentences, 5 epochs at batch 128 is 80 updates, and rows of 400 tokens are mostly padding.
 * Each rule is one line of `explanation`, which the form shows. Pure: no Node, no DOM.
 *
 * - batch: about 1/100 of the training examples, a power of two from 16 to the preset's own;
 * - epochs: enough for about 3,000 updates (never fewer than the preset's, at most 50), with early
 *   stopping on the validation loss (patience 3) once it adds epochs; per-example updates (fastText's)
 *   aim for 100,000 example updates instead, 5 epochs of aclImdb;
 * - learning rate: SGD and Momentum scale it with the batch (the linear rule); Adam and RMSProp keep it,
 *   and so do per-example updates (fastText's), for which the batch only paces progress;
 * - warm-up: at most a tenth of the updates; validating every N steps only when the run has 4 × N;
 * - length: sequences cover 95% of the examples (p95, rounded up to 10, never above the preset's);
 *   bags of n-grams cost nothing for their length, so they keep up to twice the p95, up to the longest;
 * - hash buckets: about two per distinct n-gram, estimated as the tokens of the training split
 *   (fastText bag: never above the preset's); NBSVM: eight per token, 2^20 to 2^23 (one weight per
 *   row and output): a test n-gram never seen in training that lands in a trained bucket takes that
 *   bucket's weight, which at two per token happens to about one in five;
 * - n-grams: a trained bag takes bigrams at most below a million training tokens. There most
 *   trigrams occur once (80% of rt-polarity's 190,000 tokens' trigram occurrences, against 45% of
 *   aclImdb's 5.7 million), and each is a row that fits its one example: `recommended` reached 99.8%
 *   training accuracy by its third epoch there; with bigrams its 10 folds gained 0.9 points (76.5%).
 */
import type { TrainConfig } from './config'
import { modelKindSpec } from './model-kinds'

/** What the rules read from a dataset (`statsOf` takes them from a dataset's summary). */
export interface DatasetStats {
  /** Training examples. */
  examples: number
  classes: number
  /** Tokens per training example. */
  lengths: { median: number; p95: number; max: number }
  vocabSize: number
}

export interface SizeRules {
  /** The settings the rules change, and nothing else. */
  settings: Partial<TrainConfig>
  /** One sentence per rule that changed something, the first naming the dataset's size. */
  explanation: string[]
}

/** Training tokens below which a trained bag's trigrams are mostly seen once (see above). */
const trigramTokens = 1_000_000

/** Updates a run aims for, and the epochs it may take to get them. */
const targetUpdates = 3000
const maxEpochs = 50
/** Per-example updates (fastText's) a run aims for: fastText's 5 epochs of aclImdb's 20,000 reviews. */
const targetExampleUpdates = 100_000

const pow2Floor = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)))
const pow2Ceil = (x: number) => 2 ** Math.ceil(Math.log2(Math.max(1, x)))
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))
const roundUp10 = (x: number) => Math.ceil(x / 10) * 10
const count = (n: number) => n.toLocaleString('en')

export function statsOf(summary: {
  counts: { train: number }
  classes: readonly string[]
  lengths: { median: number; p95: number; max: number }
  vocabSize: number
}): DatasetStats {
  return {
    examples: summary.counts.train,
    classes: summary.classes.length,
    lengths: { median: summary.lengths.median, p95: summary.lengths.p95, max: summary.lengths.max },
    vocabSize: summary.vocabSize,
  }
}

/** The settings `base` (a preset's config) gets on a dataset of these figures. */
export function sizeRules(stats: DatasetStats, base: TrainConfig): SizeRules {
  const settings: Partial<TrainConfig> = {}
  const explanation: string[] = []
  const n = Math.max(1, stats.examples)
  const spec = modelKindSpec(base.model)
  const tokens = n * Math.max(1, stats.lengths.median)

  if (spec.input === 'bag') {
    const maxLen = clamp(roundUp10(Math.min(stats.lengths.max, 2 * stats.lengths.p95)), 10, 5000)
    if (maxLen !== base.maxLen) {
      settings.maxLen = maxLen
      explanation.push(
        `Length ${count(maxLen)}: twice the 95th percentile (${count(stats.lengths.p95)} tokens), at most the longest (${count(stats.lengths.max)}).`,
      )
    }
    if (base.ngrams > 2 && spec.training !== 'fit' && tokens < trigramTokens) {
      settings.ngrams = 2
      explanation.push(
        `Bigrams, not longer n-grams: below ${count(trigramTokens)} training tokens (~${count(tokens)}) most trigrams occur once, and a bag learns its examples by heart through them.`,
      )
    }
    if (base.ngrams > 1) {
      const fitted = spec.training === 'fit'
      const buckets = fitted
        ? clamp(pow2Ceil(8 * tokens), 2 ** 20, 2 ** 23)
        : Math.min(base.hashBuckets, Math.max(2 ** 16, pow2Ceil(2 * tokens)))
      if (buckets !== base.hashBuckets) {
        settings.hashBuckets = buckets
        explanation.push(
          fitted
            ? `${count(buckets)} hash buckets: about eight per token (~${count(tokens)}), so that few n-grams unseen in training share a trained one's weight.`
            : `${count(buckets)} hash buckets: about two per distinct n-gram (~${count(tokens)} tokens).`,
        )
      }
    }
  } else {
    const maxLen = clamp(roundUp10(stats.lengths.p95), 10, base.maxLen)
    if (maxLen !== base.maxLen) {
      settings.maxLen = maxLen
      explanation.push(
        `Length ${count(maxLen)}: 95% of the examples fit (95th percentile ${count(stats.lengths.p95)}).`,
      )
    }
  }

  // A fitted kind takes no optimizer steps.
  if (spec.training === 'fit') {
    if (explanation.length) explanation.unshift(`${count(n)} training examples.`)
    return { settings, explanation }
  }

  // Per-example updates (a bag's `bagUpdate: 'example'`): the batch only paces progress, and the rate stays.
  const perExample = spec.input === 'bag' && base.bagUpdate === 'example'
  const batch = clamp(pow2Floor(n / 100), 16, base.batchSize)
  const stepsPerEpoch = Math.ceil(n / batch)
  const epochs = clamp(
    Math.ceil(perExample ? targetExampleUpdates / n : targetUpdates / stepsPerEpoch),
    base.epochs,
    Math.max(base.epochs, maxEpochs),
  )
  const headline = [`${count(n)} training examples: ${epochs} epochs, batch ${batch}`]
  if (batch !== base.batchSize) settings.batchSize = batch
  if (epochs !== base.epochs) {
    settings.epochs = epochs
    headline.push(
      perExample ? `${count(epochs * n)} per-example updates` : `about ${count(epochs * stepsPerEpoch)} updates`,
    )
    if (base.patience === 0) {
      settings.patience = 3
      headline.push(`stopping after 3 epochs without a better validation ${base.keepBest}`)
    }
  }
  if (batch !== base.batchSize && (base.optimizer === 'sgd' || base.optimizer === 'momentum') && !perExample) {
    settings.learningRate = (base.learningRate * batch) / base.batchSize
    explanation.push(
      `Learning rate ${settings.learningRate.toPrecision(2)}: ${base.optimizer} scales with the batch (${base.learningRate} at ${base.batchSize}).`,
    )
  }
  const updates = epochs * stepsPerEpoch
  if (base.schedule === 'warmup-cosine' && base.warmupSteps > updates / 10) {
    settings.warmupSteps = Math.floor(updates / 10)
    explanation.push(`Warm-up ${settings.warmupSteps} steps: a tenth of the updates.`)
  }
  if (base.validateEvery > 0 && updates < 4 * base.validateEvery) {
    settings.validateEvery = 0
    explanation.push(`Validating every epoch: the run has fewer than ${count(4 * base.validateEvery)} updates.`)
  }
  if (Object.keys(settings).length === 0) return { settings, explanation }
  explanation.unshift(`${headline.join(', ')}.`)
  return { settings, explanation }
}
