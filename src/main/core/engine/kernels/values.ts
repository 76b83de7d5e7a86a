/** Reading inputs and making outputs in a kernel, the same way on the wasm and the plain CPU backends. */
import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs'

interface ReadableBackend {
  readSync(dataId: object): ArrayLike<number>
}
interface WasmBackend {
  typedArrayFromHeap(t: TensorInfo): unknown
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: Float32Array | Int32Array): TensorInfo
}
interface CpuBackend {
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo
}

export function readValues(backend: KernelBackend | object, t: TensorInfo): Float32Array | Int32Array {
  return (backend as ReadableBackend).readSync(t.dataId) as Float32Array | Int32Array
}

export function writeValues(
  backend: KernelBackend | object,
  shape: number[],
  dtype: DataType,
  values: Float32Array | Int32Array,
): TensorInfo {
  const b = backend as Partial<WasmBackend & CpuBackend>
  // The CPU backend has a makeOutput too, with another signature: tell wasm by its heap.
  if (b.typedArrayFromHeap && b.makeOutput) return b.makeOutput(shape, dtype, undefined, values)
  if (b.makeTensorInfo) return b.makeTensorInfo(shape, dtype, values)
  throw new Error('This tfjs backend cannot take kernel outputs from JavaScript.')
}

/**
 * A float32 tensor's own storage, to read or write in place: a view on the wasm heap (valid until the
 * next allocation may grow the heap) or the CPU backend's array.
 */
export function storage(backend: KernelBackend | object, t: TensorInfo): Float32Array {
  const b = backend as Partial<WasmBackend>
  const values = b.typedArrayFromHeap ? b.typedArrayFromHeap(t) : readValues(backend, t)
  if (!(values instanceof Float32Array)) throw new Error(`Expected float32 storage, got ${t.dtype}.`)
  return values
}
