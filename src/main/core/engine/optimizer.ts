/** Optimizers by name, a learning rate that a schedule can change every step, and clipping by global norm. */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training'

export function makeOptimizer(config: TrainConfig): tf.Optimizer {
  const lr = config.learningRate
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(lr)
    case 'momentum':
      return tf.train.momentum(lr, config.momentum)
    case 'adam':
      return tf.train.adam(lr)
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9, config.momentum)
  }
}

/**
 * SGD and Momentum keep the rate as a kept scalar and change it through setLearningRate; Adam and
 * RMSProp read their `learningRate` field at every update.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number }
  if (o.learningRate === lr) return
  if (o.setLearningRate) o.setLearningRate(lr)
  else o.learningRate = lr
}

/** Scales the gradients so their global norm is at most `clipNorm` (in the graph: no sync). */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const names = Object.keys(grads)
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))))
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm))
    const out: tf.NamedTensorMap = {}
    for (const n of names) out[n] = tf.mul(grads[n]!, scale)
    return out
  })
}
