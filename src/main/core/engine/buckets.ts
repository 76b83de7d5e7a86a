/**
 * Length bucketing for recurrent and convolutional models: a recurrent layer runs one step per column of
 * its batch, and a convolution one window, so a batch of short reviews padded to 400 runs 400 steps. Each epoch's seeded order is cut into pools
 * of `poolBatches` batches, each pool sorted by length and cut into batches, and the batches
 * shuffled: every example once per epoch, batches of similar lengths, and a batch is padded only to
 * its longest (on the preset's padding side, see `batchRows`).
 */
import type { TrainConfig } from '../../../shared/training/config'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { seededRandom } from '../datasets/splits'
import { epochOrder } from './random'

/** Whether the run's batches come from length buckets: asked for, and a kind that reads the setting. */
export const usesBuckets = (config: TrainConfig): boolean =>
  config.lengthBuckets && modelKindSpec(config.model).fields.includes('lengthBuckets')

/** Batches per pool: enough neighbours of similar length, while the batches still mix the epoch's examples. */
const poolBatches = 50

/**
 * The epoch's order with consecutive runs of `batchSize` forming the batches: within pools of the
 * seeded permutation, sorted by length (ties by their place in the permutation), then the full batches
 * shuffled by their own seeded stream; a last, smaller batch stays last.
 */
export function bucketedOrder(lengths: ArrayLike<number>, batchSize: number, seed: number, epoch: number): Int32Array {
  const order = epochOrder(lengths.length, seed, epoch)
  const n = order.length
  const rank = new Int32Array(n)
  order.forEach((example, i) => (rank[example] = i))
  const pool = batchSize * poolBatches
  for (let from = 0; from < n; from += pool) {
    const part = order.subarray(from, Math.min(n, from + pool))
    part.sort((a, b) => lengths[a]! - lengths[b]! || rank[a]! - rank[b]!)
  }
  const full = Math.floor(n / batchSize)
  const batches = Int32Array.from({ length: full }, (_, i) => i)
  const random = seededRandom((seed * 1_000_003 + epoch * 7919 + 104_729) >>> 0)
  for (let i = full - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[batches[i], batches[j]] = [batches[j]!, batches[i]!]
  }
  const out = new Int32Array(n)
  batches.forEach((b, i) => out.set(order.subarray(b * batchSize, (b + 1) * batchSize), i * batchSize))
  out.set(order.subarray(full * batchSize), full * batchSize)
  return out
}

/**
 * The steps a batch needs: its longest example's length (at least 1) and the kind's `padding` past it,
 * at most the rows' width.
 */
export function batchLength(
  lengths: ArrayLike<number>,
  order: Int32Array,
  from: number,
  to: number,
  padding = 0,
  width = Infinity,
): number {
  let longest = 1
  for (let i = from; i < to; i++) longest = Math.max(longest, lengths[order[i]!]!)
  return Math.min(longest + padding, width)
}

/** The padding a kind's bucketed batches keep past their longest example (`ModelKindSpec.bucketPadding`). */
export const bucketPadding = (config: TrainConfig): number => modelKindSpec(config.model).bucketPadding?.(config) ?? 0
