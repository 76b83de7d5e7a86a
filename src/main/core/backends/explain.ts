/** Turns what loading a tfjs backend printed or threw into one sentence a user can act on. */
import type { BackendName } from '../../../shared/types'

export const backendPackages: Record<BackendName, string> = {
  cuda: '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
}

/** How to build each native rung's addon without the download its install attempts. */
const buildCommand: Partial<Record<BackendName, string>> = {
  cuda: 'npm run native:tensorflow-gpu (on a machine with an NVIDIA GPU)',
  tensorflow: 'npm run native:tensorflow',
}

const cudaNeeds =
  'tfjs-node-gpu needs the CUDA and cuDNN of its libtensorflow on the library path: CUDA 11.2 and cuDNN 8 for the 2.9.1 download, CUDA 12 and cuDNN 9 when built from TensorFlow 2.21'

const cudaLibrary = /lib(cudart|cudnn|cublas|cublasLt|cufft|curand|cusolver|cusparse|nvinfer|cuda)[\w.+-]*\.so[\d.]*/

/** Why `require(pkg)` failed, from the error's message and code. */
export function explainLoadError(name: BackendName, message: string, code?: string): string {
  const pkg = backendPackages[name]
  if (code === 'MODULE_NOT_FOUND' && message.includes(pkg)) {
    const build = buildCommand[name]
    return build
      ? `${pkg} is not installed: it is an optional dependency whose install downloads libtensorflow, so install it with network access (npm install ${pkg}), or offline with ${build}.`
      : `${pkg} is not installed; run npm install.`
  }
  // tfjs-node's loader, when the package is there but its install never built the binding.
  const build = buildCommand[name]
  if (build && /native addon module \(tfjs_binding\.node\) can not be found/.test(message))
    return `${pkg} is installed but its native addon was never built (its install downloads libtensorflow, which failed or was skipped): build it with ${build}, or reinstall ${pkg} with network access.`
  const cuda = message.match(cudaLibrary)
  if (cuda) return `CUDA library not found: ${cuda[0]} (${cudaNeeds}).`
  const lib = message.match(/(lib[\w.+-]+\.(so[\d.]*|dylib)|[\w.-]+\.dll)/)
  if (lib)
    return `A native library could not be loaded: ${lib[0]}. Reinstall ${pkg} (npm rebuild ${pkg})${build ? `, or rebuild it offline with ${build}` : ''}.`
  return `${pkg} failed to load: ${firstLine(message)}`
}

/**
 * tfjs-node-gpu loads and quietly runs on the CPU when TensorFlow finds no usable GPU; the reason is
 * only in its stderr ("Could not load dynamic library 'libcudnn.so.8'"). Say which, so no one trains
 * on the CPU believing it is the GPU.
 */
export function explainNoGpu(stderr: string): string {
  const missing = [...stderr.matchAll(/Could not load dynamic library '([^']+)'/g)].map((m) => m[1])
  if (missing.length > 0)
    return `tfjs-node-gpu loaded, but TensorFlow could not load ${[...new Set(missing)].join(', ')}, so it would silently run on the CPU.`
  if (/no CUDA-capable device|CUDA_ERROR_NO_DEVICE|failed call to cuInit|Could not find cuda drivers/.test(stderr))
    return 'tfjs-node-gpu loaded, but no GPU is visible (cuInit found no CUDA device), so it would silently run on the CPU.'
  return 'tfjs-node-gpu loaded, but TensorFlow is not using a GPU device, so it would silently run on the CPU.'
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim()) ?? text).trim().slice(0, 300)
}
