/**
 * The recurrent layers' inference-only pass (`recurrent-scorer.ts` says why it is shaped so), on the
 * current backend's own kernels: the scorer runs it on its thread, and `recurrent-thread.ts` on a
 * worker thread with a backend of its own, from the same plain-array `RecurrentSpec`.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import type { RecurrentCell } from './recurrent/fused-sequence'
import { storage, writeValues } from './kernels/values'

/** Which blocks of H columns take a tanh (doubled, see the scorer); the others a sigmoid. */
const tanhBlocks: Record<RecurrentCell, number[]> = { lstm: [2], gru: [2], rnn: [0] }
export const gateBlocks: Record<RecurrentCell, number> = { lstm: 4, gru: 3, rnn: 1 }

export type Readout = 'last' | 'first-last' | 'max' | 'mean'

/** One direction's weights as the layer holds them: kernel [D, G], recurrent kernel [H, G], bias [G]. */
export interface DirectionWeights {
  backwards: boolean
  inputs: number
  kernel: Float32Array
  recurrent: Float32Array
  bias: Float32Array
}

/** Everything the pass needs, in plain arrays (a worker thread gets a copy). */
export interface RecurrentSpec {
  cell: RecurrentCell
  units: number
  steps: number
  readout: Readout
  /** Each layer's directions (one, or forward and backward). */
  layers: DirectionWeights[][]
}

/** One direction of one layer on the backend, the tanh columns doubled. */
export interface Direction {
  backwards: boolean
  /** The input kernel [D, G]. */
  input: tf.Tensor2D
  /** The recurrent kernel [H, G] (the GRU's candidate columns zero: they multiply r * h, see `candidate`). */
  recurrent: tf.Tensor2D
  /** GRU: the candidate's recurrent kernel [H, H]. */
  candidate: tf.Tensor2D | null
  bias: tf.Tensor1D
}

/** Floats of an upper layer's input projection made in one product (a few steps of a batch). */
const chunkFloats = 4 << 20

/** Per position, where its word's first-layer gates start in `cache` (both directions' side by side). */
export interface WordBlocks {
  cache: Float32Array
  at: Int32Array
}

/** The layers on the current backend: `features` gives n rows' readout features. */
export class Encoder {
  readonly directions: Direction[][]
  /** Floats per row of features. */
  readonly width: number
  private readonly k = backendKernels()
  // The layers' output sequences, reused: fresh tens of megabytes per batch cost more in page faults than the steps.
  private readonly sequences = [new Float32Array(0), new Float32Array(0)]

  constructor(readonly spec: RecurrentSpec) {
    this.directions = spec.layers.map((ds) => ds.map((d) => direction(spec.cell, spec.units, d)))
    const outputs = spec.units * spec.layers[0]!.length
    this.width = spec.readout === 'first-last' ? 2 * outputs : outputs
  }

  features(words: WordBlocks, n: number): Float32Array {
    const { cell, units, steps, readout } = this.spec
    const g = gateBlocks[cell] * units
    const outputs = units * this.directions[0]!.length
    const run = new Run(this.k, n, steps, units, cell, readout, this.width)
    let below: Float32Array | null = null
    for (const [l, layer] of this.directions.entries()) {
      let sequence: Float32Array | null = null
      if (l < this.directions.length - 1) {
        const size = steps * n * outputs
        if (this.sequences[l % 2]!.length < size) this.sequences[l % 2] = new Float32Array(size)
        sequence = this.sequences[l % 2]!.subarray(0, size)
      }
      for (const [d, dir] of layer.entries())
        run.direction(dir, below, l === 0 ? { ...words, from: d * g } : null, d * units, outputs, sequence)
      below = sequence
    }
    const f = run.features
    if (readout === 'mean') for (let i = 0; i < f.length; i++) f[i] = f[i]! / steps
    return f
  }
}

/** A direction's weights on the backend, the tanh columns doubled. */
function direction(cell: RecurrentCell, units: number, w: DirectionWeights): Direction {
  const g = gateBlocks[cell] * units
  const doubled = (values: Float32Array) => {
    const v = values.slice()
    for (let r = 0; r < v.length / g; r++)
      for (const block of tanhBlocks[cell]) for (let j = 0; j < units; j++) v[r * g + block * units + j]! *= 2
    return v
  }
  const rk = doubled(w.recurrent)
  let candidate: tf.Tensor2D | null = null
  if (cell === 'gru') {
    const own = new Float32Array(units * units)
    for (let r = 0; r < units; r++)
      for (let j = 0; j < units; j++) {
        own[r * units + j] = rk[r * g + 2 * units + j]!
        rk[r * g + 2 * units + j] = 0
      }
    candidate = tf.tensor2d(own, [units, units])
  }
  return {
    backwards: w.backwards,
    input: tf.tensor2d(doubled(w.kernel), [w.inputs, g]),
    recurrent: tf.tensor2d(rk, [units, g]),
    candidate,
    bias: tf.tensor1d(doubled(w.bias)),
  }
}

export interface Kernels {
  backend: tf.KernelBackend
  matMul: KernelFunc
  fusedMatMul: KernelFunc
  add: KernelFunc
  sigmoid: KernelFunc
}

