/**
 * The bag trainer's loops over the table, shared by its threads (`bag-thread.ts`): the batch's mean
 * rows, split by example, and the table's sparse gradient and update, split by row (a thread takes
 * the rows whose id is its part modulo the parts). Every row's gradient is summed in the same order
 * (example, then place) whatever the split, so the table comes out the same on 1 thread or several.
 * No tfjs: the threads load this alone.
 */
import { updateRows, type TableOptimizer } from './embedding-table'

/** What the threads share (SharedArrayBuffers): the rows, the table and its slots, the batch in progress. */
export interface BagMemory {
  /** The training split's rows of `width` feature ids. */
  x: Int32Array
  width: number
  dim: number
  table: Float32Array
  slotA: Float32Array | null
  slotB: Float32Array | null
  /** Per example of the batch: where its row starts in x, its feature count, its mean row, that row's gradient. */
  starts: Int32Array
  counts: Int32Array
  h: Float32Array
  dh: Float32Array
}

/** Examples [r0, r1) of the batch: their feature counts and the mean of their own feature rows (padding, id 0, left out). */
export function poolExamples(m: BagMemory, r0: number, r1: number): void {
  const { width, dim: d, counts, h } = m
  const sum = new Float64Array(d)
  const rows = new Int32Array(width)
  for (let r = r0; r < r1; r++) {
    const count = sumRows(m, m.starts[r]!, rows, sum)
    counts[r] = count
    const scale = 1 / Math.max(1, count)
    for (let c = 0; c < d; c++) h[r * d + c] = sum[c]! * scale
  }
}

/**
 * The sum of the feature rows of the example whose ids start at `start` (padding, id 0, left out)
 * into `sum`, and their offsets into the table into `rows`; gives their count. Eight rows at a time:
 * their cache misses overlap (the table is far larger than the cache).
 */
function sumRows(m: BagMemory, start: number, rows: Int32Array, sum: Float64Array): number {
  const { x, width, dim: d, table } = m
  let count = 0
  for (let i = start; i < start + width; i++) {
    const id = x[i]!
    if (id !== 0) rows[count++] = id * d
  }
  sum.fill(0)
  let i = 0
  for (; i + 8 <= count; i += 8) {
    const r0 = rows[i]!
    const r1 = rows[i + 1]!
    const r2 = rows[i + 2]!
    const r3 = rows[i + 3]!
    const r4 = rows[i + 4]!
    const r5 = rows[i + 5]!
    const r6 = rows[i + 6]!
    const r7 = rows[i + 7]!
    for (let c = 0; c < d; c++)
      sum[c]! +=
        table[r0 + c]! +
        table[r1 + c]! +
        (table[r2 + c]! + table[r3 + c]!) +
        (table[r4 + c]! + table[r5 + c]! + (table[r6 + c]! + table[r7 + c]!))
  }
  for (; i < count; i++) for (let c = 0, a = rows[i]!; c < d; c++) sum[c]! += table[a + c]!
  return count
}

/** One thread's share of the table's sparse gradient and update, in buffers kept from step to step. */
export class RowShare {
  /** Row -> its place among this share's distinct rows (-1: absent); reset after each step. */
  private readonly place: Int32Array
  private rows = new Int32Array(1024)
  private grads: Float32Array
  /** Distinct rows in the current step. */
  private count = 0

  constructor(
    tableRows: number,
    private readonly dim: number,
    private readonly part: number,
    private readonly parts: number,
  ) {
    this.place = new Int32Array(tableRows).fill(-1)
    this.grads = new Float32Array(1024 * dim)
  }

