/**
 * Puts a training process on one tfjs backend: loads its package, selects it, registers this
 * project's kernels for it, and on cuda checks that TensorFlow really found a GPU (tfjs-node-gpu
 * falls back to the CPU silently, a known complaint): no GPU there is an error, not a slow run.
 */
import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'
import type { BackendName } from '../../../shared/types'
import { backendPackages, explainLoadError } from '../backends/explain'
import { registerTrainingKernels } from './kernels'
import { setWasmFiles } from './wasm-files'

const load = createRequire(__filename)

export interface ActiveBackend {
  name: BackendName
  /** What runs the math, for the log and the run record. */
  detail: string
}

export async function useBackend(name: BackendName): Promise<ActiveBackend> {
  try {
    load(backendPackages[name])
    if (name === 'wasm') setWasmFiles()
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new Error(`The ${name} backend cannot be used: ${explainLoadError(name, e.message, e.code)}`)
  }
  const tfName = name === 'cuda' ? 'tensorflow' : name
  if (!(await tf.setBackend(tfName))) throw new Error(`The ${name} backend failed to start (tf.setBackend).`)
  await tf.ready()
  registerTrainingKernels(tfName)
  if (name === 'cuda') {
    const gpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true
    if (!gpu)
      throw new Error(
        'The cuda backend loaded but TensorFlow found no usable GPU (driver, CUDA 11 or cuDNN 8 missing), so it would silently train on the CPU. Choose the tensorflow backend for the native CPU, or fix the CUDA install (see Info).',
      )
    return { name, detail: 'TensorFlow on the GPU (CUDA)' }
  }
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
    return { name, detail: `WebAssembly, SIMD ${simd ? 'on' : 'off'}` }
  }
  return { name, detail: name === 'tensorflow' ? 'TensorFlow native CPU' : 'plain JavaScript CPU' }
}
