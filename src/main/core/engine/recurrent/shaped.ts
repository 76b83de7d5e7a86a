/** A tensor's values and shape as they cross between the job's thread and a direction thread. */
import * as tf from '@tensorflow/tfjs'

export interface Shaped {
  data: Float32Array
  shape: number[]
}

export const shaped = (t: tf.Tensor): Shaped => ({ data: t.dataSync() as Float32Array, shape: t.shape })
export const tensor = (s: Shaped): tf.Tensor => tf.tensor(s.data, s.shape, 'float32')
