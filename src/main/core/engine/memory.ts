/**
 * How many examples one forward and backward pass may hold. A recurrent layer keeps every time step's
 * activations for its backward pass: the Amazon LSTM (2 x 512 units, 200 steps, batch 400) is
 * estimated at 6.6 GB at once even with the whole-sequence kernels (`recurrent/`), past WebAssembly's
 * 4 GB address space, where wasm aborts. On wasm and cpu a
 * batch is therefore split into micro-batches whose gradients are summed before the one update, which
 * gives the same step. The native backends manage their own memory and take the whole batch. Each
 * model kind's estimate per example is in its spec (`shared/training/model-kinds.ts`).
 */
import type { TrainConfig } from '../../../shared/training/config'
import { bytesPerExample } from '../../../shared/training/size'
import type { BackendName } from '../../../shared/types'

/**
 * What one pass may keep on wasm and cpu, leaving room for the weights and data: 768 MB, or
 * SENTIMENT_STUDIO_PASS_MEMORY_MB (a machine with little memory, or a test that wants micro-batches).
 */
export const passMemoryEnv = 'SENTIMENT_STUDIO_PASS_MEMORY_MB'
const budgetBytes = () => (Number(process.env[passMemoryEnv]) || 768) * 2 ** 20

/** How many of `wanted` examples one pass may take: all on the native backends, else within the budget. */
export function passSize(config: TrainConfig, width: number, backend: BackendName, wanted: number): number {
  if (backend === 'cuda' || backend === 'tensorflow') return wanted
  return Math.max(1, Math.min(wanted, Math.floor(budgetBytes() / bytesPerExample(config, width))))
}
