/**
 * The CNN kind (Kim 2014: one convolution per width over the embedded words, ReLU, max over time,
 * concatenated, dropout, logits) scored in plain JavaScript, with the embedding folded into the
 * convolutions. A convolution's output at position t is the bias plus, for each offset k of its
 * width, the word at t + k's vector times the kernel's k-th slice. That product depends on the word
 * only, so it is computed once per word (on first sight, for every width and offset) and kept, and a
 * position costs `width` additions of `filters` floats instead of `width x dim x filters`
 * multiply-adds. Windows that hold only padding all have the same value: one is computed per row.
 * Max over time then ReLU equals ReLU then max over time (ReLU is monotone). Dropout does nothing at
 * inference. Tested equal to the tfjs model (`cnn-scorer.test.ts`).
 */
import type * as tf from '@tensorflow/tfjs'
import type { Network } from './models'

interface Conv {
  width: number
  /** width x dim x filters, as tfjs keeps a Conv1D kernel. */
  kernel: Float32Array
  /** Zeros when the layer has none. */
  bias: Float32Array
  /** Where this convolution's offsets start in a word's block of products. */
  at: number
}

type Config = Record<string, unknown>

const same = (value: unknown, expected: number) =>
  (Array.isArray(value) ? value.every((v) => v === expected) : value === expected) || value == null

/**
 * The logits of n rows of `width` token ids, a row of outputs each, or null when the network is not
 * the CNN kind in the layer stack this knows (then tfjs scores it). The per-word products take at
 * most `maxCacheBytes`; words past it are computed for each row they are in, not kept.
 */
export function cnnLogits(
  net: Network,
  maxCacheBytes = 128 << 20,
): ((x: Int32Array, n: number) => Float32Array) | null {
  const config = net.config
  if (config.model !== 'cnn' || net.pooling) return null
  const body = net.body
  const named = new Map(body.layers.map((l) => [l.name, l]))
  const expected = new Set<string>()
  const dim = net.table.dim
  const filters = config.filters
  const convs: Conv[] = []
  let at = 0
  for (const [i, width] of config.filterSizes.entries()) {
    const conv = named.get(`conv_${width}_${i}`)
    // A training body's ConvMaxOverTime, or the stock pair of an exported model.
    const pool = named.get(`max_over_time_${i}`)
    const stockPair = conv?.getClassName() === 'Conv1D' && pool?.getClassName() === 'GlobalMaxPooling1D'
    if (!conv || !(stockPair || conv.getClassName() === 'ConvMaxOverTime')) return null
    const c = conv.getConfig() as Config
    if (
      c.activation !== 'relu' ||
      c.padding !== 'valid' ||
      !same(c.strides, 1) ||
      !same(c.dilationRate, 1) ||
      c.filters !== filters ||
      (c.dataFormat != null && c.dataFormat !== 'channelsLast')
    )
      return null
    const [kernel, bias] = conv.getWeights()
    if (!kernel || kernel.shape.join() !== [width, dim, filters].join()) return null
    convs.push({
      width,
      kernel: kernel.dataSync() as Float32Array,
      bias: bias ? (bias.dataSync() as Float32Array) : new Float32Array(filters),
      at,
    })
    at += width * filters
    expected.add(conv.name)
    if (pool) expected.add(pool.name)
  }
  const logits = named.get('logits')
  if (!logits || logits.getClassName() !== 'Dense' || (logits.getConfig() as Config).activation !== 'linear')
    return null
  expected.add('logits')
  // Nothing else but the input, the concatenation and dropout (nothing at inference).
  for (const layer of body.layers)
    if (!expected.has(layer.name) && !['InputLayer', 'Concatenate', 'Dropout'].includes(layer.getClassName()))
      return null
  const [dk, db] = logits.getWeights() as [tf.Tensor, tf.Tensor | undefined]
  const readout = {
    kernel: dk.dataSync() as Float32Array,
    bias: db ? (db.dataSync() as Float32Array) : null,
    units: dk.shape[1]!,
  }
  const products = new WordProducts(net.table.values, dim, filters, convs, at, maxCacheBytes)
  const steps = net.width
  const features = convs.length * filters
  return (x, n) => {
    const out = new Float32Array(n * readout.units)
    const pooled = new Float64Array(features)
    const best = new Float64Array(filters)
    const blocks = new Int32Array(steps)
    const from = new Int32Array(Math.max(5, ...config.filterSizes))
    for (let r = 0; r < n; r++) {
      const row = x.subarray(r * steps, (r + 1) * steps)
      for (let t = 0; t < steps; t++) blocks[t] = products.blockOf(row[t]!)
      const cache = products.cache
      for (const [i, { width, bias, at }] of convs.entries()) {
        best.fill(-Infinity)
        let paddingDone = false
        for (let t = 0; t + width <= steps; t++) {
          let padding = true
          for (let k = 0; k < width && padding; k++) padding = row[t + k] === 0
          if (padding) {
            if (paddingDone) continue
            paddingDone = true
          }
          for (let k = 0; k < width; k++) from[k] = blocks[t + k]! + at + k * filters
          maxInto(best, cache, from, width, bias, filters)
        }
        for (let f = 0; f < filters; f++) pooled[i * filters + f] = best[f]! > 0 ? best[f]! : 0
      }
      products.release()
      const { kernel, bias, units } = readout
      for (let u = 0; u < units; u++) {
        let s = bias ? bias[u]! : 0
        for (let j = 0; j < features; j++) s += pooled[j]! * kernel[j * units + u]!
        out[r * units + u] = s
      }
    }
    return out
  }
}

