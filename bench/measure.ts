/** Timing and peak-memory helpers for benchmarks. Peak memory is sampled RSS above a baseline taken just before the work. */
export interface Measured<T> {
  value: T
  seconds: number
  peakRssAboveBaselineMb: number
}

export async function measure<T>(work: () => Promise<T>): Promise<Measured<T>> {
  global.gc?.()
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  const t0 = performance.now()
  try {
    const value = await work()
    peak = Math.max(peak, process.memoryUsage().rss)
    return { value, seconds: (performance.now() - t0) / 1000, peakRssAboveBaselineMb: (peak - baseline) / 2 ** 20 }
  } finally {
    clearInterval(sampler)
  }
}

export const mb = (bytes: number) => bytes / 2 ** 20
