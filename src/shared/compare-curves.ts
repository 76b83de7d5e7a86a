/**
 * One metric of a run as x, y points for the compare chart: against the step, the epoch (fractional
 * within each epoch) or the wall time (each epoch's recorded duration spread over its steps), with
 * TensorBoard's debiased exponential smoothing. Pure, for the renderer; tested under Node.
 */
import type { RunHistory } from './training/results'

export const curveMetrics = {
  loss: 'Training loss',
  accuracy: 'Training accuracy',
  valLoss: 'Validation loss',
  valAccuracy: 'Validation accuracy',
  learningRate: 'Learning rate',
  samplesPerSec: 'Throughput (samples/s)',
} as const
export type CurveMetric = keyof typeof curveMetrics
export const curveAxes = { step: 'step', epoch: 'epoch', time: 'seconds' } as const
export type CurveAxis = keyof typeof curveAxes

/** Maps a step of epoch e to the chosen x. */
function xMapper(h: RunHistory, axis: CurveAxis): (step: number, epoch: number) => number {
  if (axis === 'step') return (step) => step
  const first = new Map<number, number>()
  const last = new Map<number, number>()
  for (const s of h.steps) {
    if (!first.has(s.epoch)) first.set(s.epoch, s.step)
    last.set(s.epoch, s.step)
  }
  const within = (step: number, epoch: number) => {
    const a = first.get(epoch)
    const b = last.get(epoch)
    return a === undefined || b === undefined ? 1 : Math.min(1, (step - a + 1) / (b - a + 1))
  }
  if (axis === 'epoch') return (step, epoch) => epoch - 1 + within(step, epoch)
  const durations = new Map(h.epochs.map((e) => [e.epoch, e.durationMs]))
  const mean = h.epochs.length ? h.epochs.reduce((a, e) => a + e.durationMs, 0) / h.epochs.length : 0
  const starts = new Map<number, number>()
  let t = 0
  const maxEpoch = Math.max(0, ...first.keys(), ...durations.keys())
  for (let e = 1; e <= maxEpoch; e++) {
    starts.set(e, t)
    t += durations.get(e) ?? mean
  }
  return (step, epoch) => ((starts.get(epoch) ?? 0) + within(step, epoch) * (durations.get(epoch) ?? mean)) / 1000
}

export function metricCurve(h: RunHistory, metric: CurveMetric, axis: CurveAxis): { x: number[]; y: number[] } {
  const x: number[] = []
  const y: number[] = []
  const toX = xMapper(h, axis)
  if (metric === 'valLoss' || metric === 'valAccuracy') {
    for (const v of h.validations) {
      x.push(toX(v.step, v.epoch))
      y.push(metric === 'valLoss' ? v.loss : v.accuracy)
    }
  } else {
    for (const s of h.steps) {
      x.push(toX(s.step, s.epoch))
      y.push(s[metric])
    }
  }
  return { x, y }
}

/** Exponential moving average with weight w in [0, 1), debiased so the start is not pulled to 0. */
export function smooth(y: number[], w: number): number[] {
  if (w <= 0) return y
  let avg = 0
  return y.map((v, i) => {
    avg = avg * w + (1 - w) * v
    return avg / (1 - w ** (i + 1))
  })
}

/** y at x on a curve sorted by x, linearly between points (held flat past either end). */
function at(c: { x: number[]; y: number[] }, x: number): number {
  const { x: xs, y: ys } = c
  if (x <= xs[0]!) return ys[0]!
  if (x >= xs[xs.length - 1]!) return ys[ys.length - 1]!
  let lo = 0
  let hi = xs.length - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! <= x) lo = mid
    else hi = mid
  }
  const f = (x - xs[lo]!) / (xs[hi]! - xs[lo]! || 1)
  return ys[lo]! + f * (ys[hi]! - ys[lo]!)
}

/**
 * A group of runs (repeats with other seeds) as its mean and a band of ± one standard deviation
 * (population), on the first curve's x values, the others read there.
 */
export function groupBand(curves: { x: number[]; y: number[] }[]): {
  x: number[]
  mean: number[]
  lower: number[]
  upper: number[]
} {
  const withPoints = curves.filter((c) => c.x.length > 0)
  const x = withPoints[0]?.x ?? []
  const mean: number[] = []
  const lower: number[] = []
  const upper: number[] = []
  for (const xi of x) {
    const ys = withPoints.map((c) => at(c, xi))
    const m = ys.reduce((a, b) => a + b, 0) / ys.length
    const sd = Math.sqrt(ys.reduce((a, b) => a + (b - m) ** 2, 0) / ys.length)
    mean.push(m)
    lower.push(m - sd)
    upper.push(m + sd)
  }
  return { x, mean, lower, upper }
}
