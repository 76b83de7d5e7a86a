/**
 * BatchMatMul of two matrices as TensorFlow's MatMul on the tensorflow backend. tfjs-node runs every
 * product as BatchMatMulV2, which oneDNN runs slower for the dense net's hidden layer than MatMul
 * (64 x 25,000 by 25,000 x 500: 11 against 17-21 ms of CPU time, back to back under load). With
 * the second matrix transposed (the input gradient) MatMul was the slower one (25 against 14 ms),
 * so that case, and batches of matrices, stay the stock kernel.
 */
import * as tf from '@tensorflow/tfjs'
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs'
import { nativeMatMul } from '../native-ops'

export const matMulConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'BatchMatMul',
  backendName,
  kernelFunc: (args) => {
    const { a, b } = args.inputs as { a: tf.Tensor; b: tf.Tensor }
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean }
    if (a.rank === 2 && b.rank === 2 && !transposeB && a.dtype === 'float32' && b.dtype === 'float32')
      return nativeMatMul(a, b, transposeA)
    if (!stock) throw new Error(`The ${backendName} backend has no BatchMatMul kernel.`)
    return stock(args)
  },
})
