/**
 * The model kinds, one spec each: the settings the kind reads (the form shows only those), its input
 * (a padded sequence of token ids, or a bag of word and hashed n-gram ids that the table averages),
 * and the numbers behind its size and memory estimates. Each kind's layers are built by its builder
 * in `main/core/engine/model-builders.ts`, keyed by the same name. No Node, no DOM, no tfjs.
 */
import type { ConfigField, TrainConfig } from './config'

export const modelKinds = ['rnn', 'lstm', 'gru', 'bilstm', 'cnn', 'dense', 'ngram-bag', 'nbsvm'] as const
export type ModelKind = (typeof modelKinds)[number]

export interface ModelKindSpec {
  /** sequence: maxLen padded token ids per row; bag: word and hashed n-gram ids, averaged into one vector. */
  input: 'sequence' | 'bag'
  /**
   * How a bag pools its rows: the mean over the example's own features (fastText; padding is not
   * counted), or their sum (a linear model over binary features, NBSVM). Sequences do not pool.
   */
  pooling?: 'mean' | 'sum'
  /** A recurrent stack: weight matrices per cell (1 for the simple RNN) and directions read. */
  recurrent?: { gates: number; directions: number }
  /** Width of each table row when the kind fixes it (NBSVM: one weight per output); else embeddingDim. */
  tableDim?: (outputs: number) => number
  /** fit: weights solved in closed form or by coordinate descent (no optimizer steps, no epochs). */
  training?: 'gradient' | 'fit'
  /** The kind-specific settings this kind reads; the form hides those that only other kinds read. */
  fields: readonly ConfigField[]
  /** Weights between the embedding table and the logits layer. */
  encoderParameters: (config: TrainConfig) => number
  /** Width of the encoder's output, the logits layer's input. */
  features: (config: TrainConfig, outputs: number) => number
  /** A generous estimate of the floats one example's pass keeps until its backward pass (rows of `width` ids). */
  floatsPerExample: (config: TrainConfig, width: number) => number
  /**
   * Padding a length bucket's batch keeps past its longest example (none if unset): a convolution's
   * windows that overlap the text's end, as every row has them at full width.
   */
  bucketPadding?: (config: TrainConfig) => number
}

/** The embedded rows a pass keeps: the input, its gradient and a copy. */
const embedded = (config: TrainConfig, width: number) => width * config.embeddingDim * 3

/** A stack of recurrent layers: `gates` weight matrices per cell, read in `directions` directions. */
function recurrent(gates: number, directions: number): ModelKindSpec {
  return {
    input: 'sequence',
    recurrent: { gates, directions },
    fields: ['hiddenUnits', 'layers', 'readout', 'vectors', 'lengthBuckets'],
    encoderParameters: ({ embeddingDim: d, hiddenUnits: h, layers }) => {
      let n = 0
      // tfjs GRU has reset_after=false: one bias per gate, like the others.
      for (let l = 0; l < layers; l++) n += directions * gates * ((l === 0 ? d : h * directions) * h + h * h + h)
      return n
    },
    features: (c) => c.hiddenUnits * directions * (c.readout === 'first-last' ? 2 : 1),
    // What the whole-sequence kernels (engine/recurrent) keep per step, layer and direction: the gate
    // activations, states and cells (JavaScript buffers), the output and its gradient, concatenated
    // and split (tensors); and, while one layer's backward runs, its gate gradients (a buffer and a
    // tensor) and its input, transposed, and the input's gradient. Measured with bench/recurrent-step.ts
    // --peak (tensors plus the kernels' buffers), with some room (see docs/architecture.md).
    floatsPerExample: (c, width) => {
      const h = c.hiddenUnits
      const input = Math.max(c.embeddingDim, h * directions)
      return embedded(c, width) + width * h * (gates + 10) * directions * c.layers + width * (2 * gates * h + 4 * input)
    },
  }
}

export const modelKindSpecs: Record<ModelKind, ModelKindSpec> = {
  rnn: recurrent(1, 1),
  // Update and reset gates and the candidate.
  gru: recurrent(3, 1),
  // Input, forget and output gates and the cell.
  lstm: recurrent(4, 1),
  bilstm: recurrent(4, 2),
  /** Kim (2014): one convolution per width, max over time, concatenated. */
  cnn: {
    input: 'sequence',
    fields: ['filterSizes', 'filters', 'vectors', 'lengthBuckets'],
    encoderParameters: (c) => c.filterSizes.reduce((a, w) => a + w * c.embeddingDim * c.filters + c.filters, 0),
    features: (c) => c.filterSizes.length * c.filters,
    floatsPerExample: (c, width) =>
      embedded(c, width) + c.filterSizes.reduce((a, w) => a + width * (w * c.embeddingDim + 3 * c.filters), 0),
    bucketPadding: (c) => Math.max(...c.filterSizes) - 1,
  },
  /** The MXNet dense net: the embedded sequence flattened into one hidden layer. */
  dense: {
    input: 'sequence',
    fields: ['denseUnits', 'vectors'],
    encoderParameters: (c) => c.maxLen * c.embeddingDim * c.denseUnits + c.denseUnits,
    features: (c) => c.denseUnits,
    floatsPerExample: (c, width) => embedded(c, width) + c.denseUnits * 3,
  },
  /** fastText: the mean of the word and n-gram vectors straight into the logits. */
  'ngram-bag': {
    input: 'bag',
    pooling: 'mean',
    fields: ['ngrams', 'hashBuckets', 'endOfText', 'bagTrainer', 'bagUpdate', 'bagRefit'],
    encoderParameters: () => 0,
    features: (c) => c.embeddingDim,
    floatsPerExample: embedded,
  },
  /**
   * NBSVM (Wang & Manning 2012): binary word and n-gram features scaled by their naive-Bayes
   * log-count ratios into a linear SVM. The table holds each feature's ratio times its weight (one
   * column per output) and the bag sums them: the logits are the SVM's scores.
   */
  nbsvm: {
    input: 'bag',
    pooling: 'sum',
    tableDim: (outputs) => outputs,
    training: 'fit',
    fields: ['ngrams', 'hashBuckets', 'endOfText', 'svmC', 'nbInterpolation', 'nbsvmTune', 'nbsvmRefit'],
    encoderParameters: () => 0,
    features: (_c, outputs) => outputs,
    floatsPerExample: (_c, width) => width * 3,
  },
}

/** Width of each table row: fixed by the kind (NBSVM), else the embedding size. */
export function tableDim(config: TrainConfig, outputs: number): number {
  return modelKindSpec(config.model).tableDim?.(outputs) ?? config.embeddingDim
}

/** A kind's spec. A config read from disk (an old bundle, a hand-edited file) may name a kind this version lacks. */
export function modelKindSpec(kind: ModelKind): ModelKindSpec {
  if (!Object.hasOwn(modelKindSpecs, kind))
    throw new Error(`Unknown model kind "${kind}". Model kinds: ${modelKinds.join(', ')}.`)
  return modelKindSpecs[kind]
}

/** The settings some kind reads and others do not: shown only for the kinds that read them. */
export const kindFields: ReadonlySet<ConfigField> = new Set(Object.values(modelKindSpecs).flatMap((s) => s.fields))
