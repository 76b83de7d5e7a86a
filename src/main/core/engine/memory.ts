/**
 * How many examples one forward and backward pass may hold. A recurrent layer keeps every time step's
 * activations for its backward pass: the Amazon LSTM (2 x 512 units, 200 steps, batch 400) needs
 * about 8 GB at once, far past WebAssembly's 4 GB address space, and wasm aborts. On wasm and cpu a
 * batch is therefore split into micro-batches whose gradients are summed before the one update, which
 * gives the same step. The native backends manage their own memory and take the whole batch.
 */
import { directions, recurrentGates, type TrainConfig } from '../../../shared/training'
import type { BackendName } from '../../../shared/types'

/**
 * What one pass may keep on wasm and cpu, leaving room for the weights and data: 768 MB, or
 * SENTIMENT_STUDIO_PASS_MEMORY_MB (a machine with little memory, or a test that wants micro-batches).
 */
export const passMemoryEnv = 'SENTIMENT_STUDIO_PASS_MEMORY_MB'
const budgetBytes = () => (Number(process.env[passMemoryEnv]) || 768) * 2 ** 20

/** A generous estimate of the bytes one example's pass keeps until its backward pass. */
export function bytesPerExample(config: TrainConfig, width: number): number {
  const floats = 4
  const embedded = width * config.embeddingDim * 3
  if (directions(config) > 0) {
    // Per step and layer, kept for the backward pass: products, gate pre-activations and activations,
    // states, and their gradients while it runs (about twice what an LSTM of 512 was measured to need).
    const perStep = config.hiddenUnits * (recurrentGates[config.model] * 12 + 16) * directions(config)
    return (embedded + width * perStep * config.layers) * floats
  }
  switch (config.model) {
    case 'cnn':
      return (
        (embedded +
          config.filterSizes.reduce((a, w) => a + width * (w * config.embeddingDim + 3 * config.filters), 0)) *
        floats
      )
    default:
      return (embedded + config.denseUnits * 3) * floats
  }
}

/** How many of `wanted` examples one pass may take: all on the native backends, else within the budget. */
export function passSize(config: TrainConfig, width: number, backend: BackendName, wanted: number): number {
  if (backend === 'cuda' || backend === 'tensorflow') return wanted
  return Math.max(1, Math.min(wanted, Math.floor(budgetBytes() / bytesPerExample(config, width))))
}
