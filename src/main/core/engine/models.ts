/**
 * The model registry: one builder per model kind, each a tfjs layers model from stock layers only,
 * so a saved bundle loads in plain tfjs anywhere (a browser included). Every model ends in logits:
 * the loss applies the sigmoid or softmax (as BCE-with-logits does), and so does the scorer.
 */
import * as tf from '@tensorflow/tfjs'
import { featureLength } from '../../../shared/ngrams'
import { embeddingRows, outputUnits, type ModelKind, type TrainConfig } from '../../../shared/training'

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
  const options = { units: config.hiddenUnits, returnSequences, name }
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

/** fastText: the mean of the word and n-gram vectors. */
const ngramBag: Builder = (x) => tf.layers.globalAveragePooling1d({ name: 'mean' }).apply(x) as tf.SymbolicTensor

export const modelBuilders: Record<ModelKind, Builder> = {
  rnn: recurrent,
  lstm: recurrent,
  gru: recurrent,
  bilstm: recurrent,
  cnn,
  dense,
  'ngram-bag': ngramBag,
}

export function buildModel(config: TrainConfig, inputs: ModelInputs): tf.LayersModel {
  const rows = embeddingRows(config, inputs.vocabSize)
  const input = tf.input({ shape: [inputLength(config)], dtype: 'int32', name: 'tokens' })
  const dim = config.embeddingDim
  if (inputs.pretrained && inputs.pretrained.length !== inputs.vocabSize * dim)
    throw new Error(`The word vectors have ${inputs.pretrained.length / inputs.vocabSize} dimensions, not ${dim}.`)
  const embedding = tf.layers.embedding({
    inputDim: rows,
    outputDim: dim,
    name: 'embedding',
    trainable: config.trainEmbeddings,
    embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 }),
  })
  let h = embedding.apply(input) as tf.SymbolicTensor
  h = modelBuilders[config.model](h, config)
  if (config.dropout > 0) h = tf.layers.dropout({ rate: config.dropout, name: 'dropout' }).apply(h) as tf.SymbolicTensor
  const logits = tf.layers.dense({ units: outputUnits(config, inputs.classes), name: 'logits' }).apply(h)
  const model = tf.model({ inputs: input, outputs: logits as tf.SymbolicTensor, name: config.model })
  if (inputs.pretrained) {
    // Word rows from the vectors; hashed n-gram rows (if any) keep their random start.
    // getWeights() hands out the variable itself: read it, never dispose it.
    const values = embedding.getWeights()[0]!.dataSync().slice()
    values.set(inputs.pretrained)
    const table = tf.tensor2d(values, [rows, dim])
    embedding.setWeights([table])
    table.dispose()
  }
  return model
}
