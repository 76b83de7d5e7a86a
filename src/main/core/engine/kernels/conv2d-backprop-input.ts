/**
 * Conv2DBackpropInput for the wasm backend, whose own kernel is several times slower than a matrix
 * product of the same size: dy times the filter transposed gives each patch's gradient, which is
 * then added back into the input's places (the inverse of the patch matrix).
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import { conv2DInfo, matMul } from './conv-info'
import { addPatches, patchSize, positions } from './patches'
import { readValues, writeValues } from './values'

const kernelFunc: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo }
  const { inputShape } = attrs as unknown as { inputShape: [number, number, number, number] }
  const info = conv2DInfo(inputShape, filter.shape as [number, number, number, number], attrs)
  // The filter is small: transposed here, the product runs without transposing (much faster on wasm).
  const size = patchSize(info)
  const f = readValues(backend, filter) as Float32Array
  const transposed = new Float32Array(f.length)
  for (let p = 0; p < size; p++)
    for (let o = 0; o < info.outChannels; o++) transposed[o * size + p] = f[p * info.outChannels + o]!
  const product = matMul(
    backend,
    [1, positions(info), info.outChannels],
    readValues(backend, dy) as Float32Array,
    [1, info.outChannels, size],
    transposed,
  )
  const patches = readValues(backend, product) as Float32Array
  ;(backend as KernelBackend).disposeData(product.dataId)
  return writeValues(backend, [...inputShape], 'float32', addPatches(patches, info))
}

export const conv2DBackpropInputConfig = (backendName: string): KernelConfig => ({
  kernelName: 'Conv2DBackpropInput',
  backendName,
  kernelFunc,
})
