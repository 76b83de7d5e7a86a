/** The presets: the seed pipelines as named configs, each with where it comes from and what to expect. */
import { defaultConfig, trainConfigSchema, type TrainConfig } from './config'

export interface Preset {
  name: string
  title: string
  /** Where it comes from and what to expect. */
  description: string
  config: TrainConfig
  /** The preset needs registered word vectors (their dimension replaces embeddingDim). */
  needsVectors?: boolean
}

const preset = (p: Omit<Preset, 'config'> & { config: Partial<TrainConfig> }): Preset => ({
  ...p,
  config: trainConfigSchema.parse({ ...defaultConfig, ...p.config }),
})

/** The fastText-style bigram bag both `fasttext-bigram` and `fasttext-sgd` train, each its own way. */
const bigramBag: Partial<TrainConfig> = {
  model: 'ngram-bag',
  embeddingDim: 50,
  ngrams: 2,
  hashBuckets: 200_000,
  // fastText's </s>: on SST-5's phrases 42.1% with it, 35.1% without (fastText 43.2%); rt-polarity
  // fold 1 76.9% against 77.1% (docs/architecture.md, "End-of-text word").
  endOfText: true,
  dropout: 0,
  epochs: 5,
  batchSize: 128,
  maxLen: 500,
  // Its validation loss rises epochs before its accuracy stops rising (overconfidence).
  keepBest: 'accuracy',
  padding: 'post',
  truncating: 'post',
}

