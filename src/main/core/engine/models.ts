/**
 * A model in training: the embedding table and the body, built by the kind's builder
 * (`model-builders.ts`) and ending in logits: the loss applies the sigmoid or softmax (as
 * BCE-with-logits does), and so does the scorer.
 */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { embeddingRows, inputLength, outputUnits } from '../../../shared/training/size'
import { EmbeddingTable } from './embedding-table'
import { modelBuilder } from './model-builders'

export interface ModelInputs {
  vocabSize: number
  classes: number
  /** Pretrained rows (vocabSize x dim, float32) when the run starts from word vectors. */
  pretrained?: Float32Array
  /** The weights come from a saved model next (`importWeights`): no random start to draw. */
  loading?: boolean
}

/** The layers after the embedding, from `x` (embedded rows) to logits. */
function head(x: tf.SymbolicTensor, config: TrainConfig, classes: number): tf.SymbolicTensor {
  let h = modelBuilder(config.model)(x, config)
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
    this.pooled = modelKindSpec(config.model).input === 'bag'
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
  if (!inputs.loading) for (let i = 0; i < values.length; i++) values[i] = (Math.random() - 0.5) * 0.1
  if (inputs.pretrained) {
    if (inputs.pretrained.length !== inputs.vocabSize * dim)
      throw new Error(`The word vectors have ${inputs.pretrained.length / inputs.vocabSize} dimensions, not ${dim}.`)
    // Word rows from the vectors; hashed n-gram rows (if any) keep their random start.
    values.set(inputs.pretrained)
  }
  const table = new EmbeddingTable(values, rows, dim, config.trainEmbeddings, config.optimizer, config.momentum)
  const width = inputLength(config)
  const pooled = modelKindSpec(config.model).input === 'bag'
  const x = tf.input({ shape: pooled ? [dim] : [width, dim], name: 'embedded' })
  const body = tf.model({ inputs: x, outputs: head(x, config, inputs.classes), name: `${config.model}_body` })
  return new Network(config, inputs.classes, table, body, width)
}