export function backendKernels(): Kernels {
  const name = tf.getBackend()
  const kernel = (k: string) => {
    const f = tf.getKernel(k, name)?.kernelFunc
    if (!f) throw new Error(`The ${name} backend has no ${k} kernel.`)
    return f
  }
  return {
    backend: tf.backend(),
    matMul: kernel('BatchMatMul'),
    fusedMatMul: kernel('_FusedMatMul'),
    add: kernel('Add'),
    sigmoid: kernel('Sigmoid'),
  }
}

/** a [n, K] times b [K, N] (plus `bias` [N]) on the backend's memory; the caller disposes the result. */
export function product(k: Kernels, a: TensorInfo, b: TensorInfo, bias?: TensorInfo): TensorInfo {
  const [rows, inner] = a.shape.slice(-2) as [number, number]
  const inputs = {
    a: { dataId: a.dataId, dtype: 'float32' as const, shape: [1, rows, inner] },
    b: { dataId: b.dataId, dtype: 'float32' as const, shape: [1, ...b.shape] },
  }
  const attrs = { transposeA: false, transposeB: false }
  return (
    bias
      ? k.fusedMatMul({ inputs: { ...inputs, bias }, attrs: { ...attrs, activation: 'linear' }, backend: k.backend })
      : k.matMul({ inputs, attrs, backend: k.backend })
  ) as TensorInfo
}

function sum(k: Kernels, a: TensorInfo, b: TensorInfo): TensorInfo {
  return k.add({ inputs: { a, b }, attrs: {}, backend: k.backend }) as TensorInfo
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
    private readonly readout: Readout,
    private readonly width: number,
  ) {
    this.features = new Float32Array(n * width)
    this.h = new Float32Array(n * units)
    this.c = new Float32Array(n * units)
    // LSTM: the output gate, kept while tanh(c) is computed. GRU: z.
    this.keep = new Float32Array(n * units)
  }

  /**
   * Runs one direction over all steps. Its input part comes from `words` in the first layer (each
   * position's block in `cache`, this direction's part `from` floats in), else from `below`, the layer
   * below's outputs step-major [T, n, inputs], projected `chunk` steps at a time in one product.
   * Every output goes to `sequence` ([T, n, outputWidth] at column `column`) or, in the last layer,
   * to the readout.
   */
  direction(
    dir: Direction,
    below: Float32Array | null,
    words: { cache: Float32Array; at: Int32Array; from: number } | null,
    column: number,
    outputWidth: number,
    sequence: Float32Array | null,
  ): void {
    const { k, n, steps, units, cell, h, c } = this
    const g = gateBlocks[cell] * units
    const inputs = dir.input.shape[0]!
    const chunk = Math.max(1, Math.min(steps, Math.floor(chunkFloats / (n * Math.max(inputs, g)))))
    h.fill(0)
    c.fill(0)
    const a = writeValues(k.backend, [n, units], 'float32', new Float32Array(n * units))
    const given = writeValues(k.backend, [n, g], 'float32', new Float32Array(n * g))
    const tanhIn = writeValues(k.backend, [n, units], 'float32', new Float32Array(n * units))
    const reset = cell === 'gru' ? writeValues(k.backend, [n, units], 'float32', new Float32Array(n * units)) : null
    let projected: TensorInfo | null = null
    let first = 0
    try {
      for (let s = 0; s < steps; s++) {
        const t = dir.backwards ? steps - 1 - s : s
        if (below && s % chunk === 0) {
          // The next `chunk` steps' rows are contiguous in `below`, from time `first` on.
          const count = Math.min(chunk, steps - s)
          first = dir.backwards ? t - count + 1 : t
          const x = writeValues(
            k.backend,
            [count * n, inputs],
            'float32',
            below.subarray(first * n * inputs, (first + count) * n * inputs),
          )
          if (projected) k.backend.disposeData(projected.dataId)
          projected = product(k, x, dir.input, dir.bias)
          k.backend.disposeData(x.dataId)
        }
        storage(k.backend, a).set(h)
        // The input part, copied row by row (the backend's Add is many times faster than a loop here).
        const gv = storage(k.backend, given)
        if (words) {
          const { cache, at, from } = words
          for (let b = 0; b < n; b++) {
            const w = at[b * steps + t]! + from
            gv.set(cache.subarray(w, w + g), b * g)
          }
        } else {
          const o = (t - first) * n * g
          gv.set(storage(k.backend, projected!).subarray(o, o + n * g))
        }
        const recurrent = product(k, a, dir.recurrent)
        const pre = sum(k, recurrent, given)
        k.backend.disposeData(recurrent.dataId)
        const act = sigmoidOf(k, pre)
        this.update(dir, pre, act, tanhIn, reset)
        k.backend.disposeData(pre.dataId)
        k.backend.disposeData(act.dataId)
        this.emit(t, s, column, outputWidth, sequence)
      }
    } finally {
      for (const info of [a, given, tanhIn, reset, projected]) if (info) k.backend.disposeData(info.dataId)
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
      for (let b = 0; b < n; b++) {
        const o = (t * n + b) * outputWidth + column
        for (let j = 0; j < units; j++) sequence[o + j] = h[b * units + j]!
      }
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
