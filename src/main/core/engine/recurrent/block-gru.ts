/**
 * A GRU sequence on the native rungs as TensorFlow's fused cell ops: GRUBlockCell per step forward
 * and GRUBlockCellGrad per step backward (TensorFlow has no whole-sequence GRU op on the CPU), in
 * place of the dozen tfjs ops per step of tfjs-layers' GRU; the weights' gradients are then one
 * product over all steps each.
 *
 * GRUBlockCell computes tfjs-layers' GRU (reset before the recurrent product, sigmoid gates, tanh)
 * with the weights stacked ([x, h] times [D + H, 2H] for the reset and update gates, [x, r * h] times
 * [D + H, H] for the candidate) and its gate pair ordered reset, update; tfjs-layers' kernel and
 * recurrent kernel order them update (z), reset, candidate. The weights stay in tfjs-layers' layout.
 */
import * as tf from '@tensorflow/tfjs'
import { runNative } from '../native-ops'
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

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, rk, b] = args as tf.Tensor[]
    const save = args[4] as tf.GradSaveFunc
    const xs = tf.unstack(goBackwards ? tf.reverse(input!, 1) : input!, 1)
    const [wRu, wC] = toBlock(tf.concat([k!, rk!], 0))
    const [bRu, bC] = toBlock(b!)
    // Per step: its input, the state before it, and the cell's r, u, c and new state.
    const kept: tf.Tensor[] = []
    let h = tf.zeros([batch, units])
    for (const xt of xs) {
      const [r, u, c, next] = runNative('GRUBlockCell', [xt, h, wRu, wC, bRu, bC], 4)
      kept.push(xt, h, r!, u!, c!)
      h = next!
    }
    const outputs = [...kept.filter((_, i) => i % 5 === 1).slice(1), h]
    save([wRu, wC, bRu, bC, ...kept])
    return {
      value: tf.stack(outputs, 1),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [wru, wc, bru, bc, ...perStep] = saved
        const dys = tf.unstack(dy, 1)
        const dxs: tf.Tensor[] = []
        const dRu: tf.Tensor[] = []
        const dC: tf.Tensor[] = []
        let dh = tf.zeros([batch, units])
        for (let s = steps - 1; s >= 0; s--) {
          const [xt, hPrev, r, u, c] = perStep.slice(s * 5, s * 5 + 5)
          const [dx, dhPrev, dcBar, druBar] = runNative(
            'GRUBlockCellGrad',
            [xt!, hPrev!, wru!, wc!, bru!, bc!, r!, u!, c!, tf.add(dh, dys[s]!)],
            4,
          )
          dxs[s] = dx!
          dRu[s] = druBar!
          dC[s] = dcBar!
          dh = dhPrev!
        }
        const at = (i: number) =>
          tf.concat(
            perStep.filter((_, k) => k % 5 === i),
            0,
          )
        const [xAll, hAll, rAll] = [at(0), at(1), at(2)]
        const dRuAll = tf.concat(dRu, 0)
        const dCAll = tf.concat(dC, 0)
        const dWRu = tf.matMul(tf.concat([xAll, hAll], 1), dRuAll, true)
        const dWC = tf.matMul(tf.concat([xAll, tf.mul(hAll, rAll)], 1), dCAll, true)
        const [dKernel, dRecurrent] = tf.split(fromBlock(dWRu, dWC), [inputDim, units], 0)
        return [
          // GRUBlockCellGrad computes each step's input gradient anyway: only the stacking is saved.
          inputGradientOf(inputGradient, x.shape, goBackwards, () => tf.stack(dxs, 1)),
          dKernel!,
          dRecurrent!,
          fromBlock(tf.sum(dRuAll, 0), tf.sum(dCAll, 0)),
        ]
      },
    }
  })
  return run(x, kernel, recurrentKernel, bias) as tf.Tensor3D
}
