/**
 * A simple RNN sequence on the native rungs, h_t = tanh(x_t W + h_{t-1} U + b), in as few TensorFlow
 * calls as it can take: TensorFlow has no fused simple RNN op, and tfjs-layers' cell is half a dozen
 * tfjs ops per step, each with its tape entry and JavaScript bookkeeping (rnn-baseline's 400 steps
 * trained at a fifth of Keras' rate). Here the input projection of every step is one product, each
 * step is three TensorFlow ops called by name (MatMul, AddV2, Tanh; backward the state's MatMul and
 * TanhGrad, plus AddV2 when every step's output is read), and each weight's gradient is one product
 * over all steps. The steps are kept time-major ([steps, batch, …]), so that a step's rows are one
 * contiguous block to split off and stack back. The weights are tfjs-layers' own (kernel [D, H],
 * recurrent kernel [H, H], bias [H]).
 */
import * as tf from '@tensorflow/tfjs'
import { nativeMatMul, nativeOp } from '../native-ops'
import { inputGradientOf } from './input-gradient'

/**
 * The layer's output: every step's, [batch, steps, units], in the order the layer ran them (reversed
 * input when `goBackwards`, as tfjs-layers returns them), or the last one's, [batch, units];
 * differentiable in all four inputs.
 */
export function blockRnn(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  goBackwards: boolean,
  returnSequences: boolean,
  inputGradient: boolean,
): tf.Tensor {
  const [batch, steps, inputDim] = x.shape
  const units = recurrentKernel.shape[0]
  const timeMajor = (t: tf.Tensor) => tf.transpose(t, [1, 0, 2])

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b] = args as tf.Tensor[]
    const save = args[4] as tf.GradSaveFunc
    const flat = tf.reshape(timeMajor(goBackwards ? tf.reverse(input!, 1) : input!), [steps * batch, inputDim])
    const projected = tf.unstack(tf.reshape(tf.add(tf.matMul(flat, k!), b!), [steps, batch, units]))
    const states: tf.Tensor[] = []
    let h: tf.Tensor | null = null
    for (const p of projected) {
      h = nativeOp('Tanh', h ? nativeOp('AddV2', p, nativeMatMul(h, rk!)) : p)
      states.push(h)
    }
    save([flat, k!, rk!, ...states])
    return {
      value: returnSequences ? timeMajor(tf.stack(states)) : h!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, w, u, ...hs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]]
        const dys = returnSequences ? tf.unstack(timeMajor(dy)) : null
        // Each step's gradient before its tanh, from the last step back.
        const dz: tf.Tensor[] = []
        let carried: tf.Tensor | null = null
        for (let s = steps - 1; s >= 0; s--) {
          // The step's own output gradient (only the last step's when the layer returns the last), plus the carried one.
          const own = dys ? dys[s]! : s === steps - 1 ? dy : null
          const dh = own && carried ? nativeOp('AddV2', own, carried) : (own ?? carried)!
          dz[s] = nativeOp('TanhGrad', hs[s]!, dh)
          if (s > 0) carried = nativeMatMul(dz[s]!, u, false, true)
        }
        const dzFlat = tf.reshape(tf.stack(dz), [steps * batch, units])
        // The recurrent kernel met the state before each step: zero before the first.
        const before = tf.reshape(tf.stack([tf.zeros([batch, units]), ...hs.slice(0, -1)]), [steps * batch, units])
        return [
          inputGradientOf(inputGradient, x.shape, goBackwards, () =>
            timeMajor(tf.reshape(tf.matMul(dzFlat, w, false, true), [steps, batch, inputDim])),
          ),
          tf.matMul(xs, dzFlat, true),
          tf.matMul(before, dzFlat, true),
          tf.sum(dzFlat, 0),
        ]
      },
    }
  })
  return run(x, kernel, recurrentKernel, bias)
}
