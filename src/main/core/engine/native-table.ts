/**
 * The embedding table's copy in TensorFlow, for sequence models on the native rungs. The table itself
 * stays in JavaScript (see embedding-table.ts: its sparse, lazy update is the same on every rung),
 * but moving a batch's embedded rows into TensorFlow and their gradient back out cost more than the
 * math: 64 x 500 x 50 floats each way a step for the dense net, whose copies into and out of
 * tfjs-node plus the JavaScript gather and sum took about a third of the step. Here TensorFlow
 * gathers the rows from its copy, sums the gradient per distinct row (the distinct rows are found in
 * JavaScript, on ids only), and only those sums come back; after the table's update the same rows
 * are written into the copy.
 */
import * as tf from '@tensorflow/tfjs'
import type { EmbeddingTable } from './embedding-table'
import { ResourceVariable, runNative } from './native-ops'

export class TableCopy {
  private copy: ResourceVariable | null = null

  constructor(private readonly table: EmbeddingTable) {}

  /** The rows of `ids` (n rows of `steps`) as n x steps x dim. */
  gather(ids: Int32Array, n: number, steps: number): tf.Tensor {
    const { rows, dim, values } = this.table
    if (!this.copy) {
      const start = tf.tensor2d(values, [rows, dim])
      this.copy = new ResourceVariable([rows, dim], start)
      start.dispose()
    }
    const at = tf.tensor2d(ids, [n, steps], 'int32')
    const out = runNative('ResourceGather', [this.copy.handle, at], 1, {}, 'dtype')[0]!
    at.dispose()
    return out
  }

  /**
   * The table's sparse gradient from the gradient of `gather`'s output: each distinct row's sum, as
   * ScatterNd, which adds a position's row to its segment's in position order as UnsortedSegmentSum
   * does, in about half its time (the dense net's 32,000 positions into 5,000 rows: 3-10 against 6-16
   * ms of CPU time with the read back, under load).
   */
  async gradient(ids: Int32Array, grad: tf.Tensor): Promise<{ rows: Int32Array; grads: Float32Array }> {
    const { rows, segments } = this.table.distinct(ids)
    const { dim } = this.table
    const at = tf.tensor2d(segments, [ids.length, 1], 'int32')
    const shape = tf.tensor1d([rows.length, dim], 'int32')
    const flat = tf.reshape(grad, [ids.length, dim])
    const summed = runNative('ScatterNd', [at, flat, shape], 1)[0]!
    tf.dispose([at, shape, flat])
    const grads = (await summed.data()) as Float32Array
    summed.dispose()
    return { rows, grads }
  }

  /** After the table's update of `rows`: the same rows into the copy. */
  update(rows: Int32Array): void {
    if (!this.copy) return
    const { dim, values } = this.table
    const updates = new Float32Array(rows.length * dim)
    // A plain loop: a subarray per row made this copy a tenth of the dense net's step.
    for (let r = 0, to = 0; r < rows.length; r++) {
      const from = rows[r]! * dim
      for (let k = 0; k < dim; k++) updates[to++] = values[from + k]!
    }
    const [at, to] = [tf.tensor1d(rows, 'int32'), tf.tensor2d(updates, [rows.length, dim])]
    runNative('ResourceScatterUpdate', [this.copy.handle, at, to], 0, {}, 'dtype')
    tf.dispose([at, to])
  }

  /** The table was written from outside (weights imported): the next gather copies it anew. */
  reset(): void {
    this.copy?.dispose()
    this.copy = null
  }
}
