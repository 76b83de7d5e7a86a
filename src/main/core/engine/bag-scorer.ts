/**
 * A bag model scored in plain JavaScript. Its body after the table's mean is dense layers only (and
 * dropout, which does nothing at inference), so a batch is the mean (the same `gatherPooled` training
 * used) and a few small products: done here, a batch costs no tensors, no copies into wasm's heap and
 * no kernel calls, which were most of a bag model's scoring time. Tested equal to the tfjs model.
 */
import type * as tf from '@tensorflow/tfjs'
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
 * The logits of n rows of bag features (`width` each), a row of outputs each, or null when the
 * network is not a bag with a dense body.
 */
export function bagLogits(net: Network): ((x: Int32Array, n: number) => Float32Array) | null {
  const pooling = net.pooling
  if (!pooling) return null
  const layers = denseLayers(net.body)
  if (!layers) return null
  return (x, n) => {
    let h = net.table.gatherPooled(x, net.width, pooling)
    for (const l of layers) h = dense(h, n, l)
    return h
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
