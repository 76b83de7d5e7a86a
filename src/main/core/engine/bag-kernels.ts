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
  const { x, width, dim: d, table, starts, counts, h } = m
  const sum = new Float64Array(d)
  for (let r = r0; r < r1; r++) {
    const start = starts[r]!
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
