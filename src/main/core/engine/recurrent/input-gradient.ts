/**
 * A recurrent layer's input gradient, and when to skip it (`conv-max.ts` skips it the same way). A `tf.customGrad` computes every input's
 * gradient eagerly, even one nothing reads: with frozen vectors the first layer's input (the embedded
 * rows) is a constant, and its gradient a product as large as the layer's input projection.
 */
import * as tf from '@tensorflow/tfjs'

let frozenInput: tf.DataId | null = null

/**
 * Runs `pass`, a gradient pass in which `x` is a constant (embedded rows of frozen vectors): a recurrent
 * layer that reads it directly skips its input's gradient.
 */
export function withFrozenInput<T>(x: tf.Tensor, pass: () => T): T {
  frozenInput = x.dataId
  try {
    return pass()
  } finally {
    frozenInput = null
  }
}

/** Whether `x` is the constant of the running `withFrozenInput` pass. */
export const isFrozenInput = (x: tf.Tensor): boolean => x.dataId === frozenInput

/**
 * The input's gradient, [batch, steps, D]: zeros where it is not `wanted`, else `ran()` (the steps in
 * the order the layer ran them) put back in time order.
 */
export function inputGradientOf(
  wanted: boolean,
  shape: number[],
  goBackwards: boolean,
  ran: () => tf.Tensor,
): tf.Tensor {
  if (!wanted) return tf.zeros(shape)
  const dx = ran()
  return goBackwards ? tf.reverse(dx, 1) : dx
}
