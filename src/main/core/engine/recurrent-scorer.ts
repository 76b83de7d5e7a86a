/**
 * The recurrent kinds (simple RNN, LSTM, GRU, BiLSTM; stacked, any readout) scored for inference only,
 * on the wasm (or cpu) backend's own kernels without tensors, tape or anything kept for a backward
 * pass. Per time step and direction: one product of [x_t, h] (h alone in the first layer) by the
 * stacked input and recurrent kernels through the backend's BatchMatMul, the input part added, then
 * every gate's nonlinearity in one call of the backend's Sigmoid kernel (XNNPACK's vectorized one on
 * wasm, about 2 ns a value here against 14 for Math.exp): a tanh is 2 sigmoid(2x) - 1, so the
 * columns of the tanh gates are doubled once in the weights. Only the cell update is JavaScript.
 *
 * The first layer's input part depends on the word only: each word's x W + b for both directions is
 * computed once (many words per product) and kept, up to `maxCacheBytes` (as `cnn-scorer.ts` does),
 * so that layer costs no input product. The last layer keeps only what the readout reads (the last
 * states, the first and last outputs, or a running max or sum). Tested equal to the tfjs model
 * (`recurrent-scorer.test.ts`).
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import type { RecurrentCell } from './recurrent/fused-sequence'
import { storage, writeValues } from './kernels/values'
import type { Network } from './models'

type Config = Record<string, unknown>

const cellOf: Partial<Record<string, { cell: RecurrentCell; className: string; bidirectional: boolean }>> = {
  rnn: { cell: 'rnn', className: 'SimpleRNN', bidirectional: false },
  lstm: { cell: 'lstm', className: 'LSTM', bidirectional: false },
  gru: { cell: 'gru', className: 'GRU', bidirectional: false },
  bilstm: { cell: 'lstm', className: 'LSTM', bidirectional: true },
}

/** Which blocks of H columns take a tanh (doubled, see above); the others a sigmoid. */
const tanhBlocks: Record<RecurrentCell, number[]> = { lstm: [2], gru: [2], rnn: [0] }
const gateBlocks: Record<RecurrentCell, number> = { lstm: 4, gru: 3, rnn: 1 }

/** Classes that may appear in a recurrent body besides the recurrent layers (readouts, dropout). */
const readoutClasses = new Set([
  'InputLayer',
  'Dropout',
  'GlobalMaxPooling1D',
  'GlobalAveragePooling1D',
  'Reshape',
  'Cropping2D',
  'Flatten',
  'Concatenate',
])

/** One direction of one layer: the product's weights [K, G] (input rows, if any, then recurrent). */
interface Direction {
  backwards: boolean
  /** [x-kernel; recurrent kernel] (the GRU's candidate columns of the recurrent part zero), tanh columns doubled. */
  weights: tf.Tensor2D
  /** GRU: the candidate's recurrent kernel [H, H], doubled. */
  candidate: tf.Tensor2D | null
  /** [G], tanh columns doubled. */
  bias: Float32Array
  /** Layer 0: the x-kernel [D, G], doubled, for the word cache. */
  input: Float32Array
}

interface Layer {
  /** Width of the layer's input from the layer below (0 for the first: the word cache gives it). */
  inputs: number
  directions: Direction[]
}

/** The recurrent config this scorer reproduces, else the reason it does not (then tfjs scores). */
function recurrentConfigOk(c: Config, className: string, units: number, returnSequences: boolean): boolean {
  const name = (v: unknown) => (typeof v === 'string' ? v : ((v as Config | null)?.['className'] ?? null))
  return (
    c.units === units &&
    c.useBias !== false &&
    name(c.activation) === 'tanh' &&
    (className === 'SimpleRNN' || name(c.recurrentActivation) === 'sigmoid') &&
    !c.stateful &&
    !c.returnState &&
    !c.goBackwards &&
    !c.unroll &&
    (c.dropout ?? 0) === 0 &&
    (c.recurrentDropout ?? 0) === 0 &&
    c.returnSequences === returnSequences
  )
}

/**
 * The logits of n rows of `width` token ids, or null when the network is not a recurrent kind in the
 * layer stack `model-builders.ts` makes, or the backend is not wasm or cpu (then tfjs scores it).
 */
