/**
 * A whole LSTM sequence as TensorFlow's fused ops on the native rungs: BlockLSTM runs every step of
 * the forward pass in one C++ kernel and BlockLSTMGrad every step of the backward pass, where
 * tfjs-layers' LSTM issues a dozen ops (each with JavaScript bookkeeping and a tape entry) per step.
 *
 * The weights stay in tfjs-layers' (Keras') layout, so saved bundles are stock `tf.layers.lstm`:
 * kernel [D, 4H] and recurrent kernel [H, 4H] with gates ordered input, forget, cell, output; BlockLSTM
 * wants them stacked ([x, h] times one [D + H, 4H] matrix) with gates ordered input, cell, forget,
 * output. Its forget bias is set to 0 (tfjs-layers adds it through the bias initializer instead),
 * peepholes off and the cell unclipped, so it computes exactly tfjs-layers' LSTM with sigmoid gates
 * and tanh activations from a zero state.
 */
import * as tf from '@tensorflow/tfjs'
import { int64Scalar, runNative } from '../native-ops'

/** Keras gate order (i, f, c, o) to BlockLSTM's (i, c, f, o) on the last axis; its own inverse. */
function swapForgetAndCell(t: tf.Tensor): tf.Tensor {
  const [i, f, c, o] = tf.split(t, 4, -1)
  return tf.concat([i!, c!, f!, o!], -1)
}

/**
 * The LSTM layer's outputs for every step, [batch, steps, units], in the order the layer ran them
 * (reversed input when `goBackwards`, as tfjs-layers returns them); differentiable in all four inputs.
 */
export function blockLstm(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  goBackwards: boolean,
): tf.Tensor3D {
  const [batch, steps, inputDim] = x.shape
  const units = recurrentKernel.shape[0]
  const stepCount = int64Scalar(steps)

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b] = args as tf.Tensor[]
    const save = args[4] as tf.GradSaveFunc
    const timeMajor = tf.transpose(goBackwards ? tf.reverse(input!, 1) : input!, [1, 0, 2])
    const weights = swapForgetAndCell(tf.concat([k!, rk!], 0))
    const blockBias = swapForgetAndCell(b!)
    const state = tf.zeros([batch, units])
    const peephole = tf.zeros([units])
    const inputs = [stepCount, timeMajor, state, state, weights, peephole, peephole, peephole, blockBias]
    const forward = runNative('BlockLSTM', inputs, 7, { forget_bias: 0, cell_clip: -1, use_peephole: false })
    // The gate activations (i, cs, f, o, ci, co, h) are what BlockLSTMGrad needs back.
    save([timeMajor, weights, blockBias, state, peephole, ...forward])
    return {
      value: tf.transpose(forward[6]!, [1, 0, 2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, w, bb, zero, wc, ...activations] = saved
        const cs = activations[1]!
        const grads = runNative(
          'BlockLSTMGrad',
          [
            stepCount,
            xs!,
            zero!,
            zero!,
            w!,
            wc!,
            wc!,
            wc!,
            bb!,
            ...activations,
            tf.zerosLike(cs),
            tf.transpose(dy, [1, 0, 2]),
          ],
          8,
          { use_peephole: false },
        )
        const dx = tf.transpose(grads[0]!, [1, 0, 2])
        const [dKernel, dRecurrent] = tf.split(swapForgetAndCell(grads[3]!), [inputDim, units], 0)
        return [goBackwards ? tf.reverse(dx, 1) : dx, dKernel!, dRecurrent!, swapForgetAndCell(grads[7]!)]
      },
    }
  })
  return run(x, kernel, recurrentKernel, bias) as tf.Tensor3D
}
