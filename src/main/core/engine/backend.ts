/**
 * Puts a training process on one tfjs backend: loads its package, selects it, registers this
 * project's kernels for it, and on cuda checks that TensorFlow really found a GPU (tfjs-node-gpu
 * falls back to the CPU silently, a known complaint): no GPU there is an error, not a slow run.
 */
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'
import type { BackendName } from '../../../shared/types'
import { backendPackages, explainLoadError } from '../backends/explain'
import type { ThreadSettings } from '../../../shared/types'
import { applyThreadSettings, describeThreads, tensorflowVersion } from '../backends/native'
import { registerTrainingKernels } from './kernels'
import { setWasmFiles } from './wasm-files'

const load = createRequire(__filename)

export interface ActiveBackend {
  name: BackendName
  /** What runs the math, with its version and threads, for the log and the run record. */
  detail: string
  /** The library that runs the math: "TensorFlow 2.21.0" on the native rungs, else "tfjs 4.22.0". */
  library: string
  /** The native rungs' thread pools; null where tfjs computes on one thread (wasm and cpu in Node). */
  threads: ThreadSettings | null
}

/**
 * `smallSteps`: a training job of small recurrent steps (`smallRecurrentSteps`), which on the native CPU
 * rung runs with one intra-op thread fewer than the cores unless the threads are set.
 */
export async function useBackend(name: BackendName, smallSteps = false): Promise<ActiveBackend> {
  const native = name === 'cuda' || name === 'tensorflow'
  // TensorFlow reads its thread settings when the package creates its context, on require.
  const threads = native ? applyThreadSettings(process.env, { smallSteps: smallSteps && name === 'tensorflow' }) : null
  try {
    load(backendPackages[name])
    if (name === 'wasm') setWasmFiles()
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new Error(`The ${name} backend cannot be used: ${explainLoadError(name, e.message, e.code)}`)
  }
  const tfName = native ? 'tensorflow' : name
  if (!(await tf.setBackend(tfName))) throw new Error(`The ${name} backend failed to start (tf.setBackend).`)
  await tf.ready()
  registerTrainingKernels(tfName)
  if (threads) {
    const library = `TensorFlow ${tensorflowVersion(tf.backend()) ?? 'unknown'}`
    if (name === 'cuda') {
      const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true
      if (!gpu)
        throw new Error(
          'The cuda backend loaded but TensorFlow found no usable GPU (driver, CUDA or cuDNN libraries missing), so it would silently train on the CPU. Choose the tensorflow backend for the native CPU, or fix the CUDA install (see Info).',
        )
    }
    const where = name === 'cuda' ? 'on the GPU (CUDA)' : 'native CPU'
    return { name, library, threads, detail: `${library} ${where}, ${describeThreads(threads)}` }
  }
  const library = `tfjs ${tf.version_core}`
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
    return { name, library, threads, detail: `WebAssembly, SIMD ${simd ? 'on' : 'off'}` }
  }
  return { name, library, threads, detail: 'plain JavaScript CPU' }
}
