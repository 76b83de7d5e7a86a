/**
 * Convolution as matrix products: the patches of an NHWC input (one row per output position, one
 * column per filter tap and channel), and the way back, adding patch values into the input's places.
 * The two CNN gradients become one product each on the backend's own fast BatchMatMul.
 */
import type { backend_util } from '@tensorflow/tfjs'

type Conv2DInfo = backend_util.Conv2DInfo

/** Calls `visit(patchColumnStart, inputStart)` for every in-bounds tap of every output position. */
function forEachTap(info: Conv2DInfo, visit: (row: number, col: number, from: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const top = info.padInfo.top
  const left = info.padInfo.left
  let row = 0
  for (let n = 0; n < batchSize; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++, row++) {
        let col = 0
        for (let fh = 0; fh < filterHeight; fh++) {
          const ih = oh * strideHeight + fh * dilationHeight - top
          for (let fw = 0; fw < filterWidth; fw++, col += inChannels) {
            const iw = ow * strideWidth + fw * dilationWidth - left
            if (ih < 0 || ih >= inHeight || iw < 0 || iw >= inWidth) continue
            visit(row, col, ((n * inHeight + ih) * inWidth + iw) * inChannels)
          }
        }
      }
}

export const patchSize = (info: Conv2DInfo) => info.filterHeight * info.filterWidth * info.inChannels
export const positions = (info: Conv2DInfo) => info.batchSize * info.outHeight * info.outWidth

/** The patch matrix transposed, patchSize x positions (zero where the filter overhangs the padding). */
export function patchesTransposed(x: Float32Array, info: Conv2DInfo): Float32Array {
  const p = positions(info)
  const c = info.inChannels
  const out = new Float32Array(patchSize(info) * p)
  forEachTap(info, (row, col, from) => {
    for (let k = 0; k < c; k++) out[(col + k) * p + row] = x[from + k]!
  })
  return out
}

/** Adds a positions x patchSize matrix of patch gradients back into the input's shape. */
export function addPatches(patches: Float32Array, info: Conv2DInfo): Float32Array {
  const size = patchSize(info)
  const c = info.inChannels
  const out = new Float32Array(info.batchSize * info.inHeight * info.inWidth * c)
  forEachTap(info, (row, col, from) => {
    const at = row * size + col
    for (let k = 0; k < c; k++) out[from + k]! += patches[at + k]!
  })
  return out
}
