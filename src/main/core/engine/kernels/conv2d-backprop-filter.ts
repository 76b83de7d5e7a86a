/**
 * Conv2DBackpropFilter for the wasm backend, which lacks it (every CNN's weight gradient): the
 * patches of x (im2col, in JavaScript) times dy, as one matrix product on the backend's own
 * BatchMatMul. dW[fh, fw, c, f] = sum over n, oh, ow of x[n, oh*s + fh - pad, ow*s + fw - pad, c] * dy[n, oh, ow, f].
 */
import {
  backend_util,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs'
import { readValues, writeValues } from './values'

type Conv2DInfo = backend_util.Conv2DInfo

/** Rows of the patch matrix: one per output position, fh * fw * c columns (zero where padding). */
export function im2col(x: Float32Array, info: Conv2DInfo): Float32Array {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const top = info.padInfo.top
  const left = info.padInfo.left
  const cols = filterHeight * filterWidth * inChannels
  const out = new Float32Array(batchSize * outHeight * outWidth * cols)
  let row = 0
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row++) {
        let col = row * cols
        for (let fh = 0; fh < filterHeight; fh++) {
          const ih = oh * strideHeight + fh * dilationHeight - top
          for (let fw = 0; fw < filterWidth; fw++, col += inChannels) {
            const iw = ow * strideWidth + fw * dilationWidth - left
            if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) continue
            const from = ((n * inHeight + ih) * inWidth + iw) * inChannels
            for (let c = 0; c < inChannels; c++) out[col + c] = x[from + c]!
          }
        }
      }
    }
  }
  return out
}

const kernelFunc: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo }
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number
    pad: 'valid' | 'same' | number
    dataFormat: 'NHWC' | 'NCHW'
    dimRoundingMode?: 'floor' | 'round' | 'ceil'
    filterShape: [number, number, number, number]
  }
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only.')
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  )
  const positions = info.batchSize * info.outHeight * info.outWidth
  const patchSize = info.filterHeight * info.filterWidth * info.inChannels
  const patches = writeValues(
    backend,
    [1, positions, patchSize],
    'float32',
    im2col(readValues(backend, x) as Float32Array, info),
  )
  const grads = writeValues(
    backend,
    [1, positions, info.outChannels],
    'float32',
    readValues(backend, dy) as Float32Array,
  )
  const matMul =
    getKernel('BatchMatMul', (backend as { name?: string }).name ?? 'wasm') ?? getKernel('BatchMatMul', 'wasm')!
  const product = matMul.kernelFunc({
    inputs: { a: patches, b: grads },
    attrs: { transposeA: true, transposeB: false },
    backend,
  }) as TensorInfo
  const owner = backend as KernelBackend
  owner.disposeData(patches.dataId)
  owner.disposeData(grads.dataId)
  // [1, patchSize, outChannels] is already filterShape's layout: hand its data over as the filter.
  return { dataId: product.dataId, shape: [...filterShape], dtype: 'float32' }
}

export const conv2DBackpropFilterConfig = (backendName: string): KernelConfig => ({
  kernelName: 'Conv2DBackpropFilter',
  backendName,
  kernelFunc,
})
