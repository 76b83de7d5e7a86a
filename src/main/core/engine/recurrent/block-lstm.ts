/**
 * A whole LSTM sequence on the native rungs in as few TensorFlow calls as it can take, where
 * tfjs-layers' LSTM issues a dozen tfjs ops (each with JavaScript bookkeeping and a tape entry) per step.
 *
 * Forward, BlockLSTM runs every step in one C++ kernel. Backward, each step is two ops:
 * LSTMBlockCellGrad (the gate math only) and the state's product through the recurrent kernel; then
 * the input's and each weight's gradient is one product over all steps. BlockLSTMGrad would do it in
 * one call, but with Eigen's products step by step (two to the input, two to the weights), slower
 * here than TensorFlow's oneDNN MatMul on the whole sequence. Doing the forward pass the same way (a
 * dozen ops a step after one input projection) was slower than BlockLSTM: per-op overhead outweighs
 * the faster product there.
 *
 * The weights stay in tfjs-layers' (Keras') layout, so saved bundles are stock `tf.layers.lstm`:
 * kernel [D, 4H] and recurrent kernel [H, 4H] with gates ordered input, forget, cell, output; BlockLSTM
 * wants them stacked ([x, h] times one [D + H, 4H] matrix) with gates ordered input, cell, forget,
 * output. Its forget bias is set to 0 (tfjs-layers adds it through the bias initializer instead),
 * peepholes off and the cell unclipped, so it computes exactly tfjs-layers' LSTM with sigmoid gates
 * and tanh activations from a zero state.
 */
import * as tf from '@tensorflow/tfjs'
import { int64Scalar, nativeMatMul, nativeOp, runNative } from '../native-ops'
import { inputGradientOf } from './input-gradient'

/** Keras gate order (i, f, c, o) to BlockLSTM's (i, c, f, o) on the last axis; its own inverse. */
function swapForgetAndCell(t: tf.Tensor): tf.Tensor {
  const [i, f, c, o] = tf.split(t, 4, -1)
  return tf.concat([i!, c!, f!, o!], -1)
}

/** BlockLSTM's outputs of every step that LSTMBlockCellGrad reads, in its input order. */
const cellParts = ['i', 'cs', 'f', 'o', 'ci', 'co'] as const
/** Every step's gates (i, f, o), cell input (ci), cell state (cs) and its tanh (co). */
type Cells = Record<(typeof cellParts)[number], tf.Tensor[]>

/**
 * The gates' gradients of every step, [steps, batch, 4 units] in BlockLSTM's gate order, from the
 * last step back: per step one LSTMBlockCellGrad and one product carrying the state's gradient
 * through the recurrent kernel (`recurrentByGate`: its transpose, [4 units, units], rows in BlockLSTM's
 * gate order; oneDNN's MatMul ran slower with the transpose left to it).
 */
function backThroughSteps(cells: Cells, dys: tf.Tensor[], inputDim: number, recurrentByGate: tf.Tensor): tf.Tensor {
  const [batch, units] = dys[0]!.shape as [number, number]
  const zero = tf.zeros([batch, units])
  const peephole = tf.zeros([units])
  // The op reads only the shapes of x, h_prev, w and b (peepholes are off): zeros stand in for them.
  const x = tf.zeros([batch, inputDim])
  const w = tf.zeros([inputDim + units, 4 * units])
  const b = tf.zeros([4 * units])
  const dicfo: tf.Tensor[] = []
  let csGrad = zero
  let carried: tf.Tensor | null = null
  for (let s = dys.length - 1; s >= 0; s--) {
    const hGrad = carried ? nativeOp('AddV2', dys[s]!, carried) : dys[s]!
    const csPrev = s > 0 ? cells.cs[s - 1]! : zero
    const cell = cellParts.map((part) => cells[part][s]!)
    const inputs = [x, csPrev, zero, w, peephole, peephole, peephole, b, ...cell, csGrad, hGrad]
    const grads = runNative('LSTMBlockCellGrad', inputs, 5, { use_peephole: false })
    csGrad = grads[0]!
    dicfo[s] = grads[1]!
    if (s > 0) carried = nativeMatMul(dicfo[s]!, recurrentByGate)
  }
  return tf.stack(dicfo)
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
  inputGradient: boolean,
): tf.Tensor3D {
  const [batch, steps, inputDim] = x.shape
  const units = recurrentKernel.shape[0]
  const stepCount = int64Scalar(steps)
  const timeMajor = (t: tf.Tensor) => tf.transpose(t, [1, 0, 2])

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b] = args as tf.Tensor[]
    const save = args[4] as tf.GradSaveFunc
    const xs = timeMajor(goBackwards ? tf.reverse(input!, 1) : input!)
    const weights = swapForgetAndCell(tf.concat([k!, rk!], 0))
    const state = tf.zeros([batch, units])
    const peephole = tf.zeros([units])
    const inputs = [stepCount, xs, state, state, weights, peephole, peephole, peephole, swapForgetAndCell(b!)]
    const forward = runNative('BlockLSTM', inputs, 7, { forget_bias: 0, cell_clip: -1, use_peephole: false })
    save([xs, k!, rk!, ...forward])
    return {
      value: timeMajor(forward[6]!),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [inputs, w, u, ...outputs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]]
        const cells = Object.fromEntries(cellParts.map((part, p) => [part, tf.unstack(outputs[p]!)])) as Cells
        const dicfo = backThroughSteps(cells, tf.unstack(timeMajor(dy)), inputDim, tf.transpose(swapForgetAndCell(u)))
        const dz = tf.reshape(dicfo, [steps * batch, 4 * units])
        // The recurrent kernel met the state before each step: zero before the first.
        const h = outputs[6]!
        const before = tf.concat([tf.zeros([1, batch, units]), tf.slice(h, 0, steps - 1)])
        // Products in BlockLSTM's gate order, the small results put back in Keras' order.
        const weightGrad = (t: tf.Tensor, dim: number) =>
          swapForgetAndCell(tf.matMul(tf.reshape(t, [steps * batch, dim]), dz, true))
        return [
          inputGradientOf(inputGradient, x.shape, goBackwards, () =>
            timeMajor(tf.reshape(tf.matMul(dz, swapForgetAndCell(w), false, true), [steps, batch, inputDim])),
          ),
          weightGrad(inputs, inputDim),
          weightGrad(before, units),
          swapForgetAndCell(tf.sum(dz, 0)),
        ]
      },
    }
  })
  return run(x, kernel, recurrentKernel, bias) as tf.Tensor3D
}