export function recurrentLogits(
  net: Network,
  maxCacheBytes = 128 << 20,
): ((x: Int32Array, n: number) => Float32Array) | null {
  const config = net.config
  const kind = cellOf[config.model]
  if (!kind || net.pooling || !['wasm', 'cpu'].includes(tf.getBackend())) return null
  const { cell, className, bidirectional } = kind
  const units = config.hiddenUnits
  const g = gateBlocks[cell] * units
  const named = new Map(net.body.layers.map((l) => [l.name, l]))
  const layers: Layer[] = []
  const seen = new Set<string>()
  for (let l = 0; l < config.layers; l++) {
    const returnSequences = l < config.layers - 1 || config.readout !== 'last'
    const layer = named.get(bidirectional ? `bidirectional_${l}` : `recurrent_${l}`)
    if (!layer) return null
    seen.add(layer.name)
    let inner: Config
    if (bidirectional) {
      const c = layer.getConfig() as Config
      const wrapped = c.layer as Config | undefined
      if (layer.getClassName() !== 'Bidirectional' || c.mergeMode !== 'concat' || wrapped?.className !== className)
        return null
      inner = wrapped.config as Config
    } else {
      if (layer.getClassName() !== className) return null
      inner = layer.getConfig() as Config
    }
    if (!recurrentConfigOk(inner, className, units, returnSequences)) return null
    const weights = layer.getWeights()
    const inputs = l === 0 ? net.table.dim : (bidirectional ? 2 : 1) * units
    if (weights.length !== (bidirectional ? 6 : 3)) return null
    const directions: Direction[] = []
    for (let d = 0; d < weights.length / 3; d++) {
      const [k, rk, b] = weights.slice(3 * d, 3 * d + 3) as [tf.Tensor, tf.Tensor, tf.Tensor]
      if (k.shape.join() !== [inputs, g].join() || rk.shape.join() !== [units, g].join() || b.shape.join() !== `${g}`)
        return null
      directions.push(direction(cell, units, l === 0, d === 1, k, rk, b))
    }
    layers.push({ inputs: l === 0 ? 0 : inputs, directions })
  }
  const logits = named.get('logits')
  if (!logits || logits.getClassName() !== 'Dense' || (logits.getConfig() as Config).activation !== 'linear')
    return null
  seen.add('logits')
  for (const layer of net.body.layers)
    if (!seen.has(layer.name) && !readoutClasses.has(layer.getClassName())) return null
  const [dk, db] = logits.getWeights() as [tf.Tensor, tf.Tensor | undefined]
  const width = (bidirectional ? 2 : 1) * units
  const features = config.readout === 'first-last' ? 2 * width : width
  if (dk.shape[0] !== features) return null
  const readout = {
    kernel: dk.dataSync() as Float32Array,
    bias: db ? (db.dataSync() as Float32Array) : null,
    outputs: dk.shape[1]!,
  }
  const words = new WordGates(net.table.values, net.table.dim, layers[0]!.directions, g, maxCacheBytes)
  const steps = net.width
  const kernels = backendKernels()
  return (x, n) => {
    const out = new Float32Array(n * readout.outputs)
    if (n === 0) return out
    const at = words.blocksOf(x, n * steps)
    const run = new Run(kernels, n, steps, units, cell, config.readout, features)
    let below: Float32Array | null = null
    for (const [l, layer] of layers.entries()) {
      const last = l === layers.length - 1
      const sequence = last ? null : new Float32Array(steps * n * width)
      for (const [d, dir] of layer.directions.entries())
        run.direction(dir, layer.inputs, below, l === 0 ? { cache: words.cache, at, from: d * g } : null, d * units, width, sequence)
      below = sequence
    }
    words.release()
    const f = run.features
    if (config.readout === 'mean') for (let i = 0; i < f.length; i++) f[i] = f[i]! / steps
    const { kernel, bias, outputs } = readout
    for (let r = 0; r < n; r++)
      for (let u = 0; u < outputs; u++) {
        let s = bias ? bias[u]! : 0
        for (let j = 0; j < features; j++) s += f[r * features + j]! * kernel[j * outputs + u]!
        out[r * outputs + u] = s
      }
    return out
  }
}

