/**
 * Identity (tf.clone) for the wasm backend. Its own kernel copies the data, and the gradient tape
 * clones every input it saves: an LSTM of 512 over 200 steps saved a copy of its 4 MB recurrent
 * kernel at every step, gigabytes a pass, and wasm aborted. Here a clone shares the data and counts
 * one more reference, as the CPU backend's Identity and wasm's own Reshape do.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs'

export const identityConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'Identity',
  backendName,
  kernelFunc: (args) => {
    const { x } = args.inputs as { x: TensorInfo }
    if (x.dtype === 'string') {
      if (!stock) throw new Error(`The ${backendName} backend has no Identity kernel for strings.`)
      return stock(args)
    }
    ;(args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId)
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
  },
})
