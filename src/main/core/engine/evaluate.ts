/** Losses, accuracy and probabilities of a model over rows, batch by batch in inference mode. */
import * as tf from '@tensorflow/tfjs'

/** Mean loss over the batch, from logits: sigmoid cross-entropy for one unit, softmax otherwise. */
export function lossFromLogits(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  const units = logits.shape[1]!
  if (units === 1) return tf.losses.sigmoidCrossEntropy(labels.toFloat().reshape([-1, 1]), logits)
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, units), logits)
}

/** The share of rows whose predicted class is the label. */
export function accuracyFromLogits(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  const predicted = logits.shape[1] === 1 ? tf.greater(logits.reshape([-1]), 0).toInt() : tf.argMax(logits, 1)
  return tf.mean(tf.equal(predicted, labels).toFloat())
}

/**
 * Rows [from, to) of `x` (width ids each), in the order `order` gives when present, and their labels.
 * `keep` narrows each row to that many ids on the side away from the padding (`padding` pre keeps the
 * last ones, post the first): a length bucket's batch, padded only to its longest.
 */
export function batchRows(
  x: Int32Array,
  width: number,
  labels: Uint16Array,
  from: number,
  to: number,
  order?: Int32Array,
  keep: { width: number; padding: 'pre' | 'post' } = { width, padding: 'post' },
): { ids: Int32Array; ys: Int32Array } {
  const n = to - from
  if (!order && keep.width === width)
    return { ids: x.subarray(from * width, to * width), ys: Int32Array.from(labels.subarray(from, to)) }
  const w = keep.width
  const skip = keep.padding === 'pre' ? width - w : 0
  const ids = new Int32Array(n * w)
  const ys = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const r = order ? order[from + i]! : from + i
    ids.set(x.subarray(r * width + skip, r * width + skip + w), i * w)
    ys[i] = labels[r]!
  }
  return { ids, ys }
}

export interface Evaluation {
  loss: number
  accuracy: number
  /** Binary: the positive class's probability per row; else a row of class probabilities each. */
  probs: Float32Array
}

export async function evaluate(
  logitsOf: (ids: Int32Array, n: number) => tf.Tensor,
  data: { x: Int32Array; width: number; labels: Uint16Array; n: number },
  batchSize: number,
  checkCancel?: () => void,
): Promise<Evaluation> {
  let lossSum = 0
  let correct = 0
  const chunks: Float32Array[] = []
  for (let from = 0; from < data.n; from += batchSize) {
    checkCancel?.()
    const to = Math.min(data.n, from + batchSize)
    const [loss, acc, probs] = tf.tidy(() => {
      const { ids, ys: labels } = batchRows(data.x, data.width, data.labels, from, to)
      const ys = tf.tensor1d(labels, 'int32')
      const logits = logitsOf(ids, to - from)
      const p = logits.shape[1] === 1 ? tf.sigmoid(logits).reshape([-1]) : tf.softmax(logits)
      return [lossFromLogits(logits, ys), accuracyFromLogits(logits, ys), p]
    })
    lossSum += (await loss.data())[0]! * (to - from)
    correct += (await acc.data())[0]! * (to - from)
    chunks.push((await probs.data()) as Float32Array)
    tf.dispose([loss, acc, probs])
  }
  const probs = new Float32Array(chunks.reduce((a, c) => a + c.length, 0))
  let at = 0
  for (const c of chunks) {
    probs.set(c, at)
    at += c.length
  }
  return { loss: data.n ? lossSum / data.n : 0, accuracy: data.n ? correct / data.n : 0, probs }
}
