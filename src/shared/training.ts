/**
 * Training: the run configuration (one flat, validated object, so `--set epochs=3` and the form's
 * fields address it the same way), the presets of the seed pipelines, the fields' grouping and help
 * for the form, a parameter-count estimate, and what a run reports. No Node, no DOM.
 */
import { z } from 'zod'
import { backendNames, type BackendName, type JobStatus } from './types'

export const modelKinds = ['rnn', 'lstm', 'gru', 'bilstm', 'cnn', 'dense', 'ngram-bag'] as const
export type ModelKind = (typeof modelKinds)[number]

export const optimizerNames = ['sgd', 'momentum', 'adam', 'rmsprop'] as const
export const scheduleNames = ['constant', 'step', 'warmup-cosine'] as const
/** How a recurrent encoder's sequence becomes one vector: MindSpore concatenates the first and last steps. */
export const readouts = ['last', 'first-last', 'max', 'mean'] as const

export const trainConfigSchema = z
  .object({
    // model
    model: z.enum(modelKinds),
    embeddingDim: z.number().int().min(2).max(1024),
    hiddenUnits: z.number().int().min(1).max(4096),
    layers: z.number().int().min(1).max(4),
    readout: z.enum(readouts),
    filterSizes: z.array(z.number().int().min(1).max(20)).min(1).max(6),
    filters: z.number().int().min(1).max(1024),
    denseUnits: z.number().int().min(1).max(8192),
    ngrams: z.number().int().min(1).max(3),
    hashBuckets: z.number().int().min(1000).max(10_000_000),
    /** auto: one logit with sigmoid for two classes, softmax otherwise. */
    output: z.enum(['auto', 'sigmoid', 'softmax']),
    // embeddings
    /** A registered word-vector file's id; null = random initialisation. */
    vectors: z.string().min(1).nullable(),
    trainEmbeddings: z.boolean(),
    // optimizer
    optimizer: z.enum(optimizerNames),
    learningRate: z.number().positive().max(10),
    momentum: z.number().min(0).max(0.999),
    // schedule
    schedule: z.enum(scheduleNames),
    /** step: multiply the rate by decayRate every decaySteps steps. */
    decaySteps: z.number().int().min(1),
    decayRate: z.number().positive().max(1),
    /** warmup-cosine: linear warm-up over warmupSteps, then cosine decay to minLearningRate. */
    warmupSteps: z.number().int().min(0),
    minLearningRate: z.number().min(0),
    // regularisation
    dropout: z.number().min(0).max(0.95),
    /** Clip gradients by global norm; 0 = off. */
    clipNorm: z.number().min(0),
    // training
    epochs: z.number().int().min(1).max(1000),
    batchSize: z.number().int().min(1).max(4096),
    maxLen: z.number().int().min(1).max(5000),
    padding: z.enum(['pre', 'post']),
    truncating: z.enum(['pre', 'post']),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
    // evaluation
    /** Validate every N steps; 0 = at the end of every epoch. */
    validateEvery: z.number().int().min(0),
    /** Stop after this many validations without a better validation loss; 0 = never. */
    patience: z.number().int().min(0),
  })
  .strict()
export type TrainConfig = z.output<typeof trainConfigSchema>
export type ConfigField = keyof TrainConfig

