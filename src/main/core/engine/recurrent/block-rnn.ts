/**
 * A simple RNN sequence on the native rungs, h_t = tanh(x_t W + h_{t-1} U + b), in as few TensorFlow
 * calls as it can take: TensorFlow has no fused simple RNN op, and tfjs-layers' cell is half a dozen
 * tfjs ops per step, each with its tape entry and JavaScript bookkeeping (rnn-baseline's 400 steps
 * trained at a fifth of Keras' rate). Here the input projection of every step is one product, each
 * step is three TensorFlow ops called by name on bare handles (`HandleScope`: MatMul, AddV2, Tanh;
 * backward the state's MatMul and TanhGrad, plus AddV2 when every step's output is read), and each
 * weight's gradient is one product over all steps. The steps are kept time-major ([steps, batch, …]), so that a step's rows are one
 * contiguous block to split off and stack back. The weights are tfjs-layers' own (kernel [D, H],
 * recurrent kernel [H, H], bias [H]).
 */
import * as tf from '@tensorflow/tfjs'
import { onHandles } from '../native-ops'
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
    const projected = tf.reshape(tf.add(tf.matMul(flat, k!), b!), [steps, batch, units])
    // Every step's state, [steps, batch, units]: the steps run on bare handles (`HandleScope`).
    const states = onHandles((scope) => {
      const [u] = scope.ids(rk!)
      const hs: number[] = []
      for (const p of scope.steps(projected, steps)) {
        const previous = hs[hs.length - 1]
        if (previous === undefined) hs.push(scope.run('Tanh', [p], 1)[0]!)
        else {
          const carried = scope.matMul(previous, u!)
          const [z] = scope.run('AddV2', [p, carried], 1)
          hs.push(scope.run('Tanh', [z!], 1)[0]!)
          for (const id of [carried, z!]) scope.free(id)
        }
        scope.free(p)
      }
      return scope.tensor(scope.stack(hs))
    })
    save([flat, k!, rk!, states])
    return {
      value: returnSequences ? timeMajor(states) : tf.reshape(tf.slice(states, steps - 1, 1), [batch, units]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, w, u, hs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]
        // Each step's gradient before its tanh, from the last step back.
        const dz = onHandles((scope) => {
          const [uId, dyId] = scope.ids(u, returnSequences ? timeMajor(dy) : dy)
          const h = scope.steps(hs, steps)
          const dys = returnSequences ? scope.unstack(dyId!, steps) : null
          const grads: number[] = []
          let carried: number | null = null
          for (let s = steps - 1; s >= 0; s--) {
            // The step's own output gradient (only the last step's when the layer returns the last), plus the carried one.
            const own = dys ? dys[s]! : s === steps - 1 ? dyId! : null
            const dh = own !== null && carried !== null ? scope.run('AddV2', [own, carried], 1)[0]! : (own ?? carried)!
            grads[s] = scope.run('TanhGrad', [h[s]!, dh], 1)[0]!
            for (const id of new Set([own, carried, dh, h[s]!])) if (id !== null) scope.free(id)
            carried = s > 0 ? scope.matMul(grads[s]!, uId!, true) : null
          }
          return scope.tensor(scope.stack(grads))
        })
        const dzFlat = tf.reshape(dz, [steps * batch, units])
        // The recurrent kernel met the state before each step: zero before the first.
        const before = tf.reshape(tf.concat([tf.zeros([1, batch, units]), tf.slice(hs, 0, steps - 1)]), [
          steps * batch,
          units,
        ])
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
