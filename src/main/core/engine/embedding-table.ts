/**
 * The embedding table kept in JavaScript memory instead of as a tfjs variable. A batch touches a few
 * thousand of its rows, but a tfjs variable's gradient is the whole table (an UnsortedSegmentSum of
 * vocabulary x dimension floats) and the optimizer then updates every row: on aclImdb with hashed
 * bigrams that is 14M floats a step, most of a step's time on wasm. Here the batch's rows are
 * gathered into the input tensor, the gradient comes back for those rows only, and the optimizer
 * updates only the rows it touched ("lazy" Adam, as TensorFlow's sparse updates do). It works the
 * same on every backend, the GPU included.
 */
import type { TrainConfig } from '../../../shared/training/config'

export type Pooling = 'mean' | 'sum'

/** Adam and RMSProp constants, as tfjs uses them. */
const beta1 = 0.9
const beta2 = 0.999
const rho = 0.9
const epsilon = 1e-7

export class EmbeddingTable {
  /** Optimizer slots per row: Adam's moments, Momentum's accumulator, RMSProp's mean square and momentum. */
  readonly slotA: Float32Array | null
  readonly slotB: Float32Array | null
  /** Updates applied so far (Adam's bias correction). */
  updates = 0
  /** Row -> its place among a batch's distinct rows (-1: not in the batch); reset after each use. */
  private readonly place: Int32Array

  constructor(
    readonly values: Float32Array,
    readonly rows: number,
    readonly dim: number,
    readonly trainable: boolean,
    readonly optimizer: TrainConfig['optimizer'],
    readonly momentum: number,
  ) {
    const slots = !trainable ? 0 : optimizer === 'sgd' ? 0 : optimizer === 'momentum' ? 1 : 2
    // Shared memory: the bag trainer's threads update their share of the rows in place.
    this.slotA = slots >= 1 ? sharedFloats(values.length) : null
    this.slotB = slots >= 2 ? sharedFloats(values.length) : null
    this.place = new Int32Array(rows).fill(-1)
  }

  /** The rows of `ids` (n x width of them), as n x width x dim floats. */
  gather(ids: Int32Array): Float32Array {
    const d = this.dim
    const out = new Float32Array(ids.length * d)
    const v = this.values
    // A loop, not set(subarray()): a view per row made a step's 32,000 rows cost 10 ms of allocation and GC.
    for (let i = 0; i < ids.length; i++) {
      const from = ids[i]! * d
      const to = i * d
      for (let k = 0; k < d; k++) out[to + k] = v[from + k]!
    }
    return out
  }

  /**
   * Each row's `width` ids pooled into one vector (a bag pools before anything else): n x dim floats.
   * Padding (row 0) is skipped: a mean divides by the example's own features, as fastText does, so a
   * short text in long rows is not diluted toward the padding (rt-polarity's 21 words in rows of 999
   * ids learned almost nothing); an example with no features pools to zeros.
   */
  gatherPooled(ids: Int32Array, width: number, pooling: Pooling): Float32Array {
    const d = this.dim
    const n = ids.length / width
    const out = new Float32Array(n * d)
    const sum = new Float64Array(d)
    const v = this.values
    for (let b = 0; b < n; b++) {
      sum.fill(0)
      let count = 0
      for (let i = b * width; i < (b + 1) * width; i++) {
        const id = ids[i]!
        if (id === 0) continue
        count++
        const from = id * d
        for (let k = 0; k < d; k++) sum[k]! += v[from + k]!
      }
      const scale = pooling === 'sum' ? 1 : 1 / Math.max(1, count)
      for (let k = 0; k < d; k++) out[b * d + k] = sum[k]! * scale
    }
    return out
  }

  /** The sparse gradient of `gatherPooled`: each feature of a row gets the row's gradient (/ its count for a mean). */
  accumulatePooled(
    ids: Int32Array,
    width: number,
    grad: Float32Array,
    pooling: Pooling,
  ): { rows: Int32Array; grads: Float32Array } {
    const d = this.dim
    const n = ids.length / width
    const scaled = new Float32Array(n * d)
    for (let b = 0; b < n; b++) {
      let count = 0
      if (pooling === 'mean') for (let i = b * width; i < (b + 1) * width; i++) if (ids[i] !== 0) count++
      const scale = pooling === 'sum' ? 1 : 1 / Math.max(1, count)
      for (let k = 0; k < d; k++) scaled[b * d + k] = grad[b * d + k]! * scale
    }
    return this.sum(ids, (i) => Math.floor(i / width) * d, scaled, true)
  }

