/**
 * How much each numeric setting goes with a metric over a set of runs: Pearson's correlation, and its
 * size as the importance (W&B shows the same beside its random-forest figure). Runs without the
 * metric are left out; a setting needs two distinct values over at least three runs.
 */
export interface Importance {
  key: string
  /** −1 to 1: the sign says whether a larger value went with a larger metric. */
  correlation: number
  runs: number
}

export function pearson(x: number[], y: number[]): number | null {
  const n = x.length
  if (n < 3) return null
  const mx = x.reduce((a, b) => a + b, 0) / n
  const my = y.reduce((a, b) => a + b, 0) / n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my)
    sxx += (x[i]! - mx) ** 2
    syy += (y[i]! - my) ** 2
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy)
}

/** Each numeric key's correlation with the metric, strongest first. */
export function importance(
  rows: { values: Record<string, unknown>; metric: number | null }[],
  keys: string[],
): Importance[] {
  const scored = rows.filter((r): r is { values: Record<string, unknown>; metric: number } => r.metric !== null)
  const out: Importance[] = []
  for (const key of keys) {
    const pairs = scored.filter((r) => typeof r.values[key] === 'number')
    const r = pearson(
      pairs.map((p) => p.values[key] as number),
      pairs.map((p) => p.metric),
    )
    if (r !== null) out.push({ key, correlation: r, runs: pairs.length })
  }
  return out.sort((a, b) => Math.abs(b.correlation) - Math.abs(a.correlation))
}
