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
import { modelBuilder, type Layers } from './model-builders'

export interface ModelInputs {
  vocabSize: number
  classes: number
  /** Pretrained rows (vocabSize x dim, float32) when the run starts from word vectors. */
  pretrained?: Float32Array
}

/** The layers after the embedding, from `x` (embedded rows) to logits. */
function head(x: tf.SymbolicTensor, config: TrainConfig, classes: number, layers: Layers): tf.SymbolicTensor {
  let h = modelBuilder(config.model)(x, config, layers)
  if (config.dropout > 0) h = tf.layers.dropout({ rate: config.dropout, name: 'dropout' }).apply(h) as tf.SymbolicTensor
  return layers('logits', () => tf.layers.dense({ units: outputUnits(config, classes), name: 'logits' })).apply(
    h,
  ) as tf.SymbolicTensor
}

/** Every layer made anew: the exported model has weights of its own. */
const freshLayers: Layers = (_, make) => make()

/** Layers remembered by name, so that bodies built for other lengths share their weights. */
function sharedLayers(): Layers {
  const made = new Map<string, tf.layers.Layer>()
  return <L extends tf.layers.Layer>(name: string, make: () => L): L => {
    const known = made.get(name)
    if (known) return known as L
    const layer = make()
    made.set(name, layer)
    return layer
  }
}

/**
 * A model in training: the table (in JavaScript, see EmbeddingTable) and the body, a layers model from
 * embedded rows to logits. `exportModel` joins them into one stock layers model from token ids to
 * logits, which is what bundles and checkpoints hold.
 */
export class Network {
  /** A bag of n-grams averages its rows first: the table does it, and the body starts from the mean. */
  readonly pooled: boolean
  /** Bodies for batches shorter than `width` (length buckets), sharing the body's layers. */
  private readonly shorter = new Map<number, tf.LayersModel>()

  constructor(
    readonly config: TrainConfig,
    readonly classes: number,
    readonly table: EmbeddingTable,
    readonly body: tf.LayersModel,
    readonly width: number,
    private readonly layers: Layers,
  ) {
    this.pooled = modelKindSpec(config.model).input === 'bag'
  }

  /** The body for rows of `steps` ids: the body itself at full width, else one built on the same layers. */
  bodyFor(steps: number): tf.LayersModel {
    if (steps === this.width || this.pooled) return this.body
    let body = this.shorter.get(steps)
    if (!body) {
      const x = tf.input({ shape: [steps, this.table.dim], name: 'embedded' })
      body = tf.model({ inputs: x, outputs: head(x, this.config, this.classes, this.layers) })
      this.shorter.set(steps, body)
    }
    return body
  }

  /** Logits of n rows of ids. */
  logits(ids: Int32Array, n: number, training: boolean): tf.Tensor {
    return tf.tidy(() => this.body.apply(this.embed(ids, n), { training }) as tf.Tensor)
  }

  /** The body's input for n rows of `steps` ids: their vectors, or the mean of them when pooled. */
  embed(ids: Int32Array, n: number, steps = this.width): tf.Tensor {
    const d = this.table.dim
    if (this.pooled) return tf.tensor2d(this.table.gatherMean(ids, this.width), [n, d])
    return tf.tensor3d(this.table.gather(ids), [n, steps, d])
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
      outputs: head(embedded, this.config, this.classes, freshLayers),
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
  const pooled = modelKindSpec(config.model).input === 'bag'
  const x = tf.input({ shape: pooled ? [dim] : [width, dim], name: 'embedded' })
  const layers = sharedLayers()
  const body = tf.model({ inputs: x, outputs: head(x, config, inputs.classes, layers), name: `${config.model}_body` })
  return new Network(config, inputs.classes, table, body, width, layers)
}