/** A direction's weights for the step product, the tanh columns doubled. */
function direction(
  cell: RecurrentCell,
  units: number,
  first: boolean,
  backwards: boolean,
  kernel: tf.Tensor,
  recurrent: tf.Tensor,
  bias: tf.Tensor,
): Direction {
  const g = gateBlocks[cell] * units
  const doubled = (values: Float32Array, rows: number) => {
    const v = values.slice()
    for (let r = 0; r < rows; r++) for (const block of tanhBlocks[cell]) for (let j = 0; j < units; j++) v[r * g + block * units + j]! *= 2
    return v
  }
  const k = doubled(kernel.dataSync() as Float32Array, kernel.shape[0]!)
  const rk = doubled(recurrent.dataSync() as Float32Array, units)
  let candidate: tf.Tensor2D | null = null
  if (cell === 'gru') {
    // The candidate's recurrent part multiplies r * h, a product of its own: zero in the first one.
    const own = new Float32Array(units * units)
    for (let r = 0; r < units; r++)
      for (let j = 0; j < units; j++) {
        own[r * units + j] = rk[r * g + 2 * units + j]!
        rk[r * g + 2 * units + j] = 0
      }
    candidate = tf.tensor2d(own, [units, units])
  }
  const rows = first ? units : kernel.shape[0]! + units
  const stacked = new Float32Array(rows * g)
  if (!first) stacked.set(k)
  stacked.set(rk, first ? 0 : k.length)
  return {
    backwards,
    weights: tf.tensor2d(stacked, [rows, g]),
    candidate,
    bias: doubled(bias.dataSync() as Float32Array, 1),
    input: first ? k : new Float32Array(0),
  }
}

interface Kernels {
  backend: tf.KernelBackend
  matMul: KernelFunc
  sigmoid: KernelFunc
}

function backendKernels(): Kernels {
  const name = tf.getBackend()
  const matMul = tf.getKernel('BatchMatMul', name)?.kernelFunc
  const sigmoid = tf.getKernel('Sigmoid', name)?.kernelFunc
  if (!matMul || !sigmoid) throw new Error(`The ${name} backend lacks BatchMatMul or Sigmoid.`)
  return { backend: tf.backend(), matMul, sigmoid }
}

/** a [n, K] times b [K, N] on the backend's memory; the caller disposes the result. */
function product(k: Kernels, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [rows, inner] = a.shape.slice(-2) as [number, number]
  return k.matMul({
    inputs: {
      a: { dataId: a.dataId, dtype: 'float32', shape: [1, rows, inner] },
      b: { dataId: b.dataId, dtype: 'float32', shape: [1, ...b.shape] },
    },
    attrs: { transposeA: false, transposeB: false },
    backend: k.backend,
  }) as TensorInfo
}

function sigmoidOf(k: Kernels, x: TensorInfo): TensorInfo {
  return k.sigmoid({ inputs: { x }, attrs: {}, backend: k.backend }) as TensorInfo
}

/** One batch through the layers: the states of a direction, and the readout's features. */
class Run {
  /** n rows of the readout's features (summed for a mean; divided at the end). */
  readonly features: Float32Array
  private readonly h: Float32Array
  private readonly c: Float32Array
  private readonly keep: Float32Array

  constructor(
    private readonly k: Kernels,
    private readonly n: number,
    private readonly steps: number,
    private readonly units: number,
    private readonly cell: RecurrentCell,
    private readonly readout: string,
    private readonly width: number,
  ) {
    this.features = new Float32Array(n * width)
    this.h = new Float32Array(n * units)
    this.c = new Float32Array(n * units)
    // LSTM: the output gate, kept while tanh(c) is computed. GRU: z.
    this.keep = new Float32Array(n * units)
  }

