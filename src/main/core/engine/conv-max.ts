/**
 * Kim's convolution, ReLU and max over time as one layer with its own gradient, for the CNN kind's
 * training body (the exported model keeps tfjs-layers' Conv1D and GlobalMaxPooling1D, whose weights
 * these are: `model-builders.ts`).
 *
 * Forward it is relu(max over t of conv(x)_t + bias), the same value as max over t of
 * relu(conv(x)_t + bias) since adding a bias and ReLU are monotone, with two passes over the
 * convolution's output (ArgMax and Max) where the stock layers take four.
 * Backward, each (row, filter) has one position its max came from, the first in a tie as PyTorch's
 * max_pool1d has it (tfjs's Max gives each tied position the whole gradient). So the kernel's gradient
 * is a sum over the rows of those windows' inputs, and the input's is the kernel scattered back onto
 * them: for kim-cnn (batch 50, 400 words of 50 dimensions, 300 filters) about 6M multiply-adds against
 * the two dense backward convolutions' 4.8 GFLOP.
 */
import * as tf from '@tensorflow/tfjs'
import { isFrozenInput } from './recurrent/input-gradient'
import { stockClass } from './stock-class'

/** Where each (row, filter)'s window starts in the rows of x taken as one [batch x steps, D] matrix. */
function windowStarts(at: tf.Tensor2D, steps: number): tf.Tensor2D {
  const rows = at.shape[0]
  return tf.add(at, tf.mul(tf.range(0, rows, 1, 'int32').reshape([rows, 1]), tf.scalar(steps, 'int32')))
}

/**
 * [batch, filters]: relu(max over time of x convolved with `kernel` [width, D, filters] + `bias`),
 * differentiable in all three; the input's gradient is zeros unless `inputGradient`.
 */
export function convMaxOverTime(
  x: tf.Tensor3D,
  kernel: tf.Tensor3D,
  bias: tf.Tensor1D,
  inputGradient: boolean,
): tf.Tensor2D {
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, k, b] = args as [tf.Tensor3D, tf.Tensor3D, tf.Tensor1D]
    const save = args[3] as tf.GradSaveFunc
    const [rows, steps, dim] = input.shape
    const [width, , filters] = k.shape
    // The convolution's output is dropped here: only its argmax and max are kept.
    const [at, pre] = tf.tidy(() => {
      const z = tf.conv1d(input, k, 1, 'valid')
      return [tf.argMax(z, 1) as tf.Tensor2D, tf.add(tf.max(z, 1), b)]
    })
    save([input, k, at, pre])
    return {
      value: tf.relu(pre) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, w, argmax, before] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor2D]
        const g = tf.where(tf.greater(before, 0), dy, tf.zerosLike(dy))
        // Each offset's row of x under each (row, filter)'s window: [width, rows, filters].
        const starts = windowStarts(argmax, steps)
        const offsets = tf.reshape(tf.range(0, width, 1, 'int32'), [width, 1, 1])
        const taken = tf.reshape(tf.add(starts, offsets), [-1]) as tf.Tensor1D
        const gradient = tf.reshape(g, [1, rows, filters, 1])
        const windows = tf.reshape(tf.gather(tf.reshape(xs, [rows * steps, dim]), taken), [width, rows, filters, dim])
        const kernelGrad = tf.transpose(tf.sum(tf.mul(windows, gradient), 1), [0, 2, 1])
        const inputGrad = inputGradient
          ? tf
              .scatterND(
                tf.reshape(taken, [-1, 1]),
                tf.reshape(tf.mul(gradient, tf.expandDims(tf.transpose(w, [0, 2, 1]), 1)), [-1, dim]),
                [rows * steps, dim],
              )
              .reshape([rows, steps, dim])
          : tf.zeros([rows, steps, dim])
        return [inputGrad, kernelGrad, tf.sum(g, 0)]
      },
    }
  })
  return run(x, kernel, bias) as tf.Tensor2D
}

let enabled = true

/** Runs the stock convolution and max instead (true), or this op again, for benchmarks. */
export function useStockConvolution(stock: boolean): void {
  enabled = !stock
}

type ConvArgs = Parameters<typeof tf.layers.conv1d>[0]
type Kwargs = Parameters<tf.layers.Layer['call']>[1]
const StockConv1D = stockClass(tf.layers.conv1d, { filters: 1, kernelSize: 1 })

/**
 * A Conv1D (valid padding, stride 1, ReLU, a bias) followed by the max over time, as one layer: its
 * weights are the Conv1D's, under the same names. Made only by the training body's builder.
 */
export class ConvMaxOverTime extends StockConv1D {
  static override className = 'ConvMaxOverTime'

  constructor(args: Omit<ConvArgs, 'activation' | 'padding' | 'strides' | 'dilationRate' | 'useBias'>) {
    super({ ...args, activation: 'relu' })
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
    return [shape[0]!, (this.getConfig() as { filters: number }).filters]
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D
    if (!enabled) return tf.max(super.call(inputs, kwargs) as tf.Tensor, 1)
    const [kernel, bias] = this.weights.map((w) => w.read()) as [tf.Tensor3D, tf.Tensor1D]
    return convMaxOverTime(x, kernel, bias, !isFrozenInput(x))
  }
}

tf.serialization.registerClass(ConvMaxOverTime)
