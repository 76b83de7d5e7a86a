/**
 * The model registry: one builder per model kind, each from stock tfjs layers only, so a saved
 * bundle loads in plain tfjs anywhere (a browser included). Every model ends in logits:
 * the loss applies the sigmoid or softmax (as BCE-with-logits does), and so does the scorer.
 */
import * as tf from '@tensorflow/tfjs'
import { featureLength } from '../../../shared/ngrams'
import { embeddingRows, outputUnits, type ModelKind, type TrainConfig } from '../../../shared/training'
import { EmbeddingTable } from './embedding-table'

export interface ModelInputs {
  vocabSize: number
  classes: number
  /** Pretrained rows (vocabSize x dim, float32) when the run starts from word vectors. */
  pretrained?: Float32Array
}

type Builder = (x: tf.SymbolicTensor, config: TrainConfig) => tf.SymbolicTensor

/** Tokens per input row: the sequence length, or the n-gram features of a bag. */
export function inputLength(config: TrainConfig): number {
  return config.model === 'ngram-bag' ? featureLength(config.maxLen, config.ngrams) : config.maxLen
}

const recurrentLayer = (config: TrainConfig, returnSequences: boolean, name: string): tf.layers.Layer => {
  // Logistic gates as PyTorch, MindSpore and Keras 2 use (tfjs defaults to a hard sigmoid).
  const options = { units: config.hiddenUnits, returnSequences, name, recurrentActivation: 'sigmoid' as const }
  switch (config.model) {
    case 'rnn':
      return tf.layers.simpleRNN(options)
    case 'gru':
      return tf.layers.gru(options)
    default:
      return tf.layers.lstm(options)
  }
}

/** Stacked recurrent layers (bidirectional for bilstm), then the readout. */
const recurrent: Builder = (x, config) => {
  const sequenceOut = config.readout !== 'last'
  let h = x
  for (let l = 0; l < config.layers; l++) {
    const returnSequences = l < config.layers - 1 || sequenceOut
    const layer = recurrentLayer(config, returnSequences, `recurrent_${l}`)
    h = (
      config.model === 'bilstm'
        ? tf.layers.bidirectional({ layer: layer as tf.RNN, mergeMode: 'concat', name: `bidirectional_${l}` })
        : layer
    ).apply(h) as tf.SymbolicTensor
    // Between stacked layers, as PyTorch's nn.LSTM(dropout=...) in the Amazon reviews LSTM.
    if (config.dropout > 0 && l < config.layers - 1)
      h = tf.layers.dropout({ rate: config.dropout, name: `dropout_${l}` }).apply(h) as tf.SymbolicTensor
  }
  switch (config.readout) {
    case 'last':
      return h
    case 'max':
      return tf.layers.globalMaxPooling1d({}).apply(h) as tf.SymbolicTensor
    case 'mean':
      return tf.layers.globalAveragePooling1d({}).apply(h) as tf.SymbolicTensor
    case 'first-last':
      return firstAndLast(h, config.maxLen)
  }
}

/** MindSpore's readout: the outputs at the first and last time steps, concatenated (stock layers only). */
function firstAndLast(h: tf.SymbolicTensor, steps: number): tf.SymbolicTensor {
  const width = h.shape[2] as number
  const grid = tf.layers.reshape({ targetShape: [steps, width, 1] }).apply(h) as tf.SymbolicTensor
  const step = (cropping: [number, number], name: string) =>
    tf.layers
      .flatten({ name: `${name}_flat` })
      .apply(
        tf.layers.cropping2D({ cropping: [cropping, [0, 0]], name }).apply(grid) as tf.SymbolicTensor,
      ) as tf.SymbolicTensor
  return tf.layers
    .concatenate({ name: 'first_last' })
    .apply([step([0, steps - 1], 'first_step'), step([steps - 1, 0], 'last_step')]) as tf.SymbolicTensor
}

/** Kim (2014): one convolution per width, max over time, concatenated. */
const cnn: Builder = (x, config) => {
  const pooled = config.filterSizes.map(
    (width, i) =>
      tf.layers
        .globalMaxPooling1d({ name: `max_over_time_${i}` })
        .apply(
          tf.layers
            .conv1d({ filters: config.filters, kernelSize: width, activation: 'relu', name: `conv_${width}_${i}` })
            .apply(x) as tf.SymbolicTensor,
        ) as tf.SymbolicTensor,
  )
  return pooled.length === 1 ? pooled[0]! : (tf.layers.concatenate({}).apply(pooled) as tf.SymbolicTensor)
}

