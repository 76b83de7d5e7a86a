/**
 * Slice, Unpack and SplitV for the wasm backend. Its own Slice copies the whole input out of the heap
 * on every call (readSync) to take a part of it, so unstacking a [batch, 400, units] sequence into
 * time steps, as every recurrent layer does, copied it 400 times: most of an LSTM step. Its SplitV
 * calls that slice once per part: an LSTM cell splits its gate products into four at every step, and
 * those copies were half of a sentimentnet-bilstm step. These read the input in place instead.
 */
import { backend_util, util, slice_util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs'

export interface WasmBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array
}

function sliceInPlace(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const [b, s] = slice_util.parseSliceParams(x as never, begin, size) as [number[], number[]]
  const out = backend.makeOutput(s, x.dtype)
  // Views after makeOutput: a heap that grew would detach earlier ones.
  const from = backend.typedArrayFromHeap(x)
  const to = backend.typedArrayFromHeap(out)
  const strides = util.computeStrides(x.shape)
  const rank = x.shape.length
  const inner = s[rank - 1] ?? 1
  const rows = util.sizeFromShape(s) / Math.max(1, inner)
  // Walk the output row by row (all dimensions but the last), copying each contiguous run.
  const index = new Array<number>(Math.max(0, rank - 1)).fill(0)
  for (let r = 0; r < rows; r++) {
    let offset = b[rank - 1] ?? 0
    for (let d = 0; d < rank - 1; d++) offset += (b[d]! + index[d]!) * strides[d]!
    to.set(from.subarray(offset, offset + inner), r * inner)
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d]! < s[d]!) break
      index[d] = 0
    }
  }
  return out
}

const sliceKernel: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: TensorInfo }
  const { begin, size } = attrs as unknown as { begin: number[]; size: number[] }
  return sliceInPlace(backend as unknown as WasmBackend, x, begin, size)
}

const unpackKernel: KernelFunc = ({ inputs, attrs, backend }) => {
  const { value } = inputs as { value: TensorInfo }
  const rank = value.shape.length
  let { axis } = attrs as unknown as { axis: number }
  if (axis < 0) axis += rank
  const outShape = value.shape.filter((_, i) => i !== axis)
  const begin = new Array<number>(rank).fill(0)
  const size = value.shape.slice()
  size[axis] = 1
  return Array.from({ length: value.shape[axis]! }, (_, i) => {
    begin[axis] = i
    const out = sliceInPlace(backend as unknown as WasmBackend, value, begin, size)
    return { ...out, shape: outShape }
  })
}

const splitVKernel: KernelFunc = ({ inputs, attrs, backend }) => {
  const { x } = inputs as { x: TensorInfo }
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number }
  const [a] = util.parseAxisParam(axis, x.shape) as [number]
  const sizes = backend_util.prepareSplitSize(x as never, numOrSizeSplits, a)
  const begin = new Array<number>(x.shape.length).fill(0)
  return sizes.map((s) => {
    const size = x.shape.slice()
    size[a] = s
    const out = sliceInPlace(backend as unknown as WasmBackend, x, begin, size)
    begin[a]! += s
    return out
  })
}

/** Strings keep the stock kernels (they live outside the heap). */
export const numeric =
  (kernelFunc: KernelFunc, stock: KernelFunc | undefined): KernelFunc =>
  (args) => {
    const first = Object.values(args.inputs)[0] as TensorInfo
    if (first.dtype === 'string' && stock) return stock(args)
    return kernelFunc(args)
  }

export const sliceConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'Slice',
  backendName,
  kernelFunc: numeric(sliceKernel, stock),
})

export const unpackConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'Unpack',
  backendName,
  kernelFunc: numeric(unpackKernel, stock),
})

export const splitVConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'SplitV',
  backendName,
  kernelFunc: numeric(splitVKernel, stock),
})
