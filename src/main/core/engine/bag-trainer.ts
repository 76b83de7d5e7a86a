/**
 * A bag of n-grams (`ngram-bag`) trained in plain JavaScript. Its body after the table's mean is at
 * most a dropout and the logits layer, so a step is the table's gather-mean, one small product, the
 * loss and their gradients: done here on typed arrays, a step makes no tensors, no tape and no
 * kernel calls, which were most of a bag's step on every backend. The math is the tfjs path's
 * (`train-step.ts`): the same loss, clipping by the global norm of every gradient, the table's own
 * lazy (sparse) update of the rows the batch touched, and the run's optimizer for the logits layer
 * by tfjs's own rules, so its slots are saved and read under tfjs's names and a checkpoint resumes
 * on either path. The logits layer's weights live here while training runs; `writeBody` puts them
 * into the tfjs body before anything reads it (validation, checkpoints, the bundle).
 */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import { sumOfSquares } from './embedding-table'
import type { NamedTensor } from './model-files'
import type { Network } from './models'

/** Adam and RMSProp constants, as tfjs uses them (its float32 backends' epsilon). */
const beta1 = 0.9
const beta2 = 0.999
const rmsDecay = 0.9
const epsilon = 1e-7

/** Why the JavaScript trainer cannot train this network (the tfjs path does), or null when it can. */
export function bagTrainerRefusal(net: Network): string | null {
  const config = net.config
  if (!config.bagTrainer) return 'bagTrainer is off'
  if (config.model !== 'ngram-bag' || net.pooling !== 'mean') return `${config.model} is not a mean-pooled bag`
  const kinds = net.body.layers.map((l) => l.getClassName())
  const logits = net.body.layers.at(-1)!
  const allowed = kinds.every((k, i) =>
    i === kinds.length - 1 ? k === 'Dense' : k === 'InputLayer' || k === 'Dropout',
  )
  if (!allowed) return `its body has ${kinds.join(', ')}`
  if (logits.getConfig().activation !== 'linear' || logits.weights.length !== 2)
    return 'its logits layer is not linear with a bias'
  return null
}

/** One trained weight of the logits layer, its optimizer slots, and the tfjs variable it mirrors. */
interface Param {
  name: string
  values: Float32Array
  slots: Float32Array[]
  grad: Float32Array
}

/** The same kind of array, twice as long, with the contents. */
function grow<T extends Int32Array | Float32Array>(a: T, make: new (n: number) => T): T {
  const out = new make(a.length * 2)
  out.set(a)
  return out
}

export class BagTrainer {
  readonly dim: number
  readonly units: number
  /** The logits layer's kernel (dim x units, row-major as tfjs keeps it) and bias. */
  private readonly kernel: Param
  private readonly bias: Param
  /** Updates of the logits layer so far (tfjs's `iterations`: Adam's bias correction). */
  private iterations = 0
  private readonly dropout: number
  /** The table's sparse gradient, kept from step to step: row -> place in the batch (-1 when absent), rows, gradients. */
  private place: Int32Array | null = null
  private rows = new Int32Array(1024)
  private grads: Float32Array

  constructor(
    readonly net: Network,
    private readonly config: TrainConfig,
  ) {
    const why = bagTrainerRefusal(net)
    if (why) throw new Error(`The JavaScript bag trainer cannot train this model: ${why}.`)
    this.dim = net.table.dim
    const logits = net.body.layers.at(-1)!
    this.units = logits.getConfig().units as number
    const slotCount = { sgd: 0, momentum: 1, adam: 2, rmsprop: 2 }[config.optimizer]
    const param = (i: number): Param => {
      // The tfjs variable's name: its optimizer names the slots after it.
      const variable = logits.weights[i]!.read() as tf.Variable
      const values = Float32Array.from(variable.dataSync())
      return {
        name: variable.name,
        values,
        slots: Array.from({ length: slotCount }, () => new Float32Array(values.length)),
        grad: new Float32Array(values.length),
      }
    }
    this.kernel = param(0)
    this.bias = param(1)
    this.dropout = config.dropout
    this.grads = new Float32Array(1024 * this.dim)
  }

  /** The logits of n rows of ids (inference: no dropout). */
  logits(ids: Int32Array, n: number): Float32Array {
    return this.readout(this.net.table.gatherPooled(ids, this.net.width, 'mean'), n)
  }

  private readout(h: Float32Array, n: number): Float32Array {
    const { dim: d, units: u } = this
    const k = this.kernel.values
    const b = this.bias.values
    const z = new Float32Array(n * u)
    for (let r = 0; r < n; r++)
      for (let j = 0; j < u; j++) {
        let s = b[j]!
        for (let i = 0; i < d; i++) s += h[r * d + i]! * k[i * u + j]!
        z[r * u + j] = s
      }
    return z
  }