export const defaultConfig: TrainConfig = {
  model: 'lstm',
  embeddingDim: 100,
  hiddenUnits: 128,
  layers: 1,
  readout: 'last',
  filterSizes: [3, 4, 5],
  filters: 100,
  denseUnits: 256,
  ngrams: 2,
  hashBuckets: 200_000,
  output: 'auto',
  vectors: null,
  trainEmbeddings: true,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  schedule: 'constant',
  decaySteps: 1000,
  decayRate: 0.5,
  warmupSteps: 0,
  minLearningRate: 0,
  dropout: 0.2,
  clipNorm: 0,
  epochs: 3,
  batchSize: 64,
  maxLen: 400,
  padding: 'pre',
  truncating: 'pre',
  seed: 42,
  validateEvery: 0,
  patience: 0,
}

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
      'Embedding 50 (random or GloVe), convolutions of widths 3, 4 and 5 with 100 filters each, max-over-time pooling, dropout 0.5, Adam.',
    config: {
      model: 'cnn',
      embeddingDim: 50,
      filterSizes: [3, 4, 5],
      filters: 100,
      optimizer: 'adam',
      learningRate: 0.001,
      dropout: 0.5,
      epochs: 3,
      batchSize: 64,
      maxLen: 400,
      padding: 'post',
      truncating: 'post',
    },
  }),
  preset({
    name: 'fasttext-bigram',
    title: 'fastText-style bigram bag',
    description:
      'Unigrams and hashed bigrams, embedded in 50 dimensions and averaged into a linear classifier: the fast baseline (a fastText classifier gets about 89.6% on aclImdb with bigrams).',
    config: {
      model: 'ngram-bag',
      embeddingDim: 50,
      ngrams: 2,
      hashBuckets: 200_000,
      optimizer: 'adam',
      learningRate: 0.01,
      dropout: 0,
      epochs: 5,
      batchSize: 128,
      maxLen: 500,
      padding: 'post',
      truncating: 'post',
    },
  }),
  preset({
    name: 'recommended',
    title: 'Recommended (best in about five minutes on 2 cores)',
    description:
      'Unigrams, bigrams and trigrams hashed into a 100-dimensional bag with a warm-up and cosine-decayed Adam: the most accuracy per CPU minute on aclImdb.',
    config: {
      model: 'ngram-bag',
      embeddingDim: 100,
      ngrams: 3,
      hashBuckets: 400_000,
      optimizer: 'adam',
      learningRate: 0.01,
      schedule: 'warmup-cosine',
      warmupSteps: 50,
      minLearningRate: 0.0005,
      dropout: 0,
      epochs: 5,
      batchSize: 128,
      maxLen: 800,
      padding: 'post',
      truncating: 'post',
    },
  }),
]

export function findPreset(name: string): Preset | undefined {
  return presets.find((p) => p.name === name)
}

export const fieldGroups = [
  'model',
  'embeddings',
  'optimizer',
  'schedule',
  'regularisation',
  'training',
  'evaluation',
] as const
export type FieldGroup = (typeof fieldGroups)[number]

export interface FieldInfo {
  group: FieldGroup
  label: string
  unit?: string
  help: string
  /** The model kinds the field matters for (all when absent). */
  models?: readonly ModelKind[]
  /** The schedules the field matters for. */
  schedules?: readonly (typeof scheduleNames)[number][]
}

const recurrent = ['rnn', 'lstm', 'gru', 'bilstm'] as const
const sequenceModels = [...recurrent, 'cnn', 'dense'] as const