/**
 * One position of a convolution: per filter f, the bias plus the products at `from[k] + f` for each
 * offset k in order (the sum kept in a register), kept in `best` when larger. The usual widths are
 * spelled out: a loop over a few offsets per filter cost twice as much.
 */
function maxInto(
  best: Float64Array,
  cache: Float32Array,
  from: Int32Array,
  width: number,
  bias: Float32Array,
  filters: number,
): void {
  const [a, b, c, d, e] = [from[0]!, from[1]!, from[2]!, from[3]!, from[4]!]
  switch (width) {
    case 3:
      for (let f = 0; f < filters; f++) {
        const v = bias[f]! + cache[a + f]! + cache[b + f]! + cache[c + f]!
        if (v > best[f]!) best[f] = v
      }
      return
    case 4:
      for (let f = 0; f < filters; f++) {
        const v = bias[f]! + cache[a + f]! + cache[b + f]! + cache[c + f]! + cache[d + f]!
        if (v > best[f]!) best[f] = v
      }
      return
    case 5:
      for (let f = 0; f < filters; f++) {
        const v = bias[f]! + cache[a + f]! + cache[b + f]! + cache[c + f]! + cache[d + f]! + cache[e + f]!
        if (v > best[f]!) best[f] = v
      }
      return
    default:
      for (let f = 0; f < filters; f++) {
        let v = bias[f]!
        for (let k = 0; k < width; k++) v += cache[from[k]! + f]!
        if (v > best[f]!) best[f] = v
      }
  }
}

/**
 * Each word's vector times every convolution offset's kernel slice (a block of sum(widths) x filters
 * floats), kept up to `maxCacheBytes`; past that, a row's other words get blocks of their own that
 * `release` frees after the row.
 */
class WordProducts {
  cache: Float32Array
  private readonly block: number
  /** A word's block's start in `cache`, -1 until computed. */
  private readonly slot: Int32Array
  private kept = 0
  private readonly maxKept: number
  private used: number

  constructor(
    private readonly values: Float32Array,
    private readonly dim: number,
    private readonly filters: number,
    private readonly convs: Conv[],
    block: number,
    maxCacheBytes: number,
  ) {
    this.block = block
    this.slot = new Int32Array(values.length / dim).fill(-1)
    this.maxKept = Math.max(1, Math.floor(maxCacheBytes / 4 / block))
    this.cache = new Float32Array(Math.min(this.maxKept, 1024) * block)
    this.used = 0
  }

  /** Where word `id`'s block starts in `cache` (valid until `release`, for words beyond the cap). */
  blockOf(id: number): number {
    const known = this.slot[id]!
    if (known >= 0) return known
    const keep = this.kept < this.maxKept
    const from = this.used
    if (from + this.block > this.cache.length) {
      const grown = new Float32Array(Math.max(from + this.block, this.cache.length * 2))
      grown.set(this.cache)
      this.cache = grown
    }
    this.compute(id, from)
    this.used += this.block
    if (keep) {
      this.kept++
      this.slot[id] = from
    }
    return from
  }

  /** Frees the blocks of the words that are not kept (past the cap). */
  release(): void {
    this.used = this.kept * this.block
  }

  private compute(id: number, from: number): void {
    const { values, dim, filters, cache } = this
    const e = id * dim
    for (const conv of this.convs)
      for (let k = 0; k < conv.width; k++) {
        const to = from + conv.at + k * filters
        for (let f = 0; f < filters; f++) {
          let s = 0
          for (let d = 0; d < dim; d++) s += values[e + d]! * conv.kernel[(k * dim + d) * filters + f]!
          cache[to + f] = s
        }
      }
  }
}
