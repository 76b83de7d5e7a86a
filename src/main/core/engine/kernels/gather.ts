/**
 * GatherV2 for the wasm backend: whole rows copied within the heap. The backend's own walks the output
 * element by element, working out each one's source index: gathering 25,000 rows of 50 floats took
 * 36 ms, most of a kim-cnn step's backward pass (`conv-max.ts` takes each filter's window that way).
 * Batch dimensions and string tensors keep the stock kernel.
 */
import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs'
import { numeric, type WasmBackend } from './slice'

const gatherKernel =
  (stock: KernelFunc | undefined): KernelFunc =>
  (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo }
    const { axis, batchDims } = args.attrs as unknown as { axis: number; batchDims: number }
    if (batchDims && stock) return stock(args)
    const backend = args.backend as unknown as WasmBackend
    const [a] = util.parseAxisParam(axis, x.shape) as [number]
    const rows = x.shape[a]!
    const outer = util.sizeFromShape(x.shape.slice(0, a))
    const inner = util.sizeFromShape(x.shape.slice(a + 1))
    const count = util.sizeFromShape(indices.shape)
    const out = backend.makeOutput([...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)], x.dtype)
    // Views after makeOutput (a heap that grew would detach earlier ones); one view of the whole heap
    // in the tensors' element type, so that each row is one copyWithin and no subarray is made.
    const [from, to] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out)]
    const ids = backend.typedArrayFromHeap(indices)
    const heap = new (from.constructor as Float32ArrayConstructor)(from.buffer)
    const [source, target] = [from.byteOffset, to.byteOffset].map((b) => b / from.BYTES_PER_ELEMENT) as [number, number]
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < count; j++) {
        const row = ids[j]!
        if (!(row >= 0 && row < rows)) throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`)
        const start = source + (o * rows + row) * inner
        heap.copyWithin(target + (o * count + j) * inner, start, start + inner)
      }
    return out
  }

export const gatherConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'GatherV2',
  backendName,
  kernelFunc: numeric(gatherKernel(stock), stock),
})