/** What the form shows for each field: its group, label, unit and a one-line explanation. */
export const fieldInfo: Record<ConfigField, FieldInfo> = {
  model: { group: 'model', label: 'Model', help: 'The encoder: recurrent, convolutional, dense or a bag of n-grams.' },
  embeddingDim: {
    group: 'model',
    label: 'Embedding size',
    unit: 'dimensions',
    help: 'Length of each word vector; pretrained vectors set it to their own dimension.',
  },
  hiddenUnits: {
    group: 'model',
    label: 'Hidden units',
    unit: 'units',
    help: 'Size of each recurrent layer (per direction for a BiLSTM).',
    models: recurrent,
  },
  layers: { group: 'model', label: 'Layers', help: 'Stacked recurrent layers.', models: recurrent },
  readout: {
    group: 'model',
    label: 'Readout',
    help: 'How the sequence becomes one vector: the last step, the first and last steps concatenated (MindSpore), or pooling.',
    models: recurrent,
  },
  filterSizes: {
    group: 'model',
    label: 'Filter widths',
    unit: 'tokens',
    help: 'One convolution per width (Kim uses 3, 4 and 5).',
    models: ['cnn'],
  },
  filters: { group: 'model', label: 'Filters per width', help: 'Feature maps per convolution.', models: ['cnn'] },
  denseUnits: {
    group: 'model',
    label: 'Dense units',
    unit: 'units',
    help: 'Size of the hidden dense layer after flattening.',
    models: ['dense'],
  },
  ngrams: {
    group: 'model',
    label: 'n-gram order',
    help: '1 = words only; 2 adds bigrams; 3 adds trigrams.',
    models: ['ngram-bag'],
  },
  hashBuckets: {
    group: 'model',
    label: 'Hash buckets',
    unit: 'rows',
    help: 'n-grams longer than one word are hashed into this many embedding rows.',
    models: ['ngram-bag'],
  },
  output: {
    group: 'model',
    label: 'Output',
    help: 'auto: one logit with a sigmoid for two classes, softmax otherwise.',
  },
  vectors: {
    group: 'embeddings',
    label: 'Word vectors',
    help: 'Registered pretrained vectors to start the embedding from; empty = random.',
    models: sequenceModels,
  },
  trainEmbeddings: {
    group: 'embeddings',
    label: 'Fine-tune embeddings',
    help: 'Off keeps pretrained vectors frozen (SentimentNet).',
  },
  optimizer: { group: 'optimizer', label: 'Optimizer', help: 'SGD, Momentum, Adam or RMSProp.' },
  learningRate: { group: 'optimizer', label: 'Learning rate', help: 'Step size at the start of training.' },
  momentum: { group: 'optimizer', label: 'Momentum', help: 'For Momentum and RMSProp.' },
  schedule: {
    group: 'schedule',
    label: 'Schedule',
    help: 'constant, step decay, or a linear warm-up then cosine decay (MindSpore dynamic LR).',
  },
  decaySteps: {
    group: 'schedule',
    label: 'Decay every',
    unit: 'steps',
    help: 'Step decay interval.',
    schedules: ['step'],
  },
  decayRate: { group: 'schedule', label: 'Decay factor', help: 'Multiplier at each decay.', schedules: ['step'] },
  warmupSteps: {
    group: 'schedule',
    label: 'Warm-up',
    unit: 'steps',
    help: 'Steps of linear warm-up.',
    schedules: ['warmup-cosine'],
  },
  minLearningRate: {
    group: 'schedule',
    label: 'Final learning rate',
    help: 'Where the cosine decay ends.',
    schedules: ['warmup-cosine'],
  },
  dropout: {
    group: 'regularisation',
    label: 'Dropout',
    unit: 'rate',
    help: 'Share of activations dropped in training.',
  },
  clipNorm: {
    group: 'regularisation',
    label: 'Gradient clipping',
    unit: 'global norm',
    help: 'Rescale gradients whose global norm exceeds this; 0 = off.',
  },
  epochs: { group: 'training', label: 'Epochs', help: 'Passes over the training split.' },
  batchSize: { group: 'training', label: 'Batch size', unit: 'examples', help: 'Examples per step.' },
  maxLen: {
    group: 'training',
    label: 'Sequence length',
    unit: 'tokens',
    help: 'Longer reviews are truncated, shorter ones padded.',
  },
  padding: { group: 'training', label: 'Padding', help: 'pre pads on the left (best for a last-state readout).' },
  truncating: { group: 'training', label: 'Truncation', help: 'pre keeps the end of a long review, post its start.' },
  seed: { group: 'training', label: 'Seed', help: 'Same seed, same backend: the same run.' },
  validateEvery: {
    group: 'evaluation',
    label: 'Validate every',
    unit: 'steps',
    help: '0 = at the end of each epoch.',
  },
  patience: {
    group: 'evaluation',
    label: 'Early-stopping patience',
    unit: 'validations',
    help: 'Stop after this many validations without improvement; 0 = never.',
  },
}

