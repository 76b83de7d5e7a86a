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
import { int64Scalar, onHandles, runNative } from '../native-ops'
import { inputGradientOf } from './input-gradient'

const timeMajor = (t: tf.Tensor) => tf.transpose(t, [1, 0, 2])

/** Keras gate order (i, f, c, o) to BlockLSTM's (i, c, f, o) on the last axis; its own inverse. */
function swapForgetAndCell(t: tf.Tensor): tf.Tensor {
  const [i, f, c, o] = tf.split(t, 4, -1)
  return tf.concat([i!, c!, f!, o!], -1)
}

/**
 * The gates' gradients of every step, [steps, batch, 4 units] in BlockLSTM's gate order, from the
 * last step back: per step one LSTMBlockCellGrad and one product carrying the state's gradient
 * through the recurrent kernel (`recurrentByGate`: its transpose, [4 units, units], rows in BlockLSTM's
 * gate order; oneDNN's MatMul ran slower with the transpose left to it). `cells` are BlockLSTM's
 * outputs i, cs, f, o, ci and co (what LSTMBlockCellGrad reads, in its input order), `dy` time-major.
 * The loop runs on bare handles (`HandleScope`): as tfjs tensors, its thousands of small results cost
 * as much bookkeeping as TensorFlow's arithmetic.
 */
function backThroughSteps(cells: tf.Tensor[], dy: tf.Tensor, inputDim: number, recurrentByGate: tf.Tensor): tf.Tensor {
  const [steps, batch, units] = dy.shape as [number, number, number]
  // The op reads only the shapes of x, h_prev, w and b (peepholes are off): zeros stand in for them.
  const stand = [[batch, units], [units], [batch, inputDim], [inputDim + units, 4 * units], [4 * units]]
  return onHandles((scope) => {
    const [zero, peephole, x, w, b, byGate] = scope.ids(...stand.map((shape) => tf.zeros(shape)), recurrentByGate)
    const [i, cs, f, o, ci, co] = cells.map((c) => scope.steps(c, steps))
    const dys = scope.steps(dy, steps)
    const dicfo: number[] = []
    let csGrad = zero!
    let carried: number | null = null
    for (let s = steps - 1; s >= 0; s--) {
      const hGrad: number = carried === null ? dys[s]! : scope.run('AddV2', [dys[s]!, carried], 1)[0]!
      const csPrev = s > 0 ? cs![s - 1]! : zero!
      const cell = [i![s]!, cs![s]!, f![s]!, o![s]!, ci![s]!, co![s]!]
      const inputs = [x!, csPrev, zero!, w!, peephole!, peephole!, peephole!, b!, ...cell, csGrad, hGrad]
      const grads = scope.run('LSTMBlockCellGrad', inputs, 5, { use_peephole: false })
      for (const id of [csGrad, hGrad, ...grads.slice(2), ...cell]) scope.free(id)
      if (carried !== null) scope.free(carried)
      csGrad = grads[0]!
      dicfo[s] = grads[1]!
      carried = s > 0 ? scope.matMul(dicfo[s]!, byGate!) : null
    }
    return scope.tensor(scope.stack(dicfo))
  })
}

/** What the backward pass reads of a forward pass: its time-major input, weights and BlockLSTM's outputs. */
export interface LstmSaved {
  inputs: tf.Tensor
  kernel: tf.Tensor
  recurrentKernel: tf.Tensor
  outputs: tf.Tensor[]
}

/**
 * The LSTM's outputs for every step, [batch, steps, units], in the order it ran them (reversed input
 * when `goBackwards`, as tfjs-layers returns them), and what `lstmBackward` needs of this pass.
 */
export function lstmForward(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  goBackwards: boolean,
): { value: tf.Tensor3D; saved: LstmSaved } {
  const [batch, steps] = x.shape
  const units = recurrentKernel.shape[0]
  const xs = timeMajor(goBackwards ? tf.reverse(x, 1) : x)
  const weights = swapForgetAndCell(tf.concat([kernel, recurrentKernel], 0))
  const state = tf.zeros([batch, units])
  const peephole = tf.zeros([units])
  const inputs = [int64Scalar(steps), xs, state, state, weights, peephole, peephole, peephole, swapForgetAndCell(bias)]
  const outputs = runNative('BlockLSTM', inputs, 7, { forget_bias: 0, cell_clip: -1, use_peephole: false })
  return { value: timeMajor(outputs[6]!) as tf.Tensor3D, saved: { inputs: xs, kernel, recurrentKernel, outputs } }
}

/**
 * The gradients of `lstmForward`'s input (zeros unless `inputGradient`), kernel, recurrent kernel and
 * bias from `dy`, the outputs' gradient in the order the layer ran them.
 */
export function lstmBackward(
  saved: LstmSaved,
  dy: tf.Tensor,
  goBackwards: boolean,
  inputGradient: boolean,
): tf.Tensor[] {
  const { inputs, kernel: w, recurrentKernel: u, outputs } = saved
  const [steps, batch, inputDim] = inputs.shape as [number, number, number]
  const units = u.shape[0]!
  const dicfo = backThroughSteps(outputs.slice(0, 6), timeMajor(dy), inputDim, tf.transpose(swapForgetAndCell(u)))
  const dz = tf.reshape(dicfo, [steps * batch, 4 * units])
  // The recurrent kernel met the state before each step: zero before the first.
  const h = outputs[6]!
  const before = tf.concat([tf.zeros([1, batch, units]), tf.slice(h, 0, steps - 1)])
  // Products in BlockLSTM's gate order, the small results put back in Keras' order.
  const weightGrad = (t: tf.Tensor, dim: number) =>
    swapForgetAndCell(tf.matMul(tf.reshape(t, [steps * batch, dim]), dz, true))
  return [
    inputGradientOf(inputGradient, [batch, steps, inputDim], goBackwards, () =>
      timeMajor(tf.reshape(tf.matMul(dz, swapForgetAndCell(w), false, true), [steps, batch, inputDim])),
    ),
    weightGrad(inputs, inputDim),
    weightGrad(before, units),
    swapForgetAndCell(tf.sum(dz, 0)),
  ]
}

/** `lstmForward`'s outputs, differentiable in all four inputs. */
export function blockLstm(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  goBackwards: boolean,
  inputGradient: boolean,
): tf.Tensor3D {
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]
    const save = args[4] as tf.GradSaveFunc
    const { value, saved } = lstmForward(input, k, rk, b, goBackwards)
    save([saved.inputs, k, rk, ...saved.outputs])
    return {
      value,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const [inputs, kernel, recurrent, ...outputs] = kept as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]]
        return lstmBackward({ inputs, kernel, recurrentKernel: recurrent, outputs }, dy, goBackwards, inputGradient)
      },
    }
  })
  return run(x, kernel, recurrentKernel, bias) as tf.Tensor3D
}
