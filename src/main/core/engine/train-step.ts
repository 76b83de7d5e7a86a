/** One optimizer step over a batch, in micro-batches when it would not fit in one pass. */
import * as tf from '@tensorflow/tfjs'
import type { SplitTensors } from './data'
import { sumOfSquares } from './embedding-table'
import { accuracyFromLogits, batchRows, lossFromLogits } from './evaluate'
import type { Network } from './models'
import { withFrozenInput } from './recurrent/input-gradient'

/**
 * One step: the batch's rows (narrowed to `steps` ids on the side away from the padding when a length
 * bucket's batch is shorter than the rows) are embedded from the table, the gradients of the body's variables and
 * (when the table trains) of the embedded rows come back together, are clipped by their global norm,
 * and go to the optimizer and to the table's sparse update. A batch larger than `micro` runs in
 * micro-batches whose gradients are summed, weighted by their share, before the one update.
 */
export async function trainStep(
  net: Network,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  clipNorm: number,
  lr: number,
  data: SplitTensors,
  from: number,
  to: number,
  order: Int32Array,
  steps: number,
  micro: number,
): Promise<[number, number]> {
  const n = to - from
  const trainTable = net.table.trainable
  let varGrads: tf.Tensor[] = []
  const tableParts: { rows: Int32Array; grads: Float32Array }[] = []
  let loss = 0
  let accuracy = 0
  const body = net.bodyFor(steps)
  const keep = { width: steps, padding: net.config.padding }
  for (let start = from; start < to; start += micro) {
    const end = Math.min(to, start + micro)
    const share = (end - start) / n
    const { ids, ys: labels } = batchRows(data.x, data.width, data.labels, start, end, order, keep)
    const embedded = net.embed(ids, end - start, steps)
    const ys = tf.tensor1d(labels, 'int32')
    let hits: tf.Scalar | null = null
    const pass = () =>
      tf.engine().gradients(
        () => {
          const logits = body.apply(embedded, { training: true }) as tf.Tensor
          hits = tf.keep(accuracyFromLogits(logits, ys))
          return lossFromLogits(logits, ys)
        },
        trainTable ? [embedded, ...vars] : vars,
      )
    // Frozen vectors: the first recurrent layer need not compute the embedded rows' gradient.
    const { value, grads } = trainTable ? pass() : withFrozenInput(embedded, pass)
    const own = trainTable ? grads.slice(1) : grads
    if (share === 1) varGrads = own
    else {
      const summed = own.map((g, i) =>
        tf.tidy(() => (varGrads[i] ? tf.add(varGrads[i]!, tf.mul(g, share)) : tf.mul(g, share))),
      )
      tf.dispose([...varGrads, ...own])
      varGrads = summed
    }
    if (trainTable) {
      const part = await net.tableGradient(ids, grads[0]!)
      if (share !== 1) for (let i = 0; i < part.grads.length; i++) part.grads[i]! *= share
      tableParts.push(part)
    }
    loss += (await value.data())[0]! * share
    accuracy += (await hits!.data())[0]! * share
    tf.dispose([embedded, ys, value, hits!, ...(trainTable ? [grads[0]!] : [])])
  }
  // Micro-batches' rows summed per row (a row in several parts once).
  const sparse = !trainTable
    ? null
    : tableParts.length === 1
      ? tableParts[0]!
      : net.table.accumulate(concat(tableParts.map((p) => p.rows)), concat(tableParts.map((p) => p.grads)))
  let scale = 1
  if (clipNorm > 0) {
    const squares = tf.tidy(() => tf.addN(varGrads.map((g) => tf.sum(tf.square(g)))))
    const norm = Math.sqrt((await squares.data())[0]! + (sparse ? sumOfSquares(sparse.grads) : 0))
    squares.dispose()
    scale = norm > clipNorm ? clipNorm / norm : 1
  }
  const named: tf.NamedTensorMap = {}
  vars.forEach((v, i) => (named[v.name] = scale === 1 ? varGrads[i]! : tf.mul(varGrads[i]!, scale)))
  optimizer.applyGradients(named)
  if (sparse) {
    if (scale !== 1) for (let i = 0; i < sparse.grads.length; i++) sparse.grads[i]! *= scale
    net.updateTable(sparse.rows, sparse.grads, lr)
  }
  tf.dispose([...varGrads, ...(scale === 1 ? [] : Object.values(named))])
  return [loss, accuracy]
}

/** One array of several, in order (the one itself when there is one). */
function concat<T extends Int32Array | Float32Array>(parts: T[]): T {
  if (parts.length === 1) return parts[0]!
  const out = new (parts[0]!.constructor as new (n: number) => T)(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