/** The MXNet dense net: flatten the embedded sequence into one hidden layer. */
const dense: Builder = (x, config) =>
  tf.layers
    .dense({ units: config.denseUnits, activation: 'relu', name: 'hidden' })
    .apply(tf.layers.flatten({}).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor

/** fastText: the mean of the word and n-gram vectors, which the table computes (see Network.pooled). */
const ngramBag: Builder = (x) => x

export const modelBuilders: Record<ModelKind, Builder> = {
  rnn: recurrent,
  lstm: recurrent,
  gru: recurrent,
  bilstm: recurrent,
  cnn,
  dense,
  'ngram-bag': ngramBag,
}

/** The layers after the embedding, from `x` (embedded rows) to logits. */
function head(x: tf.SymbolicTensor, config: TrainConfig, classes: number): tf.SymbolicTensor {
  let h = modelBuilders[config.model](x, config)
  if (config.dropout > 0) h = tf.layers.dropout({ rate: config.dropout, name: 'dropout' }).apply(h) as tf.SymbolicTensor
  return tf.layers.dense({ units: outputUnits(config, classes), name: 'logits' }).apply(h) as tf.SymbolicTensor
}

/**
 * A model in training: the table (in JavaScript, see EmbeddingTable) and the body, a layers model from
 * embedded rows to logits. `exportModel` joins them into one stock layers model from token ids to
 * logits, which is what bundles and checkpoints hold.
 */
export class Network {
  /** A bag of n-grams averages its rows first: the table does it, and the body starts from the mean. */
  readonly pooled: boolean

  constructor(
    readonly config: TrainConfig,
    readonly classes: number,
    readonly table: EmbeddingTable,
    readonly body: tf.LayersModel,
    readonly width: number,
  ) {
    this.pooled = config.model === 'ngram-bag'
  }

  /** Logits of n rows of ids. */
  logits(ids: Int32Array, n: number, training: boolean): tf.Tensor {
    return tf.tidy(() => this.body.apply(this.embed(ids, n), { training }) as tf.Tensor)
  }

  /** The body's input for n rows of ids: their vectors, or the mean of them when pooled. */
  embed(ids: Int32Array, n: number): tf.Tensor {
    const d = this.table.dim
    if (this.pooled) return tf.tensor2d(this.table.gatherMean(ids, this.width), [n, d])
    return tf.tensor3d(this.table.gather(ids), [n, this.width, d])
  }

  /** The table's sparse gradient from the gradient of `embed`'s output. */
  tableGradient(ids: Int32Array, grad: Float32Array): { rows: Int32Array; grads: Float32Array } {
    return this.pooled ? this.table.accumulateMean(ids, this.width, grad) : this.table.accumulate(ids, grad)
  }

  /** One model from ids to logits with the current weights (build, use, dispose). */
  exportModel(): tf.LayersModel {
    const input = tf.input({ shape: [this.width], dtype: 'int32', name: 'tokens' })
    const embedding = tf.layers.embedding({
      inputDim: this.table.rows,
      outputDim: this.table.dim,
      name: 'embedding',
      trainable: this.config.trainEmbeddings,
    })
    let embedded = embedding.apply(input) as tf.SymbolicTensor
    if (this.pooled) embedded = tf.layers.globalAveragePooling1d({ name: 'mean' }).apply(embedded) as tf.SymbolicTensor
    const model = tf.model({
      inputs: input,
      outputs: head(embedded, this.config, this.classes),
      name: this.config.model,
    })
    const table = tf.tensor2d(this.table.values, [this.table.rows, this.table.dim])
    // By layer name: a model lists trainable weights before frozen ones, so a frozen table moves the order.
    for (const layer of model.layers) {
      if (layer.name === 'embedding') layer.setWeights([table])
      else if (layer.weights.length) layer.setWeights(this.body.getLayer(layer.name).getWeights())
    }
    table.dispose()
    return model
  }

  /** Takes the weights of an exported model (a checkpoint) back. */
  importWeights(model: tf.LayersModel): void {
    this.table.values.set(model.getLayer('embedding').getWeights()[0]!.dataSync())
    for (const layer of this.body.layers)
      if (layer.weights.length) layer.setWeights(model.getLayer(layer.name).getWeights())
  }
}

export function buildNetwork(config: TrainConfig, inputs: ModelInputs): Network {
  const rows = embeddingRows(config, inputs.vocabSize)
  const dim = config.embeddingDim
  const values = new Float32Array(rows * dim)
  // As tfjs's default embedding initializer: uniform in [-0.05, 0.05], drawn from the seeded Math.random.
  for (let i = 0; i < values.length; i++) values[i] = (Math.random() - 0.5) * 0.1
  if (inputs.pretrained) {
    if (inputs.pretrained.length !== inputs.vocabSize * dim)
      throw new Error(`The word vectors have ${inputs.pretrained.length / inputs.vocabSize} dimensions, not ${dim}.`)
    // Word rows from the vectors; hashed n-gram rows (if any) keep their random start.
    values.set(inputs.pretrained)
  }
  const table = new EmbeddingTable(values, rows, dim, config.trainEmbeddings, config.optimizer, config.momentum)
  const width = inputLength(config)
  const x = tf.input({ shape: config.model === 'ngram-bag' ? [dim] : [width, dim], name: 'embedded' })
  const body = tf.model({ inputs: x, outputs: head(x, config, inputs.classes), name: `${config.model}_body` })
  return new Network(config, inputs.classes, table, body, width)
}
