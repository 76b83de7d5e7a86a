/**
 * Loads one tfjs backend and runs a small op on it. Runs in a probe process of its own, because the
 * two native packages cannot share a process and a broken native library may crash it.
 */
import { createRequire } from 'node:module'
import type { BackendName, BackendStatus } from '../../../shared/types'
import { backendPackages, explainLoadError } from './explain'

type Tf = typeof import('@tensorflow/tfjs')
const load = createRequire(__filename)

/** Whether the probe found the GPU in use (only meaningful for cuda). */
export interface ProbeResult extends BackendStatus {
  gpu?: boolean
}

export async function probeBackend(name: BackendName): Promise<ProbeResult> {
  let tf: Tf
  try {
    tf = load(backendPackages[name]) as Tf
    if (name === 'wasm') tf = load('@tensorflow/tfjs') as Tf
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return { name, available: false, reason: explainLoadError(name, e.message, e.code), detail: null }
  }
  try {
    const backend = name === 'cuda' ? 'tensorflow' : name
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`)
    await tf.ready()
    const sum = tf.tidy(
      () =>
        tf
          .matMul(tf.ones([8, 8]), tf.ones([8, 8]))
          .sum()
          .dataSync()[0],
    )
    if (sum !== 512) throw new Error(`a test matrix product gave ${sum} instead of 512`)
    return { name, available: true, reason: null, detail: await describe(tf, name), gpu: usingGpu(tf) }
  } catch (err) {
    return {
      name,
      available: false,
      reason: `${backendPackages[name]} loaded but failed: ${(err as Error).message}`,
      detail: null,
    }
  }
}

function usingGpu(tf: Tf): boolean {
  return (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true
}

async function describe(tf: Tf, name: BackendName): Promise<string> {
  const version = tf.version_core
  switch (name) {
    case 'cuda':
      return `TensorFlow on the GPU (tfjs ${version})`
    case 'tensorflow':
      return `TensorFlow native CPU (tfjs ${version})`
    case 'wasm': {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')
      return `WebAssembly, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'} (tfjs ${version})`
    }
    case 'cpu':
      return `plain JavaScript (tfjs ${version}); slow, for when nothing else loads`
  }
}
