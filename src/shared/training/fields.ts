/** The form's view of the config: each field's group, label, unit, help and range, and which fields apply. */
import { z } from 'zod'
import { trainConfigSchema, type ConfigField, type scheduleNames, type TrainConfig } from './config'
import { kindFields, modelKindSpec } from './model-kinds'

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
  /** The schedules the field matters for. */
  schedules?: readonly (typeof scheduleNames)[number][]
}

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
  },
  layers: { group: 'model', label: 'Layers', help: 'Stacked recurrent layers.' },
  readout: {
    group: 'model',
    label: 'Readout',
    help: 'How the sequence becomes one vector: the last step, the first and last steps concatenated (MindSpore), or pooling.',
  },
  filterSizes: {
    group: 'model',
    label: 'Filter widths',
    unit: 'tokens',
    help: 'One convolution per width (Kim uses 3, 4 and 5).',
  },
  filters: { group: 'model', label: 'Filters per width', help: 'Feature maps per convolution.' },
  denseUnits: {
    group: 'model',
    label: 'Dense units',
    unit: 'units',
    help: 'Size of the hidden dense layer after flattening.',
  },
  ngrams: {
    group: 'model',
    label: 'n-gram order',
    help: '1 = words only; 2 adds bigrams; 3 adds trigrams.',
  },
  hashBuckets: {
    group: 'model',
    label: 'Hash buckets',
    unit: 'rows',
    help: 'n-grams longer than one word are hashed into this many embedding rows.',
  },
  endOfText: {
    group: 'model',
    label: 'End-of-text word',
    help: "Bag: end every text with one more word (fastText's </s>), with its own vector and n-grams with the last words. Its share of the mean falls as the text grows, so the model can tell a short phrase from a sentence.",
  },
  svmC: {
    group: 'model',
    label: 'SVM cost C',
    help: 'NBSVM: how hard the SVM fits the training examples (Wang & Manning use 1).',
  },
  nbInterpolation: {
    group: 'model',
    label: 'SVM weight (beta)',
    unit: 'share',
    help: "NBSVM: 1 = the SVM's weights; lower values pull them toward their mean, i.e. toward naive Bayes (the paper uses 0.25).",
  },
  nbsvmTune: {
    group: 'model',
    label: 'Choose C and beta on validation',
    help: 'NBSVM: fit C 1 and 0.1 and try beta 0 (naive Bayes, MNB), 0.25, 0.5 and 1 on each; keep the most accurate on the validation split (one more SVM fit).',
  },
  nbsvmRefit: {
    group: 'model',
    label: 'Refit on train + validation',
    help: 'NBSVM: once C, beta and the temperature are set by a fit on the training split (whose validation figures are shown), fit again on the training and validation splits together and test that (one more SVM fit; on short data the validation examples are worth training on).',
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
    help: "constant, step decay, a linear warm-up then cosine decay (MindSpore dynamic LR), or linear decay to zero (fastText's).",
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
  lengthBuckets: {
    group: 'training',
    label: 'Length buckets',
    help: 'Batch reviews of similar length and pad each batch only to its longest: short batches run fewer steps. Validation and test pad to the full length, as the saved model does.',
  },
  bagTrainer: {
    group: 'training',
    label: 'JavaScript bag trainer',
    help: 'Train the bag in plain JavaScript, several times faster than through tensors and with the same math; off trains through tfjs.',
  },
  bagUpdate: {
    group: 'optimizer',
    label: 'Updates',
    help: "batch: one update per batch with the optimizer above. example: every example is its own plain SGD step, as fastText trains (with the linear schedule, fastText's decay to zero); the batch then only paces progress and validation.",
  },
  bagRefit: {
    group: 'training',
    label: 'Refit on train + validation',
    help: 'Bag: once the validation split has chosen the epochs (those of its best figure), train again from the start on the training and validation splits together for that many epochs, and test and save that model (about a third more training time; on small data the validation examples are worth training on).',
  },
  seed: { group: 'training', label: 'Seed', help: 'Same seed, same backend: the same run.' },
  validateEvery: {
    group: 'evaluation',
    label: 'Validate every',
    unit: 'steps',
    help: '0 = at the end of each epoch.',
  },
  sizeRules: {
    group: 'training',
    label: 'Fit to the dataset',
    help: "Epochs, batch size, learning rate, hash buckets and length follow the dataset's size and lengths; off keeps the preset's own values.",
  },
  patience: {
    group: 'evaluation',
    label: 'Early-stopping patience',
    unit: 'validations',
    help: 'Stop after this many validations without improvement; 0 = never.',
  },
  keepBest: {
    group: 'evaluation',
    label: 'Keep the best',
    help: 'The validation figure that picks the weights kept and tested, and drives early stopping: loss, or accuracy (ties by loss).',
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
  if (kindFields.has(field) && !modelKindSpec(config.model).fields.includes(field)) return false
  if (info.schedules && !info.schedules.includes(config.schedule)) return false
  if (field === 'momentum') return config.optimizer === 'momentum' || config.optimizer === 'rmsprop'
  return true
}

/** The fields whose value differs from the preset's. */
export function changedFields(config: TrainConfig, base: TrainConfig): ConfigField[] {
  return (Object.keys(base) as ConfigField[]).filter((k) => JSON.stringify(config[k]) !== JSON.stringify(base[k]))
}
