/**
 * Loads one tfjs backend and runs a small op on it. Runs in a probe process of its own, because the
 * two native packages cannot share a process and a broken native library may crash it.
 */
import { createRequire } from 'node:module'
import type { BackendName, BackendStatus, ThreadSettings } from '../../../shared/types'
import { backendPackages, explainLoadError } from './explain'
import { applyThreadSettings, describeThreads, tensorflowVersion } from './native'
import { setWasmFiles } from '../engine/wasm-files'

type Tf = typeof import('@tensorflow/tfjs')
const load = createRequire(__filename)

/** Whether the probe found the GPU in use (only meaningful for cuda). */
export interface ProbeResult extends BackendStatus {
  gpu?: boolean
}

const unavailable = (name: BackendName, reason: string): ProbeResult => ({
  name,
  available: false,
  reason,
  detail: null,
  version: null,
  threads: null,
})

export async function probeBackend(name: BackendName): Promise<ProbeResult> {
  const native = name === 'cuda' || name === 'tensorflow'
  let threads: ThreadSettings | null = null
  let tf: Tf
  try {
    if (native) threads = applyThreadSettings()
  } catch (err) {
    return unavailable(name, (err as Error).message)
  }
  try {
    tf = load(backendPackages[name]) as Tf
    if (name === 'wasm') {
      tf = load('@tensorflow/tfjs') as Tf
      setWasmFiles() // the probe must find the binaries where training will (app.asar.unpacked when packaged)
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return unavailable(name, explainLoadError(name, e.message, e.code))
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
    const version = native ? `TensorFlow ${tensorflowVersion(tf.backend()) ?? 'unknown'}` : `tfjs ${tf.version_core}`
    return {
      name,
      available: true,
      reason: null,
      detail: await describe(tf, name, version),
      version,
      threads: threads ? describeThreads(threads) : '1',
      gpu: usingGpu(tf),
    }
  } catch (err) {
    return unavailable(name, `${backendPackages[name]} loaded but failed: ${(err as Error).message}`)
  }
}

function usingGpu(tf: Tf): boolean {
  return (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true
}

async function describe(tf: Tf, name: BackendName, version: string): Promise<string> {
  const tfjs = `tfjs ${tf.version_core}`
  switch (name) {
    case 'cuda':
      return `${version} on the GPU (${tfjs})`
    case 'tensorflow':
      return `${version} native CPU (${tfjs})`
    case 'wasm': {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')
      return `WebAssembly, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'} (${tfjs})`
    }
    case 'cpu':
      return `plain JavaScript (${tfjs}); slow, for when nothing else loads`
  }
}