/** A number field's allowed range from the schema ("0 to 0.95", "at least 1"), for the form. */
export function fieldRange(field: ConfigField): string | null {
  const schema = trainConfigSchema.shape[field]
  if (!(schema instanceof z.ZodNumber)) return null
  const low = schema.minValue
  const high = schema.maxValue !== null && schema.maxValue < Number.MAX_SAFE_INTEGER ? schema.maxValue : null
  // positive() sets an exclusive bound: the bound itself fails the schema.
  const inclusive = low !== null && schema.safeParse(low).success
  if (low !== null && high !== null) return inclusive ? `${low} to ${high}` : `above ${low}, at most ${high}`
  if (high !== null) return `at most ${high}`
  if (low !== null) return inclusive ? `at least ${low}` : `above ${low}`
  return null
}

/** Whether a field matters for this configuration (the form hides the others). */
export function fieldApplies(field: ConfigField, config: TrainConfig): boolean {
  const info = fieldInfo[field]
  if (info.models && !info.models.includes(config.model)) return false
  if (info.schedules && !info.schedules.includes(config.schedule)) return false
  if (field === 'momentum') return config.optimizer === 'momentum' || config.optimizer === 'rmsprop'
  return true
}

/** The fields whose value differs from the preset's. */
export function changedFields(config: TrainConfig, base: TrainConfig): ConfigField[] {
  return (Object.keys(base) as ConfigField[]).filter((k) => JSON.stringify(config[k]) !== JSON.stringify(base[k]))
}

/** One logit (sigmoid) or one per class (softmax). */
export function outputUnits(config: TrainConfig, classes: number): number {
  if (config.output === 'softmax') return classes
  if (config.output === 'sigmoid') return classes === 2 ? 1 : classes
  return classes === 2 ? 1 : classes
}

/** Rows of the embedding table: the vocabulary, plus the hash buckets of a bag of n-grams. */
export function embeddingRows(config: TrainConfig, vocabSize: number): number {
  return vocabSize + (config.model === 'ngram-bag' && config.ngrams > 1 ? config.hashBuckets : 0)
}

/** Directions a recurrent encoder reads in (a BiLSTM reads both ways), 0 for other models. */
export function directions(config: TrainConfig): number {
  return recurrentGates[config.model] === 0 ? 0 : config.model === 'bilstm' ? 2 : 1
}

/** Weight matrices per recurrent cell: one for a simple RNN, three gates for a GRU, four for an LSTM. */
export const recurrentGates: Record<ModelKind, number> = {
  rnn: 1,
  gru: 3,
  lstm: 4,
  bilstm: 4,
  cnn: 0,
  dense: 0,
  'ngram-bag': 0,
}

/** The trainable and total parameter counts the model will have, for the form's estimate. */
export function parameterCount(
  config: TrainConfig,
  vocabSize: number,
  classes: number,
): { total: number; trainable: number } {
  const d = config.embeddingDim
  const h = config.hiddenUnits
  const embedding = embeddingRows(config, vocabSize) * d
  const out = outputUnits(config, classes)
  let body = 0
  const ways = directions(config)
  switch (config.model) {
    case 'rnn':
    case 'gru':
    case 'lstm':
    case 'bilstm':
      // tfjs GRU has reset_after=false: one bias per gate, like the others.
      for (let l = 0; l < config.layers; l++)
        body += ways * recurrentGates[config.model] * ((l === 0 ? d : h * ways) * h + h * h + h)
      body += h * ways * (config.readout === 'first-last' ? 2 : 1) * out + out
      break
    case 'cnn': {
      for (const w of config.filterSizes) body += w * d * config.filters + config.filters
      const features = config.filterSizes.length * config.filters
      body += features * out + out
      break
    }
    case 'dense':
      body += config.maxLen * d * config.denseUnits + config.denseUnits + config.denseUnits * out + out
      break
    case 'ngram-bag':
      body += d * out + out
      break
  }
  const total = embedding + body
  return { total, trainable: config.trainEmbeddings ? total : body }
}

