/**
 * One time step's recurrent product, rows [B, K] times a fixed weight [K, N], through the backend's own
 * BatchMatMul kernel on its own memory: no tensor, no tape entry, no tfjs bookkeeping per step. The
 * rows are copied in from the caller's buffers and the product copied out, each a few thousand floats.
 */
import { getBackend, getKernel, type KernelBackend, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs'
import { storage, writeValues } from '../kernels/values'

export class StepProduct {
  private readonly input: TensorInfo
  private readonly weights: TensorInfo
  private readonly matMul: KernelFunc
  /** The last product, [B, N], the caller's to read until the next `run`. */
  readonly out: Float32Array

  constructor(
    private readonly backend: KernelBackend,
    private readonly rows: number,
    private readonly inner: number,
    weights: TensorInfo,
  ) {
    const kernel = getKernel('BatchMatMul', getBackend())
    if (!kernel) throw new Error(`The ${getBackend()} backend has no BatchMatMul kernel.`)
    this.matMul = kernel.kernelFunc
    const [k, n] = weights.shape
    if (k !== inner) throw new Error(`A step product of ${inner} columns cannot take weights of ${k} rows.`)
    this.weights = { dataId: weights.dataId, dtype: 'float32', shape: [1, k, n!] }
    this.input = writeValues(backend, [1, rows, inner], 'float32', new Float32Array(rows * inner))
    this.out = new Float32Array(rows * n!)
  }

  /** Multiplies the rows of `inner` values in `src` at `offset`, `stride` apart, by the weights. */
  run(src: Float32Array, offset: number, stride: number): Float32Array {
    const a = storage(this.backend, this.input)
    for (let r = 0; r < this.rows; r++) {
      const from = offset + r * stride
      a.set(src.subarray(from, from + this.inner), r * this.inner)
    }
    const product = this.matMul({
      inputs: { a: this.input, b: this.weights },
      attrs: { transposeA: false, transposeB: false },
      backend: this.backend,
    }) as TensorInfo
    this.out.set(storage(this.backend, product))
    this.backend.disposeData(product.dataId)
    return this.out
  }

  dispose(): void {
    this.backend.disposeData(this.input.dataId)
  }
}
