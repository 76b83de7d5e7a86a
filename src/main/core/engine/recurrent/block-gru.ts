/**
 * A GRU sequence on the native rungs as TensorFlow's fused cell ops: GRUBlockCell per step forward
 * and GRUBlockCellGrad per step backward (TensorFlow has no whole-sequence GRU op on the CPU), on bare
 * handles (`HandleScope`), in place of the dozen tfjs ops per step of tfjs-layers' GRU; the weights'
 * gradients are then one product over all steps each. Steps are kept time-major ([steps, batch, …]).
 *
 * GRUBlockCell computes tfjs-layers' GRU (reset before the recurrent product, sigmoid gates, tanh)
 * with the weights stacked ([x, h] times [D + H, 2H] for the reset and update gates, [x, r * h] times
 * [D + H, H] for the candidate) and its gate pair ordered reset, update; tfjs-layers' kernel and
 * recurrent kernel order them update (z), reset, candidate. The weights stay in tfjs-layers' layout.
 */
import * as tf from '@tensorflow/tfjs'
import { onHandles } from '../native-ops'
import { inputGradientOf } from './input-gradient'

/** tfjs-layers' [z, r, h] columns as GRUBlockCell's reset-update pair and candidate. */
function toBlock(t: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [z, r, h] = tf.split(t, 3, -1)
  return [tf.concat([r!, z!], -1), h!]
}

/** GRUBlockCell's reset-update pair and candidate back as tfjs-layers' [z, r, h] columns. */
function fromBlock(ru: tf.Tensor, c: tf.Tensor): tf.Tensor {
  const [r, z] = tf.split(ru, 2, -1)
  return tf.concat([z!, r!, c], -1)
}

/**
 * The GRU layer's outputs for every step, [batch, steps, units], in the order the layer ran them
 * (reversed input when `goBackwards`, as tfjs-layers returns them); differentiable in all four inputs.
 */
export function blockGru(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  goBackwards: boolean,
  inputGradient: boolean,
): tf.Tensor3D {
  const [batch, steps, inputDim] = x.shape
  const units = recurrentKernel.shape[0]

  const timeMajor = (t: tf.Tensor) => tf.transpose(t, [1, 0, 2])
  const flat = (t: tf.Tensor) => tf.reshape(t, [steps * batch, -1])

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b] = args as tf.Tensor[]
    const save = args[4] as tf.GradSaveFunc
    const xs = timeMajor(goBackwards ? tf.reverse(input!, 1) : input!)
    const [wRu, wC] = toBlock(tf.concat([k!, rk!], 0))
    const [bRu, bC] = toBlock(b!)
    // Every step's new state and its cell's r, u and c, each [steps, batch, units].
    const [hs, rs, us, cs] = onHandles((scope) => {
      const weights = scope.ids(wRu, wC, bRu, bC)
      const kept = { h: [] as number[], r: [] as number[], u: [] as number[], c: [] as number[] }
      let [h] = scope.ids(tf.zeros([batch, units]))
      for (const xt of scope.steps(xs, steps)) {
        const [r, u, c, next] = scope.run('GRUBlockCell', [xt, h!, ...weights], 4)
        kept.h.push(next!)
        kept.r.push(r!)
        kept.u.push(u!)
        kept.c.push(c!)
        scope.free(xt)
        h = next
      }
      return Object.values(kept).map((ids) => scope.tensor(scope.stack(ids)))
    }) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]
    save([xs, wRu, wC, bRu, bC, hs, rs, us, cs])
    return {
      value: timeMajor(hs!),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xAll, wru, wc, bru, bc, hAll, rAll, uAll, cAll] = saved as tf.Tensor[]
        // The state before each step: zero before the first.
        const before = tf.concat([tf.zeros([1, batch, units]), tf.slice(hAll!, 0, steps - 1)])
        const [dxs, dRuAll, dCAll] = onHandles((scope) => {
          const weights = scope.ids(wru!, wc!, bru!, bc!)
          const [xt, hPrev, r, u, c, dys] = [xAll!, before, rAll!, uAll!, cAll!, timeMajor(dy)].map((t) =>
            scope.steps(t, steps),
          )
          const grads = { x: [] as number[], ru: [] as number[], c: [] as number[] }
          let dh: number | null = null
          for (let s = steps - 1; s >= 0; s--) {
            const dhTotal: number = dh === null ? dys![s]! : scope.run('AddV2', [dh, dys![s]!], 1)[0]!
            const step = [xt![s]!, hPrev![s]!, ...weights, r![s]!, u![s]!, c![s]!]
            const [dx, dhPrev, dcBar, druBar] = scope.run('GRUBlockCellGrad', [...step, dhTotal], 4)
            for (const id of new Set([...step, dh, dhTotal, dys![s]!])) if (id !== null) scope.free(id)
            grads.x[s] = dx!
            grads.ru[s] = druBar!
            grads.c[s] = dcBar!
            dh = dhPrev!
          }
          return Object.values(grads).map((ids) => scope.tensor(scope.stack(ids)))
        }) as [tf.Tensor, tf.Tensor, tf.Tensor]
        const dRu = flat(dRuAll)
        const dC = flat(dCAll)
        const dWRu = tf.matMul(tf.concat([flat(xAll!), flat(before)], 1), dRu, true)
        const dWC = tf.matMul(tf.concat([flat(xAll!), flat(tf.mul(before, rAll!))], 1), dC, true)
        const [dKernel, dRecurrent] = tf.split(fromBlock(dWRu, dWC), [inputDim, units], 0)
        return [
          // GRUBlockCellGrad computes each step's input gradient anyway: only the stacking is saved.
          inputGradientOf(inputGradient, x.shape, goBackwards, () => timeMajor(dxs)),
          dKernel!,
          dRecurrent!,
          fromBlock(tf.sum(dRu, 0), tf.sum(dC, 0)),
        ]
      },
    }
  })
  return run(x, kernel, recurrentKernel, bias) as tf.Tensor3D
}
