/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it (every CNN's weight gradient): the
 * transposed patches of x (built in JavaScript) times dy, as one matrix product on the backend's
 * BatchMatMul. dW[fh, fw, c, f] = sum over n, oh, ow of x[n, oh*s + fh - pad, ow*s + fw - pad, c] * dy[n, oh, ow, f].
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import { conv2DInfo, matMul, type ConvAttrs } from './conv-info'
import { patchesTransposed, patchSize, positions } from './patches'
import { readValues } from './values'

const kernelFunc: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo }
  const { filterShape } = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] }
  const info = conv2DInfo(x.shape as [number, number, number, number], filterShape, attrs)
  // [patchSize, positions] x [positions, outChannels] is already filterShape's layout.
  const product = matMul(
    backend,
    [1, patchSize(info), positions(info)],
    patchesTransposed(readValues(backend, x) as Float32Array, info),
    [1, positions(info), info.outChannels],
    readValues(backend, dy) as Float32Array,
  )
  return { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' }
}

export const conv2DBackpropFilterConfig = (backendName: string): KernelConfig => ({
  kernelName: 'Conv2DBackpropFilter',
  backendName,
  kernelFunc,
})