export const presets: Preset[] = [
  preset({
    name: 'rnn-baseline',
    title: 'RNN baseline (PyTorch tutorial)',
    description:
      'Embedding 100, one simple RNN of 256, SGD at 1e-3 with binary cross-entropy on a logit, batch 64, 5 epochs. It is known to learn little: plain SGD at that rate barely moves a vanilla RNN, which is the lesson.',
    config: {
      model: 'rnn',
      embeddingDim: 100,
      hiddenUnits: 256,
      optimizer: 'sgd',
      learningRate: 1e-3,
      dropout: 0,
      batchSize: 64,
      epochs: 5,
      maxLen: 400,
    },
  }),
  preset({
    name: 'sentimentnet-bilstm',
    title: 'SentimentNet BiLSTM (MindSpore)',
    description:
      'Frozen pretrained vectors (GloVe 300d; 50-300 accepted), a 2-layer bidirectional LSTM of 100, first and last outputs concatenated into a dense softmax layer, Momentum 0.9 at 0.1, batch 64, 20 epochs, length 200 (500 in its readme). MindSpore reports 83-85% test accuracy.',
    needsVectors: true,
    config: {
      model: 'bilstm',
      embeddingDim: 300,
      hiddenUnits: 100,
      layers: 2,
      readout: 'first-last',
      output: 'softmax',
      trainEmbeddings: false,
      optimizer: 'momentum',
      learningRate: 0.1,
      momentum: 0.9,
      dropout: 0,
      batchSize: 64,
      epochs: 20,
      maxLen: 200,
      padding: 'post',
      truncating: 'post',
    },
  }),
  preset({
    name: 'amazon-lstm',
    title: 'Amazon reviews LSTM (FloydHub)',
    description:
      'Embedding 400, a 2-layer LSTM of 512 with dropout 0.5, a sigmoid on the last output, Adam 0.005 with gradient clipping at 5, batch 400, 2 epochs, length 200 left-padded, validating every 1,000 steps and keeping the best. Reported 93.9% on Amazon reviews.',
    config: {
      model: 'lstm',
      embeddingDim: 400,
      hiddenUnits: 512,
      layers: 2,
      readout: 'last',
      optimizer: 'adam',
      learningRate: 0.005,
      clipNorm: 5,
      dropout: 0.5,
      batchSize: 400,
      epochs: 2,
      maxLen: 200,
      padding: 'pre',
      truncating: 'pre',
      validateEvery: 1000,
    },
  }),
  preset({
    name: 'mxnet-dense',
    title: 'Dense net (MXNet)',
    description:
      'Embedding 50, flatten, a dense layer of 500 with relu, 2-way softmax, Adam, 3 epochs, length 500 (import with a 5,000-word vocabulary to match the notebook).',
    config: {
      model: 'dense',
      embeddingDim: 50,
      denseUnits: 500,
      output: 'softmax',
      optimizer: 'adam',
      learningRate: 0.001,
      dropout: 0,
      epochs: 3,
      maxLen: 500,
      padding: 'post',
      truncating: 'post',
    },
  }),
  preset({
    name: 'kim-cnn',
    title: 'Kim CNN (widths 3, 4, 5)',
    description:
      'Embedding 50 (random or GloVe), convolutions of widths 3, 4 and 5 with 100 filters each, max-over-time pooling, dropout 0.5, mini-batches of 50 as in the paper, Adam.',
    config: {
      model: 'cnn',
      embeddingDim: 50,
      filterSizes: [3, 4, 5],
      filters: 100,
      optimizer: 'adam',
      learningRate: 0.001,
      dropout: 0.5,
      epochs: 3,
      // Kim (2014)'s mini-batch. On SST-5's phrases, one epoch: 46.2% and 45.2% over two seeds, against 45.7% and 44.5% at 64.
      batchSize: 50,
      maxLen: 400,
      padding: 'post',
      truncating: 'post',
    },
  }),
  preset({
    name: 'fasttext-bigram',
    title: 'fastText-style bigram bag',
    description:
      'Unigrams and hashed bigrams, embedded in 50 dimensions and averaged into a linear classifier, with an end-of-text word as fastText has: the fast baseline (a fastText classifier gets about 89.6% on aclImdb with bigrams). Once the validation split has chosen the epochs, it trains again on train + validation for that many and tests that.',
    config: { ...bigramBag, optimizer: 'adam', learningRate: 0.01 },
  }),
  preset({
    name: 'fasttext-sgd',
    title: "fastText's own training (per-example SGD)",
    description:
      "The bigram bag above trained as the fastText binary trains it: every example its own plain SGD step, the rate falling linearly to zero, no optimizer moments to keep up. About twice the examples per second of the Adam bag, at about the binary's accuracy. Refits on train + validation once the validation split has chosen the epochs, as the other bags do.",
    config: {
      ...bigramBag,
      optimizer: 'sgd',
      // The bench's fastText binary runs at 0.5 too: its default 0.1 underfits aclImdb in 5 epochs.
      learningRate: 0.5,
      schedule: 'linear',
      bagUpdate: 'example',
    },
  }),
  preset({
    name: 'nbsvm',
    title: 'NBSVM (Wang & Manning 2012)',
    description:
      'Binary word and bigram features scaled by their naive-Bayes log-count ratios into a linear SVM (C 1, interpolated toward naive Bayes with beta 0.25), one class against the rest beyond two. Trains in seconds; published: 91.2% on aclImdb, 79.4% on rt-polarity.',
    config: {
      model: 'nbsvm',
      ngrams: 2,
      hashBuckets: 2_000_000,
      svmC: 1,
      nbInterpolation: 0.25,
      dropout: 0,
      maxLen: 1000,
      padding: 'post',
      truncating: 'post',
    },
  }),
  preset({
    name: 'recommended',
    title: 'Recommended (best in about five minutes on 2 cores)',
    description:
      'Unigrams, bigrams and trigrams hashed into a 100-dimensional bag (and an end-of-text word) with a warm-up and cosine-decayed Adam: the most accuracy per CPU minute on aclImdb. Once the validation split has chosen the epochs, it trains again on train + validation for that many and tests that.',
    config: {
      model: 'ngram-bag',
      embeddingDim: 100,
      ngrams: 3,
      hashBuckets: 400_000,
      endOfText: true,
      optimizer: 'adam',
      learningRate: 0.01,
      schedule: 'warmup-cosine',
      warmupSteps: 50,
      minLearningRate: 0.0005,
      dropout: 0,
      epochs: 5,
      batchSize: 128,
      maxLen: 800,
      keepBest: 'accuracy',
      padding: 'post',
      truncating: 'post',
    },
  }),
]

export function findPreset(name: string): Preset | undefined {
  return presets.find((p) => p.name === name)
}
