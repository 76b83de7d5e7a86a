/** What the convolution gradient kernels share: the geometry from their attributes, and a matrix product on the backend. */
import { backend_util, getKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs'
import { writeValues } from './values'

export interface ConvAttrs {
  strides: [number, number] | number
  pad: 'valid' | 'same' | number
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

export function conv2DInfo(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: NamedAttrMap | undefined,
): backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as ConvAttrs
  if (dataFormat === 'NCHW') throw new Error('The convolution gradients on wasm support NHWC only.')
  return backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast')
}

/** a x b on the backend's own BatchMatMul; the inputs are freed. */
export function matMul(
  backend: KernelBackend | object,
  aShape: number[],
  a: Float32Array,
  bShape: number[],
  b: Float32Array,
): TensorInfo {
  const name = (backend as { name?: string }).name ?? 'wasm'
  const kernel = getKernel('BatchMatMul', name) ?? getKernel('BatchMatMul', 'wasm')!
  const ta = writeValues(backend, aShape, 'float32', a)
  const tb = writeValues(backend, bShape, 'float32', b)
  const product = kernel.kernelFunc({
    inputs: { a: ta, b: tb },
    attrs: { transposeA: false, transposeB: false },
    backend,
  }) as TensorInfo
  const owner = backend as KernelBackend
  owner.disposeData(ta.dataId)
  owner.disposeData(tb.dataId)
  return product
}