  /**
   * Runs one direction over all steps. `below` holds the layer below's outputs step-major [T, n, inputs]
   * (null for the first layer, whose input part is `words`: each position's block in `cache`, this
   * direction's part `from` floats in). Every
   * output goes to `sequence` ([T, n, outputWidth] at column `column`) or, in the last layer, to the readout.
   */
  direction(
    dir: Direction,
    inputs: number,
    below: Float32Array | null,
    words: { cache: Float32Array; at: Int32Array; from: number } | null,
    column: number,
    outputWidth: number,
    sequence: Float32Array | null,
  ): void {
    const { k, n, steps, units, cell, h, c } = this
    const g = gateBlocks[cell] * units
    const inner = inputs + units
    h.fill(0)
    c.fill(0)
        const a = writeValues(k.backend, [n, inner], 'float32', new Float32Array(n * inner))
    const tanhIn = writeValues(k.backend, [n, units], 'float32', new Float32Array(n * units))
    const reset = cell === 'gru' ? writeValues(k.backend, [n, units], 'float32', new Float32Array(n * units)) : null
    try {
      for (let s = 0; s < steps; s++) {
        const t = dir.backwards ? steps - 1 - s : s
        const av = storage(k.backend, a)
        if (below)
          for (let b = 0; b < n; b++) {
            const from = (t * n + b) * inputs
            av.set(below.subarray(from, from + inputs), b * inner)
            av.set(h.subarray(b * units, (b + 1) * units), b * inner + inputs)
          }
        else av.set(h)
        const pre = product(k, a, dir.weights)
        const p = storage(k.backend, pre)
        if (words) {
          const { cache, at } = words
          for (let b = 0; b < n; b++) {
            const from = at[b * steps + t]! + words.from
            const o = b * g
            for (let j = 0; j < g; j++) p[o + j] = p[o + j]! + cache[from + j]!
          }
        } else {
          const bias = dir.bias
          for (let b = 0; b < n; b++) for (let j = 0; j < g; j++) p[b * g + j] = p[b * g + j]! + bias[j]!
        }
        const act = sigmoidOf(k, pre)
        this.update(dir, pre, act, tanhIn, reset)
        k.backend.disposeData(pre.dataId)
        k.backend.disposeData(act.dataId)
        this.emit(t, s, column, outputWidth, sequence)
      }
    } finally {
      k.backend.disposeData(a.dataId)
      k.backend.disposeData(tanhIn.dataId)
      if (reset) k.backend.disposeData(reset.dataId)
    }
  }

  /** The new states from the gates' pre-activations `pre` and their sigmoids `act`. */
  private update(dir: Direction, pre: TensorInfo, act: TensorInfo, tanhIn: TensorInfo, reset: TensorInfo | null) {
    const { k, n, units, cell, h, c, keep } = this
    const m = n * units
    if (cell === 'rnn') {
      const sg = storage(k.backend, act)
      for (let i = 0; i < m; i++) h[i] = 2 * sg[i]! - 1
      return
    }
    const g = gateBlocks[cell] * units
    if (cell === 'lstm') {
      const sg = storage(k.backend, act)
      const ti = storage(k.backend, tanhIn)
      for (let b = 0; b < n; b++) {
        const o = b * g
        for (let j = 0; j < units; j++) {
          const i = b * units + j
          const next = sg[o + units + j]! * c[i]! + sg[o + j]! * (2 * sg[o + 2 * units + j]! - 1)
          c[i] = next
          ti[i] = 2 * next
          keep[i] = sg[o + 3 * units + j]!
        }
      }
      const th = sigmoidOf(k, tanhIn)
      const st = storage(k.backend, th)
      for (let i = 0; i < m; i++) h[i] = keep[i]! * (2 * st[i]! - 1)
      k.backend.disposeData(th.dataId)
      return
    }
    // GRU: z and r from the sigmoids; the candidate from x W_h + (r * h) U_h, doubled.
    const sg = storage(k.backend, act)
    const rv = storage(k.backend, reset!)
    for (let b = 0; b < n; b++)
      for (let j = 0; j < units; j++) {
        const i = b * units + j
        keep[i] = sg[b * g + j]!
        rv[i] = sg[b * g + units + j]! * h[i]!
      }
    const q = product(k, reset!, dir.candidate!)
    const qv = storage(k.backend, q)
    const p = storage(k.backend, pre)
    const ti = storage(k.backend, tanhIn)
    for (let b = 0; b < n; b++)
      for (let j = 0; j < units; j++) ti[b * units + j] = p[b * g + 2 * units + j]! + qv[b * units + j]!
    k.backend.disposeData(q.dataId)
    const th = sigmoidOf(k, tanhIn)
    const st = storage(k.backend, th)
    for (let i = 0; i < m; i++) {
      const z = keep[i]!
      h[i] = z * h[i]! + (1 - z) * (2 * st[i]! - 1)
    }
    k.backend.disposeData(th.dataId)
  }