  /**
   * One optimizer step on rows [from, to) of `x` in `order`, at rate `lr`: the batch's mean loss and
   * accuracy before the update, as the tfjs step reports them.
   */
  step(
    x: Int32Array,
    labels: Uint16Array,
    from: number,
    to: number,
    order: Int32Array,
    lr: number,
    clipNorm: number,
  ): [number, number] {
    const { dim: d, units: u, net } = this
    const width = net.width
    const n = to - from
    const table = net.table.values
    // The batch's rows in place (no copy): where each starts, its label, its feature count.
    const starts = new Int32Array(n)
    const ys = new Int32Array(n)
    const counts = new Int32Array(n)
    // The mean of each example's own feature rows (padding, id 0, left out), as `gatherPooled`.
    const h = new Float32Array(n * d)
    const sum = new Float64Array(d)
    for (let r = 0; r < n; r++) {
      const start = order[from + r]! * width
      starts[r] = start
      ys[r] = labels[order[from + r]!]!
      sum.fill(0)
      let count = 0
      for (let i = start; i < start + width; i++) {
        const id = x[i]!
        if (id === 0) continue
        count++
        const at = id * d
        for (let c = 0; c < d; c++) sum[c]! += table[at + c]!
      }
      counts[r] = count
      const scale = 1 / Math.max(1, count)
      for (let c = 0; c < d; c++) h[r * d + c] = sum[c]! * scale
    }
    // Inverted dropout, from the seeded Math.random as tfjs's masks are.
    const keep = 1 - this.dropout
    const mask = this.dropout > 0 ? Float32Array.from(h, () => (Math.random() < keep ? 1 / keep : 0)) : null
    if (mask) for (let i = 0; i < h.length; i++) h[i]! *= mask[i]!
    const z = this.readout(h, n)
    // The loss's gradient wrt the logits, in place: sigmoid or softmax cross-entropy, averaged over the batch.
    let loss = 0
    let hits = 0
    if (u === 1)
      for (let r = 0; r < n; r++) {
        const v = z[r]!
        const y = ys[r]!
        loss += Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v)))
        if ((v > 0 ? 1 : 0) === y) hits++
        z[r] = (1 / (1 + Math.exp(-v)) - y) / n
      }
    else
      for (let r = 0; r < n; r++) {
        const row = r * u
        let max = -Infinity
        let arg = 0
        for (let j = 0; j < u; j++)
          if (z[row + j]! > max) {
            max = z[row + j]!
            arg = j
          }
        let total = 0
        for (let j = 0; j < u; j++) total += Math.exp(z[row + j]! - max)
        const y = ys[r]!
        loss += Math.log(total) - (z[row + y]! - max)
        if (arg === y) hits++
        for (let j = 0; j < u; j++) z[row + j] = (Math.exp(z[row + j]! - max) / total - (j === y ? 1 : 0)) / n
      }
    // Gradients of the logits layer, and of the pooled rows (through the dropout mask).
    const k = this.kernel.values
    const dk = this.kernel.grad
    const db = this.bias.grad
    dk.fill(0)
    db.fill(0)
    const dh = new Float32Array(n * d)
    for (let r = 0; r < n; r++)
      for (let j = 0; j < u; j++) {
        const g = z[r * u + j]!
        db[j]! += g
        for (let i = 0; i < d; i++) {
          dk[i * u + j]! += h[r * d + i]! * g
          dh[r * d + i]! += k[i * u + j]! * g
        }
      }
    if (mask) for (let i = 0; i < dh.length; i++) dh[i]! *= mask[i]!
    const sparse = net.table.trainable ? this.tableGradient(x, starts, counts, dh) : null
    let scale = 1
    if (clipNorm > 0) {
      const norm = Math.sqrt(sumOfSquares(dk) + sumOfSquares(db) + (sparse ? sumOfSquares(sparse.grads) : 0))
      if (norm > clipNorm) scale = clipNorm / norm
    }
    this.iterations++
    this.update(this.kernel, lr, scale)
    this.update(this.bias, lr, scale)
    if (sparse) {
      if (scale !== 1) for (let i = 0; i < sparse.grads.length; i++) sparse.grads[i]! *= scale
      net.table.apply(sparse.rows, sparse.grads, lr)
    }
    return [loss / n, hits / n]
  }

  /**
   * The table's sparse gradient: each distinct row the batch touched, once, with the sum over its
   * places of its example's pooled gradient over that example's feature count (`accumulatePooled`,
   * reading the rows in place and into buffers kept from step to step).
   */
  private tableGradient(
    x: Int32Array,
    starts: Int32Array,
    counts: Int32Array,
    dh: Float32Array,
  ): { rows: Int32Array; grads: Float32Array } {
    const d = this.dim
    const width = this.net.width
    const place = (this.place ??= new Int32Array(this.net.table.rows).fill(-1))
    let rows = this.rows
    let grads = this.grads
    let distinct = 0
    const g = new Float32Array(d)
    for (let r = 0; r < starts.length; r++) {
      const scale = 1 / Math.max(1, counts[r]!)
      for (let c = 0; c < d; c++) g[c] = dh[r * d + c]! * scale
      const start = starts[r]!
      for (let i = start; i < start + width; i++) {
        const id = x[i]!
        if (id === 0) continue
        let p = place[id]!
        if (p === -1) {
          if (distinct === rows.length) {
            rows = grow(rows, Int32Array)
            grads = grow(grads, Float32Array)
          }
          p = distinct++
          place[id] = p
          rows[p] = id
          grads.fill(0, p * d, p * d + d)
        }
        const at = p * d
        for (let c = 0; c < d; c++) grads[at + c]! += g[c]!
      }
    }
    for (let p = 0; p < distinct; p++) place[rows[p]!] = -1
    this.rows = rows
    this.grads = grads
    return { rows: rows.subarray(0, distinct), grads: grads.subarray(0, distinct * d) }
  }

  /** One update of a logits weight by tfjs's rule for the run's optimizer (tfjs's Adam puts epsilon after the bias correction). */
  private update(p: Param, lr: number, scale: number): void {
    const w = p.values
    const [a, b] = p.slots
    const t = this.iterations
    const correct1 = 1 - beta1 ** t
    const correct2 = 1 - beta2 ** t
    for (let i = 0; i < w.length; i++) {
      const g = p.grad[i]! * scale
      switch (this.config.optimizer) {
        case 'sgd':
          w[i]! -= lr * g
          break
        case 'momentum':
          a![i] = this.config.momentum * a![i]! + g
          w[i]! -= lr * a![i]!
          break
        case 'adam':
          a![i] = beta1 * a![i]! + (1 - beta1) * g
          b![i] = beta2 * b![i]! + (1 - beta2) * g * g
          w[i]! -= (lr * (a![i]! / correct1)) / (Math.sqrt(b![i]! / correct2) + epsilon)
          break
        case 'rmsprop':
          a![i] = rmsDecay * a![i]! + (1 - rmsDecay) * g * g
          b![i] = this.config.momentum * b![i]! + (lr * g) / Math.sqrt(a![i]! + epsilon)
          w[i]! -= b![i]!
          break
      }
    }
  }

  /** The logits layer's weights into the tfjs body (before validation, checkpoints and the bundle read it). */
  writeBody(): void {
    const logits = this.net.body.layers.at(-1)!
    const [kernel, bias] = [tf.tensor2d(this.kernel.values, [this.dim, this.units]), tf.tensor1d(this.bias.values)]
    logits.setWeights([kernel, bias])
    tf.dispose([kernel, bias])
  }

  /** Takes the body's weights back (after a checkpoint was read into it). */
  readBody(): void {
    const [kernel, bias] = this.net.body.layers.at(-1)!.getWeights()
    this.kernel.values.set(kernel!.dataSync())
    this.bias.values.set(bias!.dataSync())
  }

  /** The logits layer's optimizer slots as tfjs's optimizer names and orders them (`getWeights`). */
  slotTensors(): NamedTensor[] {
    const suffixes = { sgd: [], momentum: ['momentum'], adam: ['m', 'v'], rmsprop: ['rms', 'momentum'] }[
      this.config.optimizer
    ]
    const out: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }]
    suffixes.forEach((suffix, s) => {
      for (const p of [this.kernel, this.bias])
        out.push({ name: `${p.name}/${suffix}`, tensor: tf.tensor(p.slots[s]!, this.shapeOf(p)) })
    })
    return out
  }

  /** Slots saved by `slotTensors` or by the tfjs optimizer (which has none before its first update). */
  async setSlots(saved: NamedTensor[]): Promise<void> {
    const [iter, ...slots] = saved
    this.iterations = iter ? (await iter.tensor.data())[0]! : 0
    const params = [this.kernel, this.bias]
    for (let i = 0; i < slots.length; i++)
      params[i % 2]!.slots[Math.floor(i / 2)]!.set((await slots[i]!.tensor.data()) as Float32Array)
  }

  private shapeOf(p: Param): number[] {
    return p === this.kernel ? [this.dim, this.units] : [this.units]
  }
}
