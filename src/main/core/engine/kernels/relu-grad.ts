/**
 * ReLU's gradient as TensorFlow's one ReluGrad op on the tensorflow backend, where tfjs's gradient is
 * Step (a comparison, a cast, a NaN test and a select in TensorFlow, see step.ts) and a product: five
 * passes over each of kim-cnn's convolution outputs (64 x ~400 x 100) against one. Like TensorFlow's
 * (and Keras'), it gives 0 where the input is NaN, where tfjs's gives NaN; the forward value is NaN
 * there either way. Gradients are registered for all backends at once, so every other backend keeps
 * the stock gradient.
 */
import * as tf from '@tensorflow/tfjs'
import type { GradConfig } from '@tensorflow/tfjs'
import { onNativeRung, runNative } from '../native-ops'

let stock: GradConfig | null | undefined

/** Registers ReLU's gradient (once; it falls back to the stock one off the native rungs). */
export function registerReluGrad(): void {
  if (stock !== undefined) return
  stock = tf.getGradient('Relu') ?? null
  const fallback = stock
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[]
      if (onNativeRung() && x!.dtype === 'float32')
        return { x: () => runNative('ReluGrad', [dy as tf.Tensor, x!], 1)[0]! }
      if (!fallback) throw new Error('tfjs has no gradient for Relu.')
      return fallback.gradFunc(dy, saved, attrs)
    },
  })
}