  /** The state after step s (time t) to the next layer's input or to the readout. */
  private emit(t: number, s: number, column: number, outputWidth: number, sequence: Float32Array | null) {
    const { n, steps, units, h, features, width } = this
    const row = (b: number) => h.subarray(b * units, (b + 1) * units)
    if (sequence) {
      for (let b = 0; b < n; b++) sequence.set(row(b), (t * n + b) * outputWidth + column)
      return
    }
    switch (this.readout) {
      case 'last':
        if (s === steps - 1) for (let b = 0; b < n; b++) features.set(row(b), b * width + column)
        return
      case 'first-last':
        if (t === 0 || t === steps - 1)
          for (let b = 0; b < n; b++) features.set(row(b), b * width + (t === 0 ? 0 : outputWidth) + column)
        // One step long: the first output is the last.
        if (t === 0 && steps === 1) for (let b = 0; b < n; b++) features.set(row(b), b * width + outputWidth + column)
        return
      case 'max':
        for (let b = 0; b < n; b++)
          for (let j = 0; j < units; j++) {
            const f = b * width + column + j
            if (s === 0 || h[b * units + j]! > features[f]!) features[f] = h[b * units + j]!
          }
        return
      case 'mean':
        for (let b = 0; b < n; b++)
          for (let j = 0; j < units; j++) {
            const f = b * width + column + j
            features[f] = features[f]! + h[b * units + j]!
          }
    }
  }
}

/**
 * The first layer's input part per word: x W + b of every direction (a block of directions x G
 * floats, tanh columns doubled), computed for a batch's new words in one product and kept up to
 * `maxCacheBytes`; past that, a batch's other words get blocks of their own that `release` frees.
 */
class WordGates {
  cache: Float32Array
  private readonly block: number
  /** A word's block's start in `cache`, -1 until computed. */
  private readonly slot: Int32Array
  private kept = 0
  private readonly maxKept: number
  private used = 0
  /** [D, directions x G]: every direction's x-kernel side by side. */
  private readonly kernel: tf.Tensor2D
  private readonly bias: Float32Array

  constructor(
    private readonly values: Float32Array,
    private readonly dim: number,
    directions: Direction[],
    g: number,
    maxCacheBytes: number,
  ) {
    this.block = directions.length * g
    this.slot = new Int32Array(values.length / dim).fill(-1)
    this.maxKept = Math.max(1, Math.floor(maxCacheBytes / 4 / this.block))
    this.cache = new Float32Array(Math.min(this.maxKept, 1024) * this.block)
    const side = new Float32Array(dim * this.block)
    this.bias = new Float32Array(this.block)
    for (const [d, dir] of directions.entries()) {
      for (let r = 0; r < dim; r++) side.set(dir.input.subarray(r * g, (r + 1) * g), r * this.block + d * g)
      this.bias.set(dir.bias, d * g)
    }
    this.kernel = tf.tensor2d(side, [dim, this.block])
  }

  /** Each of the `count` ids' block start, computing the blocks of words not seen before. */
  blocksOf(ids: Int32Array, count: number): Int32Array {
    const at = new Int32Array(count)
    const fresh: number[] = []
    const local = new Map<number, number>()
    for (let i = 0; i < count; i++) {
      const id = ids[i]!
      let s = this.slot[id]!
      if (s < 0) s = local.get(id) ?? -1
      if (s < 0) {
        s = this.used
        this.used += this.block
        if (this.kept < this.maxKept) {
          this.kept++
          this.slot[id] = s
        } else local.set(id, s)
        fresh.push(id)
      }
      at[i] = s
    }
    if (fresh.length) this.compute(fresh, this.used - fresh.length * this.block)
    return at
  }

  /** Frees the blocks of the words that are not kept (past the cap). */
  release(): void {
    this.used = this.kept * this.block
  }

  /** The blocks of `ids`, laid one after the other from `from`, in products of up to 4,096 words. */
  private compute(ids: number[], from: number): void {
    if (this.used > this.cache.length) {
      const grown = new Float32Array(Math.max(this.used, this.cache.length * 2))
      grown.set(this.cache)
      this.cache = grown
    }
    const k = backendKernels()
    const { dim, values, block, bias } = this
    for (let start = 0; start < ids.length; start += 4096) {
      const m = Math.min(4096, ids.length - start)
      const rows = new Float32Array(m * dim)
      for (let i = 0; i < m; i++) rows.set(values.subarray(ids[start + i]! * dim, (ids[start + i]! + 1) * dim), i * dim)
      const a = writeValues(k.backend, [m, dim], 'float32', rows)
      const p = product(k, a, this.kernel)
      const pv = storage(k.backend, p)
      const to = from + start * block
      for (let i = 0; i < m * block; i++) this.cache[to + i] = pv[i]! + bias[i % block]!
      k.backend.disposeData(a.dataId)
      k.backend.disposeData(p.dataId)
    }
  }
}