/** Field paths and values as `--set key=value` gives them: numbers, booleans, lists and null are parsed. */
export function parseSetting(raw: string): [string, unknown] {
  const eq = raw.indexOf('=')
  if (eq <= 0) throw new Error(`--set takes key=value, not "${raw}".`)
  const key = raw.slice(0, eq).trim()
  const text = raw.slice(eq + 1).trim()
  if (!Object.hasOwn(defaultConfig, key))
    throw new Error(`Unknown setting "${key}". Settings: ${Object.keys(defaultConfig).join(', ')}.`)
  const example = defaultConfig[key as ConfigField]
  if (text === 'null') return [key, null]
  if (Array.isArray(example)) return [key, text.split(',').map((v) => Number(v.trim()))]
  if (typeof example === 'number') return [key, Number(text)]
  if (typeof example === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new Error(`${key} takes true or false, not "${text}".`)
    return [key, text === 'true']
  }
  return [key, text]
}

export const trainRequestSchema = z
  .object({
    datasetId: z.string().min(1).max(200),
    preset: z.string().min(1).max(100),
    /** Fields that differ from the preset. */
    overrides: z.record(z.string(), z.unknown()).default({}),
    backend: z.enum(['auto', ...backendNames]).default('auto'),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
export type TrainRequest = z.output<typeof trainRequestSchema>

export interface ClassMetrics {
  precision: number
  recall: number
  f1: number
  support: number
}

export interface TestMetrics {
  loss: number
  accuracy: number
  /** Macro averages over the classes. */
  precision: number
  recall: number
  f1: number
  perClass: Record<string, ClassMetrics>
  /** confusion[actual][predicted]. */
  confusion: number[][]
  /** Binary tasks: area under the ROC curve and its points (false and true positive rates). */
  auc: number | null
  roc: { fpr: number[]; tpr: number[] } | null
}

export interface EpochMetrics {
  epoch: number
  trainLoss: number
  trainAccuracy: number
  valLoss: number | null
  valAccuracy: number | null
  durationMs: number
}

export interface StepMetrics {
  step: number
  epoch: number
  loss: number
  accuracy: number
  learningRate: number
  samplesPerSec: number
}

export interface ValidationPoint {
  step: number
  epoch: number
  loss: number
  accuracy: number
}

export interface RunRecord {
  id: string
  name: string
  datasetId: string | null
  datasetName: string | null
  vectorsId: string | null
  jobId: string | null
  preset: string | null
  config: TrainConfig
  status: JobStatus
  backend: BackendName | null
  seed: number
  test: TestMetrics | null
  bestValidation: (ValidationPoint & { checkpoint: boolean }) | null
  error: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  durationMs: number | null
  samplesPerSecond: number | null
  /** Steps and epochs done so far (for a resumed or running run). */
  progress: { step: number; epoch: number; totalSteps: number } | null
}

/** The run's curves: per-step points, per-epoch rows and validation points, and its log. */
export interface RunHistory {
  steps: StepMetrics[]
  epochs: EpochMetrics[]
  validations: ValidationPoint[]
  log: string[]
}

/** Sent on `run.updated` while a run trains: new points since the last event. */
export interface RunUpdate {
  runId: string
  status: JobStatus
  steps: StepMetrics[]
  epochs: EpochMetrics[]
  validations: ValidationPoint[]
  log: string[]
  /** Where the run stands, when the update carries new steps. */
  progress: { step: number; epoch: number; totalSteps: number } | null
}

/** A bundle's learned vectors of its most frequent words, for the embeddings map. */
export interface WordVectors {
  words: string[]
  dim: number
  /** words.length x dim values, row by row. */
  vectors: number[]
}
