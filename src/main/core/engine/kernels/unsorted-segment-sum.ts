/**
 * UnsortedSegmentSum, which every embedding gradient needs (the gradient of Gather): missing from the
 * wasm backend, and quadratic in the plain CPU backend. One linear pass over the rows instead.
 */
import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs'
import { readValues, writeValues } from './values'

export function unsortedSegmentSum(
  x: Float32Array | Int32Array,
  xShape: number[],
  segmentIds: ArrayLike<number>,
  numSegments: number,
): Float32Array {
  const inner = util.sizeFromShape(xShape.slice(1))
  const out = new Float32Array(numSegments * inner)
  for (let row = 0; row < segmentIds.length; row++) {
    const segment = segmentIds[row]!
    if (segment < 0 || segment >= numSegments) continue // as TensorFlow: out-of-range ids are dropped
    const to = segment * inner
    const from = row * inner
    for (let k = 0; k < inner; k++) out[to + k]! += x[from + k]!
  }
  return out
}

const kernelFunc: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo }
  const numSegments = (attrs as { numSegments: number }).numSegments
  // Ids of any rank: flatten them, and x to [ids, rest].
  const ids = readValues(backend, segmentIds) as Int32Array
  const idsSize = util.sizeFromShape(segmentIds.shape)
  const rest = x.shape.slice(segmentIds.shape.length)
  const values = unsortedSegmentSum(readValues(backend, x) as Float32Array, [idsSize, ...rest], ids, numSegments)
  return writeValues(backend, [numSegments, ...rest], 'float32', values)
}

export const unsortedSegmentSumConfig = (backendName: string): KernelConfig => ({
  kernelName: 'UnsortedSegmentSum',
  backendName,
  kernelFunc,
})
