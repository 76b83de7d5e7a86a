/** Optimizers by name, with a learning rate that a schedule can change every step. */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import { NativeAdam } from './native-adam'
import { onNativeRung } from './native-ops'

export function makeOptimizer(config: TrainConfig): tf.Optimizer {
  const lr = config.learningRate
  switch (config.optimizer) {
    case 'sgd':
      return tf.train.sgd(lr)
    case 'momentum':
      return tf.train.momentum(lr, config.momentum)
    case 'adam':
      // On the native rungs, TensorFlow's fused update (see native-adam.ts).
      return onNativeRung() ? new NativeAdam(lr) : tf.train.adam(lr)
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
