/**
 * The matrix-product rate of one tfjs backend (run by bench/matmul.ts, one process per backend): for
 * each `[m, k] x [k, n]` shape given as JSON, float32 products through `tf.matMul` (the op, with its
 * JavaScript bookkeeping, as a layer calls it; the result stays in the backend) repeated for about
 * half a second after one warm-up, and prints one JSON line: the backend's description and GFLOP/s
 * per shape.
 *
 *   node --import tsx bench/matmul-child.ts wasm '[[64,25000,500]]'
 */
import * as tf from '@tensorflow/tfjs'
import { useBackend } from '../src/main/core/engine/backend'
import type { BackendName } from '../src/shared/types'

async function main() {
  const [name, shapesJson] = process.argv.slice(2)
  const active = await useBackend(name as BackendName)
  const shapes = JSON.parse(shapesJson!) as [number, number, number][]
  const gflops = shapes.map(([m, k, n]) => {
    const a = tf.randomUniform([m, k])
    const b = tf.randomUniform([k, n])
    // Both backends compute an op before it returns (wasm on this thread, tfjs-node through TensorFlow's
    // synchronous eager CPU execution), so the product is not read back: reading tens of MB out of
    // tfjs-node costs more than the product, and training keeps its products in the backend too.
    const once = () => tf.matMul(a, b).dispose()
    const first = tf.matMul(a, b)
    first.dataSync()
    first.dispose()
    let reps = 0
    const t0 = performance.now()
    while (reps < 3 || performance.now() - t0 < 500) {
      once()
      reps++
    }
    const seconds = (performance.now() - t0) / 1000
    tf.dispose([a, b])
    return (2 * m * k * n * reps) / seconds / 1e9
  })
  console.log(JSON.stringify({ detail: active.detail, gflops }))
}

main().catch((err: unknown) => {
  console.error((err as Error).message)
  process.exit(1)
})
