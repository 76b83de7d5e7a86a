/**
 * A model in training: the embedding table and the body, built by the kind's builder
 * (`model-builders.ts`) and ending in logits: the loss applies the sigmoid or softmax (as
 * BCE-with-logits does), and so does the scorer.
 */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import { modelKindSpec, tableDim } from '../../../shared/training/model-kinds'
import { embeddingRows, inputLength, outputUnits } from '../../../shared/training/size'
import { EmbeddingTable, sharedFloats, type Pooling } from './embedding-table'
import { modelBuilder, type Layers } from './model-builders'
import { onNativeRung } from './native-ops'
import { TableCopy } from './native-table'

export interface ModelInputs {
  vocabSize: number
  classes: number
  /** Pretrained rows (vocabSize x dim, float32) when the run starts from word vectors. */
  pretrained?: Float32Array
  /** The weights come from a saved model next (`importWeights`): no random start to draw. */
  loading?: boolean
}

/** The layers after the embedding, from `x` (embedded rows) to logits. */
function head(x: tf.SymbolicTensor, config: TrainConfig, classes: number, layers: Layers): tf.SymbolicTensor {
  let h = modelBuilder(config.model)(x, config, layers, layers !== freshLayers)
  if (config.dropout > 0) h = tf.layers.dropout({ rate: config.dropout, name: 'dropout' }).apply(h) as tf.SymbolicTensor
  return layers('logits', () => tf.layers.dense({ units: outputUnits(config, classes), name: 'logits' })).apply(
    h,
  ) as tf.SymbolicTensor
}

/** Every layer made anew: the exported model has weights of its own, in stock layers only. */
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
  /** A bag pools its rows first (mean or sum): the table does it, and the body starts from the pooled vector. */
  readonly pooling: Pooling | null
  /** Bodies for batches shorter than `width` (length buckets), sharing the body's layers. */
  private readonly shorter = new Map<number, tf.LayersModel>()
  /** Sequence rows on the native rungs are gathered from the table's copy in TensorFlow (null: in JavaScript). */
  private copy: TableCopy | null | undefined

  constructor(
    readonly config: TrainConfig,
    readonly classes: number,
    readonly table: EmbeddingTable,
    readonly body: tf.LayersModel,
    readonly width: number,
    private readonly layers: Layers,
  ) {
    const spec = modelKindSpec(config.model)
    this.pooling = spec.input === 'bag' ? (spec.pooling ?? 'mean') : null
  }

  /** The body for rows of `steps` ids: the body itself at full width, else one built on the same layers. */
  bodyFor(steps: number): tf.LayersModel {
    if (steps === this.width || this.pooling) return this.body
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
    if (this.pooling) return tf.tensor2d(this.table.gatherPooled(ids, this.width, this.pooling), [n, d])
    if (this.copy === undefined) this.copy = onNativeRung() ? new TableCopy(this.table) : null
    if (this.copy) return this.copy.gather(ids, n, steps)
    return tf.tensor3d(this.table.gather(ids), [n, steps, d])
  }

  /** The table's sparse gradient from the gradient of `embed`'s output. */
  async tableGradient(ids: Int32Array, grad: tf.Tensor): Promise<{ rows: Int32Array; grads: Float32Array }> {
    if (this.copy && !this.pooling) return this.copy.gradient(ids, grad)
    const values = (await grad.data()) as Float32Array
    return this.pooling
      ? this.table.accumulatePooled(ids, this.width, values, this.pooling)
      : this.table.accumulate(ids, values)
  }

  /** One optimizer step on the table's rows touched (and on its copy's). */
  updateTable(rows: Int32Array, grads: Float32Array, lr: number): void {
    this.table.apply(rows, grads, lr)
    this.copy?.update(rows)
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
    if (this.pooling) embedded = pool(input, embedded, this.pooling, this.width, this.table.rows)
    const model = tf.model({
      inputs: input,
      outputs: head(embedded, this.config, this.classes, freshLayers),
      name: this.config.model,
    })
    const table = tf.tensor2d(this.table.values, [this.table.rows, this.table.dim])
    // By layer name: a model lists trainable weights before frozen ones, so a frozen table moves the order.
    for (const layer of model.layers) {
      if (layer.name === 'embedding') layer.setWeights([table])
      else if (layer.name === paddingScores) layer.setWeights([paddingScoreRows(this.table.rows)])
      else if (layer.weights.length) layer.setWeights(this.body.getLayer(layer.name).getWeights())
    }
    table.dispose()
    return model
  }

  /** Takes the weights of an exported model (a checkpoint) back. */
  importWeights(model: tf.LayersModel): void {
    this.table.values.set(model.getLayer('embedding').getWeights()[0]!.dataSync())
    this.copy?.reset()
    for (const layer of this.body.layers)
      if (layer.weights.length) layer.setWeights(model.getLayer(layer.name).getWeights())
  }
}

