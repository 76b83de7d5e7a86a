/**
 * Step (ReLU's gradient: 1 where x > 0, else alpha; NaN stays NaN) for the tensorflow backend.
 * tfjs-node's own kernel fills a tensor of ones in JavaScript (`tf.ones`) and one of alpha, then selects
 * twice: for kim-cnn's three convolutions that was about 450 of a step's 720 ms. Here it is a
 * comparison and a cast in TensorFlow, and the NaN select.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs'

export const stepConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'Step',
  backendName,
  kernelFunc: (args) => {
    const x = args.inputs.x as tf.Tensor
    const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0
    if (x.dtype !== 'float32') {
      if (!stock) throw new Error(`The ${backendName} backend has no Step kernel for ${x.dtype}.`)
      return stock(args)
    }
    return tf.tidy(() => {
      const positive = tf.cast(tf.greater(x, 0), 'float32')
      const step = alpha === 0 ? positive : tf.add(tf.mul(positive, 1 - alpha), alpha)
      return tf.where(tf.isNaN(x), x, step)
    })
  },
})
