import { describe, expect, it } from 'vitest'
import { groupBand, metricCurve, smooth } from '../../src/shared/compare-curves'
import type { RunHistory } from '../../src/shared/training/results'

// Two epochs of 2 steps each, 10 s and 30 s long; one validation per epoch.
const step = (s: number, epoch: number, loss: number) => ({
  step: s,
  epoch,
  loss,
  accuracy: 1 - loss,
  learningRate: 0.1,
  samplesPerSec: 100,
})
const history: RunHistory = {
  steps: [step(1, 1, 0.9), step(2, 1, 0.7), step(3, 2, 0.5), step(4, 2, 0.4)],
  epochs: [
    { epoch: 1, trainLoss: 0.8, trainAccuracy: 0.2, valLoss: 0.75, valAccuracy: 0.3, durationMs: 10_000 },
    { epoch: 2, trainLoss: 0.45, trainAccuracy: 0.55, valLoss: 0.6, valAccuracy: 0.5, durationMs: 30_000 },
  ],
  validations: [
    { step: 2, epoch: 1, loss: 0.75, accuracy: 0.3 },
    { step: 4, epoch: 2, loss: 0.6, accuracy: 0.5 },
  ],
  log: [],
}

describe('compare curves', () => {
  it('put a metric against the step, the fractional epoch or the wall time', () => {
    expect(metricCurve(history, 'loss', 'step')).toEqual({ x: [1, 2, 3, 4], y: [0.9, 0.7, 0.5, 0.4] })
    expect(metricCurve(history, 'loss', 'epoch').x).toEqual([0.5, 1, 1.5, 2])
    expect(metricCurve(history, 'loss', 'time').x).toEqual([5, 10, 25, 40])
    expect(metricCurve(history, 'valAccuracy', 'time')).toEqual({ x: [10, 40], y: [0.3, 0.5] })
  })

  it('smooth with a debiased moving average', () => {
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3])
    // w = 0.5: averages 0.5, 1.25, 2.125 over 0.5, 0.75, 0.875
    const s = smooth([1, 2, 3], 0.5)
    expect(s[0]).toBeCloseTo(1)
    expect(s[1]).toBeCloseTo(1.25 / 0.75)
    expect(s[2]).toBeCloseTo(2.125 / 0.875)
  })
})

describe('a group of repeats', () => {
  it('is its mean with a band of one standard deviation, other curves read at the first one’s x', () => {
    const band = groupBand([
      { x: [1, 2, 3], y: [1, 2, 3] },
      { x: [1, 3], y: [3, 5] }, // at x = 2: 4
      { x: [], y: [] },
    ])
    expect(band.x).toEqual([1, 2, 3])
    expect(band.mean).toEqual([2, 3, 4])
    expect(band.lower).toEqual([1, 2, 3])
    expect(band.upper).toEqual([3, 4, 5])
  })
})