/** The frozen layer that tells padding from features in an exported bag (see `pool`). */
const paddingScores = 'padding_scores'

/** One score per row: very low for the padding row, 0 for every feature, so a softmax over a row's ids weighs its features equally. */
function paddingScoreRows(rows: number): tf.Tensor2D {
  const scores = new Float32Array(rows)
  scores[0] = -1e4
  return tf.tensor2d(scores, [rows, 1])
}

/**
 * A bag's pooling in stock layers, equal to `EmbeddingTable.gatherPooled`: a sum is the mean over
 * the row's width times the width (the padding row is zero); a mean over the example's own features
 * weighs each position by a softmax over frozen per-row scores (padding ~0, features 1/count) and
 * takes the dot product with the embedded rows. GlobalAveragePooling1D ignores masks in tfjs.
 */
function pool(input: tf.SymbolicTensor, embedded: tf.SymbolicTensor, pooling: Pooling, width: number, rows: number) {
  if (pooling === 'sum') {
    const mean = tf.layers.globalAveragePooling1d({ name: 'mean' }).apply(embedded) as tf.SymbolicTensor
    return tf.layers.rescaling({ scale: width, name: 'sum' }).apply(mean) as tf.SymbolicTensor
  }
  const scores = tf.layers
    .embedding({ inputDim: rows, outputDim: 1, name: paddingScores, trainable: false })
    .apply(input) as tf.SymbolicTensor
  // tfjs's softmax takes the last axis only: the scores go flat for it, then back to a column.
  const flat = tf.layers.flatten({ name: 'padding_scores_flat' }).apply(scores) as tf.SymbolicTensor
  const softmax = tf.layers.softmax({ name: 'feature_weights' }).apply(flat) as tf.SymbolicTensor
  const weights = tf.layers
    .reshape({ targetShape: [width, 1], name: 'feature_weights_column' })
    .apply(softmax) as tf.SymbolicTensor
  const pooled = tf.layers.dot({ axes: [1, 1], name: 'feature_mean' }).apply([weights, embedded]) as tf.SymbolicTensor
  return tf.layers.flatten({ name: 'mean' }).apply(pooled) as tf.SymbolicTensor
}

export function buildNetwork(config: TrainConfig, inputs: ModelInputs): Network {
  const rows = embeddingRows(config, inputs.vocabSize)
  const dim = tableDim(config, outputUnits(config, inputs.classes))
  const values = sharedFloats(rows * dim)
  // As tfjs's default embedding initializer: uniform in [-0.05, 0.05], drawn from the seeded Math.random.
  if (!inputs.loading) for (let i = 0; i < values.length; i++) values[i] = (Math.random() - 0.5) * 0.1
  // A bag never reads its padding row: it stays zero (an exported sum then counts it as nothing).
  if (modelKindSpec(config.model).input === 'bag') values.fill(0, 0, dim)
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
