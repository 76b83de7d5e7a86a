/**
 * BatchMatMul for the wasm backend: its products with a transposed operand are several times slower
 * than plain ones, and every matrix product's gradient asks for one (a recurrent layer's backward pass
 * does 800 of them per sequence of 400). Transposing the operand first (a fast copy) and multiplying
 * plainly gives the same result.
 */
import { getKernel, type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs'

export const batchMatMulConfig = (backendName: string, stock?: KernelFunc): KernelConfig => ({
  kernelName: 'BatchMatMul',
  backendName,
  kernelFunc: (args) => {
    const { inputs, attrs, backend } = args
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean }
    if (!stock) throw new Error(`The ${backendName} backend has no BatchMatMul to build on.`)
    if (!transposeA && !transposeB) return stock(args)
    const transpose = getKernel('Transpose', backendName)!.kernelFunc
    const temporaries: TensorInfo[] = []
    const plain = (t: TensorInfo, flip: boolean) => {
      if (!flip) return t
      const perm = t.shape.map((_, i) => i)
      perm.push(...perm.splice(-2).reverse())
      const out = transpose({ inputs: { x: t }, attrs: { perm }, backend }) as TensorInfo
      temporaries.push(out)
      return out
    }
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo }
    const product = stock({
      inputs: { a: plain(a, transposeA), b: plain(b, transposeB) },
      attrs: { ...attrs, transposeA: false, transposeB: false },
      backend,
    })
    for (const t of temporaries) (backend as KernelBackend).disposeData(t.dataId)
    return product
  },
})