  /**
   * Sums the gradient of each gathered position into its row: the table's sparse gradient, as the
   * distinct rows touched and one dim-long gradient each.
   */
  accumulate(ids: Int32Array, grad: Float32Array): { rows: Int32Array; grads: Float32Array } {
    return this.sum(ids, (i) => i * this.dim, grad, false)
  }

  /** Per distinct row of `ids`, the sum of grad[from(i) .. from(i) + dim) over its positions i (padding left out when asked). */
  private sum(
    ids: Int32Array,
    from: (position: number) => number,
    grad: Float32Array,
    skipPadding: boolean,
  ): { rows: Int32Array; grads: Float32Array } {
    const d = this.dim
    const { rows, segments } = this.distinct(ids, skipPadding)
    const grads = new Float32Array(rows.length * d)
    for (let i = 0; i < ids.length; i++) {
      if (segments[i] === -1) continue
      const to = segments[i]! * d
      const at = from(i)
      for (let k = 0; k < d; k++) grads[to + k]! += grad[at + k]!
    }
    return { rows, grads }
  }

  /** The distinct rows of `ids` in the order first seen, and each position's place among them (-1: padding left out). */
  distinct(ids: Int32Array, skipPadding = false): { rows: Int32Array; segments: Int32Array } {
    const place = this.place
    const order: number[] = []
    const segments = new Int32Array(ids.length)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (skipPadding && id === 0) segments[i] = -1
      else {
        if (place[id] === -1) place[id] = order.push(id) - 1
        segments[i] = place[id]!
      }
    }
    for (const row of order) place[row] = -1
    return { rows: Int32Array.from(order), segments }
  }

  /** One optimizer step on the rows touched, by the rule the run's optimizer uses for every other weight. */
  apply(rows: Int32Array, grads: Float32Array, lr: number): void {
    this.updates++
    updateRows(
      this,
      { table: this.values, slotA: this.slotA, slotB: this.slotB, dim: this.dim },
      rows,
      grads,
      lr,
      this.updates,
    )
  }
}

/** The optimizer a table's rows follow. */
export interface TableOptimizer {
  optimizer: TrainConfig['optimizer']
  momentum: number
}

/**
 * The lazy update of `rows` (their gradients one dim-long row each) at update number t, one loop per
 * optimizer. A function of its arrays, so that the bag trainer's threads update their share of the rows.
 */
export function updateRows(
  o: TableOptimizer,
  m: { table: Float32Array; slotA: Float32Array | null; slotB: Float32Array | null; dim: number },
  rows: Int32Array,
  grads: Float32Array,
  lr: number,
  t: number,
): void {
  const d = m.dim
  const w = m.table
  const a = m.slotA!
  const b = m.slotB!
  const mu = o.momentum
  const adamRate = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t)
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * d
    const from = r * d
    switch (o.optimizer) {
      case 'sgd':
        for (let k = 0; k < d; k++) w[base + k]! -= lr * grads[from + k]!
        break
      case 'momentum':
        for (let k = 0; k < d; k++) {
          const i = base + k
          a[i] = mu * a[i]! + grads[from + k]!
          w[i]! -= lr * a[i]!
        }
        break
      case 'adam':
        for (let k = 0; k < d; k++) {
          const i = base + k
          const g = grads[from + k]!
          a[i] = beta1 * a[i]! + (1 - beta1) * g
          b[i] = beta2 * b[i]! + (1 - beta2) * g * g
          w[i]! -= (adamRate * a[i]!) / (Math.sqrt(b[i]!) + epsilon)
        }
        break
      case 'rmsprop':
        for (let k = 0; k < d; k++) {
          const i = base + k
          const g = grads[from + k]!
          a[i] = rho * a[i]! + (1 - rho) * g * g
          b[i] = mu * b[i]! + (lr * g) / Math.sqrt(a[i]! + epsilon)
          w[i]! -= b[i]!
        }
        break
    }
  }
}

/** A zeroed Float32Array on a SharedArrayBuffer (threads can share it; one thread uses it as any other). */
export function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4))
}

/** Sum of squares (for clipping by global norm). */
export function sumOfSquares(values: Float32Array): number {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!
  return s
}
