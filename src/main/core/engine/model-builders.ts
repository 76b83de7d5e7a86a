/**
 * One builder per model kind, keyed by the kind's name (its spec is in `shared/training/model-kinds.ts`):
 * from the embedded rows to the encoder's features, from stock tfjs layers (the recurrent ones with a
 * fused `call` under their stock names), so a saved bundle loads in plain tfjs anywhere (a browser
 * included); only a training body's CNN has a layer of this project's (`fused`, below). `models.ts`
 * adds dropout and the logits.
 */
import * as tf from '@tensorflow/tfjs'
import { modelKinds, type ModelKind } from '../../../shared/training/model-kinds'
import type { TrainConfig } from '../../../shared/training/config'
import { ConvMaxOverTime } from './conv-max'
import { FusedBidirectional, FusedGRU, FusedLSTM, FusedSimpleRNN } from './recurrent/fused-layers'

/**
 * The layer of that name made before, else `make()`'s: a recurrent or convolutional body is built once per
 * batch length (length buckets) from the same weighted layers. Layers without weights are made anew.
 */
export type Layers = <L extends tf.layers.Layer>(name: string, make: () => L) => L

/**
 * The encoder from `x` (embedded rows, or their mean for a bag) to the features the logits read. A
 * training body (`fused`) may put one layer of this project's where stock tfjs has two with the same
 * weights; the exported model is built with `fused` false and takes them by layer name.
 */
export type ModelBuilder = (
  x: tf.SymbolicTensor,
  config: TrainConfig,
  layers: Layers,
  fused: boolean,
) => tf.SymbolicTensor

type Cell = (options: { units: number; returnSequences: boolean; name: string }) => tf.RNN

/** Stacked recurrent layers of `cell` (each wrapped both ways when bidirectional), then the readout. */
const recurrent =
  (cell: Cell, bidirectional: boolean): ModelBuilder =>
  (x, config, layers) => {
    const sequenceOut = config.readout !== 'last'
    let h = x
    for (let l = 0; l < config.layers; l++) {
      const returnSequences = l < config.layers - 1 || sequenceOut
      const make = () => cell({ units: config.hiddenUnits, returnSequences, name: `recurrent_${l}` })
      h = (
        bidirectional
          ? layers(
              `bidirectional_${l}`,
              () => new FusedBidirectional({ layer: make(), mergeMode: 'concat', name: `bidirectional_${l}` }),
            )
          : layers(`recurrent_${l}`, make)
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
        return firstAndLast(h, h.shape[1] as number)
    }
  }

// The stock layers with a whole-sequence kernel on wasm and cpu (see recurrent/fused-layers.ts).
const simpleRnn: Cell = (o) => new FusedSimpleRNN(o)
// Logistic gates as PyTorch, MindSpore and Keras 2 use (tfjs defaults to a hard sigmoid).
const gru: Cell = (o) => new FusedGRU({ ...o, recurrentActivation: 'sigmoid' })
const lstm: Cell = (o) => new FusedLSTM({ ...o, recurrentActivation: 'sigmoid' })

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

/**
 * Kim (2014): one convolution per width, max over time, concatenated (any length: length buckets share
 * the convolutions). A training body runs each convolution and its max as one layer (`conv-max.ts`).
 */
const cnn: ModelBuilder = (x, config, layers, fused) => {
  const pooled = config.filterSizes.map((width, i) => {
    const name = `conv_${width}_${i}`
    if (fused)
      return layers(name, () => new ConvMaxOverTime({ filters: config.filters, kernelSize: width, name })).apply(
        x,
      ) as tf.SymbolicTensor
    const conv = layers(name, () =>
      tf.layers.conv1d({ filters: config.filters, kernelSize: width, activation: 'relu', name }),
    )
    return tf.layers
      .globalMaxPooling1d({ name: `max_over_time_${i}` })
      .apply(conv.apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor
  })
  return pooled.length === 1 ? pooled[0]! : (tf.layers.concatenate({}).apply(pooled) as tf.SymbolicTensor)
}

/** The MXNet dense net: flatten the embedded sequence into one hidden layer. */
const dense: ModelBuilder = (x, config) =>
  tf.layers
    .dense({ units: config.denseUnits, activation: 'relu', name: 'hidden' })
    .apply(tf.layers.flatten({}).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor

/** fastText: the mean of the word and n-gram vectors, which the table computes (see Network.pooling). */
const ngramBag: ModelBuilder = (x) => x

export const modelBuilders: Record<ModelKind, ModelBuilder> = {
  rnn: recurrent(simpleRnn, false),
  lstm: recurrent(lstm, false),
  gru: recurrent(gru, false),
  bilstm: recurrent(lstm, true),
  cnn,
  dense,
  'ngram-bag': ngramBag,
  // The table sums each feature's weighted ratio; the logits layer adds the bias (see nbsvm.ts).
  nbsvm: ngramBag,
}

/** A kind's builder; a config from disk may name a kind this version lacks. */
export function modelBuilder(kind: ModelKind): ModelBuilder {
  if (!Object.hasOwn(modelBuilders, kind))
    throw new Error(`Unknown model kind "${kind}": no builder. Model kinds: ${modelKinds.join(', ')}.`)
  return modelBuilders[kind]
}
