/** Token-count figures for choosing a maximum sequence length. */
import type { LengthStats } from '../../../shared/datasets'

export function lengthStats(lengths: Uint32Array, maxLen: number, bins = 20): LengthStats {
  const n = lengths.length
  if (n === 0) return { mean: 0, median: 0, p90: 0, p95: 0, max: 0, fitShare: 1, histogram: { edges: [0], counts: [] } }
  const sorted = Uint32Array.from(lengths).sort()
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * n))]!
  let sum = 0
  let fit = 0
  for (const l of lengths) {
    sum += l
    if (l <= maxLen) fit++
  }
  // Bins span 0..p99 so a few very long reviews do not squash the rest; the last bin takes the tail.
  const top = Math.max(1, q(0.99))
  const width = Math.max(1, Math.ceil(top / bins))
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * width)
  const counts = new Array<number>(bins).fill(0)
  for (const l of lengths) counts[Math.min(bins - 1, Math.floor(l / width))]!++
  return {
    mean: sum / n,
    median: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    max: sorted[n - 1]!,
    fitShare: fit / n,
    histogram: { edges, counts },
  }
}
