/**
 * A bag model scored in plain JavaScript. Its body after the table's mean is dense layers only (and
 * dropout, which does nothing at inference), so a batch is the mean (the same `gatherPooled` training
 * used) and a few small products: done here, a batch costs no tensors, no copies into wasm's heap and
 * no kernel calls, which were most of a bag model's scoring time. Tested equal to the tfjs model.
 */
import type * as tf from '@tensorflow/tfjs'
import type { Pooling } from './embedding-table'
import type { Network } from './models'

interface DenseWeights {
  /** inputs x units, row-major, as tfjs keeps a dense kernel. */
  kernel: Float32Array
  bias: Float32Array | null
  inputs: number
  units: number
  relu: boolean
}

/** The body's dense layers in order, or null when it has any other layer (or activation). */
function denseLayers(body: tf.LayersModel): DenseWeights[] | null {
  const out: DenseWeights[] = []
  for (const layer of body.layers) {
    const kind = layer.getClassName()
    if (kind === 'InputLayer' || kind === 'Dropout') continue
    if (kind !== 'Dense') return null
    const activation = layer.getConfig().activation
    if (activation !== 'linear' && activation !== 'relu') return null
    const [kernel, bias] = layer.getWeights()
    const [inputs, units] = kernel!.shape as [number, number]
    out.push({
      kernel: kernel!.dataSync() as Float32Array,
      bias: bias ? (bias.dataSync() as Float32Array) : null,
      inputs,
      units,
      relu: activation === 'relu',
    })
  }
  return out.length > 0 ? out : null
}

/**
 * The logits of n rows of bag features (`width` each; row i's end after used[i], zeros after, when
 * given), a row of outputs each, or null when the network is not a bag with a dense body. When the first dense layer is narrower than the table
 * (fastText's single logits layer reads 50 floats to make 1), it is folded into the table: the pooling
 * is linear, so mean(rows)·W = mean(rows·W), and each row's product with W (computed once, on first
 * sight) makes a feature cost `units` additions instead of `dim`.
 */
export function bagLogits(net: Network): ((x: Int32Array, n: number, used?: Uint32Array) => Float32Array) | null {
  const pooling = net.pooling
  if (!pooling) return null
  const layers = denseLayers(net.body)
  if (!layers) return null
  const first = layers[0]!
  if (first.units < net.table.dim) {
    const fold = new FoldedTable(net.table.values, net.table.dim, first)
    const rest = layers.slice(1)
    return (x, n, used) => {
      let h = fold.pooled(x, net.width, n, pooling, used)
      for (const l of rest) h = dense(h, n, l)
      return h
    }
  }
  return (x, n) => {
    let h = net.table.gatherPooled(x, net.width, pooling)
    for (const l of layers) h = dense(h, n, l)
    return h
  }
}

/** The table's rows times a dense layer's kernel, each row computed when a feature first needs it. */
class FoldedTable {
  private readonly rows: Float64Array
  private readonly known: Uint8Array

  constructor(
    private readonly values: Float32Array,
    private readonly dim: number,
    private readonly layer: DenseWeights,
  ) {
    this.rows = new Float64Array((values.length / dim) * layer.units)
    this.known = new Uint8Array(values.length / dim)
    // One unit (fastText's logit): every row at once, 8 bytes each, and the sum needs no check per
    // feature (scoring reads rows at random, so the check was a second cache miss per feature).
    if (layer.units === 1) for (let id = 0; id < this.known.length; id++) this.project(id)
  }

  private project(id: number): void {
    const { kernel, units } = this.layer
    const { values, dim } = this
    for (let u = 0; u < units; u++) {
      let s = 0
      for (let k = 0; k < dim; k++) s += values[id * dim + k]! * kernel[k * units + u]!
      this.rows[id * units + u] = s
    }
    this.known[id] = 1
  }

  /** The layer's output for n rows of `width` features pooled as `pooling` (padding, id 0, skipped). */
  pooled(x: Int32Array, width: number, n: number, pooling: Pooling, used?: Uint32Array): Float32Array {
    const { bias, units, relu } = this.layer
    const { rows, known } = this
    const out = new Float32Array(n * units)
    if (units === 1) return this.pooledOne(x, width, n, pooling, used, out)
    const sum = new Float64Array(units)
    for (let r = 0; r < n; r++) {
      sum.fill(0)
      let count = 0
      const end = r * width + (used ? used[r]! : width)
      for (let i = r * width; i < end; i++) {
        const id = x[i]!
        if (id === 0) continue
        count++
        if (known[id] === 0) this.project(id)
        for (let u = 0; u < units; u++) sum[u]! += rows[id * units + u]!
      }
      const scale = pooling === 'sum' ? 1 : 1 / Math.max(1, count)
      for (let u = 0; u < units; u++) {
        const v = sum[u]! * scale + (bias ? bias[u]! : 0)
        out[r * units + u] = relu && v < 0 ? 0 : v
      }
    }
    return out
  }

  /**
   * `pooled` for a layer of one unit (fastText's sigmoid logit), the sum in a local: a row's hundreds
   * of features each cost one load and one addition, not a loop over a one-element array.
   */
  private pooledOne(
    x: Int32Array,
    width: number,
    n: number,
    pooling: Pooling,
    used: Uint32Array | undefined,
    out: Float32Array,
  ): Float32Array {
    const { bias, relu } = this.layer
    const rows = this.rows
    const b = bias ? bias[0]! : 0
    for (let r = 0; r < n; r++) {
      let sum = 0
      let count = 0
      const end = r * width + (used ? used[r]! : width)
      for (let i = r * width; i < end; i++) {
        const id = x[i]!
        if (id === 0) continue
        count++
        sum += rows[id]!
      }
      const v = sum * (pooling === 'sum' ? 1 : 1 / Math.max(1, count)) + b
      out[r] = relu && v < 0 ? 0 : v
    }
    return out
  }
}

function dense(x: Float32Array, n: number, l: DenseWeights): Float32Array {
  const { kernel, bias, inputs, units } = l
  const out = new Float32Array(n * units)
  const sum = new Float64Array(units)
  for (let r = 0; r < n; r++) {
    if (bias) for (let u = 0; u < units; u++) sum[u] = bias[u]!
    else sum.fill(0)
    for (let i = 0; i < inputs; i++) {
      const v = x[r * inputs + i]!
      const row = i * units
      for (let u = 0; u < units; u++) sum[u]! += v * kernel[row + u]!
    }
    for (let u = 0; u < units; u++) out[r * units + u] = l.relu && sum[u]! < 0 ? 0 : sum[u]!
  }
  return out
}

/** Sigmoid of one logit as [1 - p, p], or the softmax of one logit per class, as the scorer's tfjs path. */
export function probabilities(logits: Float32Array, n: number, output: 'sigmoid' | 'softmax'): Float32Array {
  if (output === 'sigmoid') {
    const out = new Float32Array(n * 2)
    for (let r = 0; r < n; r++) {
      const p = 1 / (1 + Math.exp(-logits[r]!))
      out[2 * r] = 1 - p
      out[2 * r + 1] = p
    }
    return out
  }
  const c = logits.length / n
  const out = new Float32Array(n * c)
  for (let r = 0; r < n; r++) {
    let max = -Infinity
    for (let k = 0; k < c; k++) max = Math.max(max, logits[r * c + k]!)
    let total = 0
    for (let k = 0; k < c; k++) total += Math.exp(logits[r * c + k]! - max)
    for (let k = 0; k < c; k++) out[r * c + k] = Math.exp(logits[r * c + k]! - max) / total
  }
  return out
}
