/**
 * Seeded randomness for a training process. tfjs draws the seeds of its initializers and dropout
 * masks from Math.random, so a job process replaces Math.random with a seeded generator: the same
 * seed then gives the same weights, the same masks and the same figures on the same backend.
 */
import { seededRandom } from '../datasets/splits'

export function seedMathRandom(seed: number): void {
  Math.random = seededRandom(seed)
}

/** The order of the training examples in `epoch`: its own seeded permutation, so a resumed run replays it. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const random = seededRandom((seed * 1_000_003 + epoch * 7919) >>> 0)
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return order
}