  /**
   * Sums, for each of this share's rows the batch's n examples touch, each example's pooled
   * gradient over its feature count (the gradient of the mean); gives the sum of their squares
   * (for clipping by the global norm).
   */
  accumulate(m: BagMemory, n: number): number {
    const { x, width, starts, counts, dh } = m
    const d = this.dim
    const { place, part, parts } = this
    let { rows, grads } = this
    let distinct = 0
    const g = new Float32Array(d)
    for (let r = 0; r < n; r++) {
      const scale = 1 / Math.max(1, counts[r]!)
      for (let c = 0; c < d; c++) g[c] = dh[r * d + c]! * scale
      const start = starts[r]!
      for (let i = start; i < start + width; i++) {
        const id = x[i]!
        if (id === 0 || id % parts !== part) continue
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
    this.count = distinct
    let squares = 0
    for (let i = 0; i < distinct * d; i++) squares += grads[i]! * grads[i]!
    return squares
  }

  /** The optimizer's update of this share's rows (the gradient times `scale`, the clipping's), at update number t. */
  apply(m: BagMemory, optimizer: TableOptimizer, scale: number, lr: number, t: number): void {
    const n = this.count * this.dim
    if (scale !== 1) for (let i = 0; i < n; i++) this.grads[i]! *= scale
    updateRows(optimizer, m, this.rows.subarray(0, this.count), this.grads.subarray(0, n), lr, t)
  }
}

/** The same kind of array, twice as long, with the contents. */
function grow<T extends Int32Array | Float32Array>(a: T, make: new (n: number) => T): T {
  const out = new make(a.length * 2)
  out.set(a)
  return out
}

/**
 * One example's sigmoid (one unit) or softmax cross-entropy on its logits z[at, at + u), with label
 * y: gives the loss and whether the prediction was right, and puts the loss's gradient over n (the
 * batch's mean) in place of the logits.
 */
export function crossEntropy(z: Float32Array, at: number, u: number, y: number, n: number): [number, number] {
  if (u === 1) {
    const v = z[at]!
    z[at] = (1 / (1 + Math.exp(-v)) - y) / n
    return [Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v))), (v > 0 ? 1 : 0) === y ? 1 : 0]
  }
  let max = -Infinity
  let arg = 0
  for (let j = 0; j < u; j++)
    if (z[at + j]! > max) {
      max = z[at + j]!
      arg = j
    }
  let total = 0
  for (let j = 0; j < u; j++) total += Math.exp(z[at + j]! - max)
  const loss = Math.log(total) - (z[at + y]! - max)
  for (let j = 0; j < u; j++) z[at + j] = (Math.exp(z[at + j]! - max) / total - (j === y ? 1 : 0)) / n
  return [loss, arg === y ? 1 : 0]
}

/** The logits layer (kernel dim x units, row-major as tfjs keeps it, and bias), updated in place. */
export interface Readout {
  kernel: Float32Array
  bias: Float32Array
  units: number
}

/**
 * fastText's update (`bagUpdate: 'example'`): each of the batch's n examples in turn is its own plain
 * SGD step at rate `lr`, of the logits layer and of the example's own feature rows. The same
 * arithmetic as a batch of one through `poolExamples`, `RowShare` and the trainer's dense step
 * (tested equal): the mean row, the logits, the loss's gradient, the pooled row's gradient through
 * the kernel before its update, and each row moved by that over the example's feature count, once
 * per occurrence. Gives the summed loss and hits, each example's before its own update.
 * `trainTable` false leaves the table (frozen vectors).
 */
export function sgdExamples(
  m: BagMemory,
  out: Readout,
  ys: Int32Array,
  n: number,
  lr: number,
  trainTable: boolean,
): [number, number] {
  const { width, dim: d, table, starts } = m
  const { kernel: k, bias: b, units: u } = out
  const sum = new Float64Array(d)
  const h = new Float32Array(d)
  const z = new Float32Array(u)
  /** The example's feature rows' offsets into the table. */
  const rows = new Int32Array(width)
  let loss = 0
  let hits = 0
  for (let r = 0; r < n; r++) {
    const count = sumRows(m, starts[r]!, rows, sum)
    const scale = 1 / Math.max(1, count)
    for (let c = 0; c < d; c++) h[c] = sum[c]! * scale
    for (let j = 0; j < u; j++) {
      let s = b[j]!
      for (let c = 0; c < d; c++) s += h[c]! * k[c * u + j]!
      z[j] = s
    }
    const [l, hit] = crossEntropy(z, 0, u, ys[r]!, 1)
    loss += l
    hits += hit
    for (let j = 0; j < u; j++) b[j]! -= lr * z[j]!
    // The pooled row's gradient through the kernel before its update (kept in sum), the kernel's
    // update, then the table's rows, eight at a time as they were gathered.
    for (let c = 0; c < d; c++) {
      const row = c * u
      let s = 0
      for (let j = 0; j < u; j++) s += k[row + j]! * z[j]!
      sum[c] = Math.fround(s * scale)
      for (let j = 0; j < u; j++) k[row + j]! -= lr * (h[c]! * z[j]!)
    }
    if (!trainTable) continue
    for (let c = 0; c < d; c++) sum[c]! *= lr
    let j = 0
    for (; j + 8 <= count; j += 8) {
      const r0 = rows[j]!
      const r1 = rows[j + 1]!
      const r2 = rows[j + 2]!
      const r3 = rows[j + 3]!
      const r4 = rows[j + 4]!
      const r5 = rows[j + 5]!
      const r6 = rows[j + 6]!
      const r7 = rows[j + 7]!
      for (let c = 0; c < d; c++) {
        const g = sum[c]!
        table[r0 + c]! -= g
        table[r1 + c]! -= g
        table[r2 + c]! -= g
        table[r3 + c]! -= g
        table[r4 + c]! -= g
        table[r5 + c]! -= g
        table[r6 + c]! -= g
        table[r7 + c]! -= g
      }
    }
    for (; j < count; j++) for (let c = 0, a = rows[j]!; c < d; c++) table[a + c]! -= sum[c]!
  }
  return [loss, hits]
}
