/**
 * NBSVM's arithmetic on a corpus small enough to compute by hand: the log-count ratios, the SVM
 * against a different solver of the same objective, the interpolation, and a prediction.
 */
import { describe, expect, it } from 'vitest'
import {
  beatsByMoreThanChance,
  binaryRows,
  fitL2Svm,
  interpolate,
  joinRows,
  logCountRatios,
  upperNormalQuantile,
  type BinaryRows,
} from '../../src/main/core/engine/nbsvm-fit'
import { fitTemperature } from '../../src/main/core/engine/nbsvm'
import { keepDistinct } from '../../src/shared/ngrams'

// Rows of width 4 over a table of 7 rows (0 = padding, 1 = unknown word, 2..6 features); feature 2
// twice in the first example counts once.
const x = Int32Array.from([2, 3, 2, 0, 2, 4, 0, 0, 3, 5, 0, 0, 5, 6, 0, 0])
const positive = Uint8Array.from([1, 1, 0, 0])
const y = Int8Array.from([1, 1, -1, -1])
const identity = (n: number) => () => Int32Array.from({ length: n }, (_, i) => i)

describe('NBSVM', () => {
  const rows = binaryRows(x, 4, 4)

  it('reads each feature once per example, padding left out', () => {
    expect([...rows.offsets]).toEqual([0, 2, 4, 6, 8])
    expect([...rows.features]).toEqual([2, 3, 2, 4, 3, 5, 5, 6])
    const row = Int32Array.from([9, 2, 9, 0, 2, 7])
    keepDistinct(row, 0, 6)
    expect([...row]).toEqual([2, 7, 9, 0, 0, 0])
  })

  it('computes the log-count ratios by hand: r = log((p/|p|) / (q/|q|)), alpha 1', () => {
    // p = 1 + positive counts: f2 3, f3 2, f4 2, f5 1, f6 1 (|p| 9); q: f2 1, f3 2, f4 1, f5 3, f6 2 (|q| 9).
    const { r, seen } = logCountRatios(rows, positive, 7)
    const expected = [0, 0, Math.log(3), 0, Math.log(2), Math.log(1 / 3), Math.log(1 / 2)]
    expected.forEach((v, f) => expect(r[f]).toBeCloseTo(v, 6))
    expect([...seen]).toEqual([0, 0, 1, 1, 1, 1, 1])
  })

  it("solves the L2-loss SVM's objective, as plain gradient descent on the primal finds it", () => {
    const { r } = logCountRatios(rows, positive, 7)
    const C = 1
    const fit = fitL2Svm(rows, r, y, C, { maxPasses: 10_000, epsilon: 1e-9, order: identity(4) })
    expect(fit.converged).toBe(true)
    // min ½(|w|² + b²) + C Σ max(0, 1 − y(w·(r∘x) + b))², differentiable: descend its gradient.
    const w = new Float64Array(7)
    let b = 0
    for (let iter = 0; iter < 20_000; iter++) {
      const gw = Float64Array.from(w)
      let gb = b
      for (let i = 0; i < 4; i++) {
        let s = b
        for (let k = rows.offsets[i]!; k < rows.offsets[i + 1]!; k++) s += w[rows.features[k]!]! * r[rows.features[k]!]!
        const slack = Math.max(0, 1 - y[i]! * s)
        for (let k = rows.offsets[i]!; k < rows.offsets[i + 1]!; k++)
          gw[rows.features[k]!]! -= 2 * C * slack * y[i]! * r[rows.features[k]!]!
        gb -= 2 * C * slack * y[i]!
      }
      for (let f = 0; f < 7; f++) w[f]! -= 0.05 * gw[f]!
      b -= 0.05 * gb
    }
    for (let f = 0; f < 7; f++) expect(fit.w[f]).toBeCloseTo(w[f]!, 4)
    expect(fit.b).toBeCloseTo(b, 4)
  })

  it('interpolates toward the mean weight (beta), and predicts a new text', () => {
    const ratios = logCountRatios(rows, positive, 7)
    const fit = { w: Float32Array.from([0, 0, 0.5, 0.2, 0.3, -0.4, -0.1]), b: 0.1, passes: 1, converged: true }
    // w̄ = (0.5 + 0.2 + 0.3 + 0.4 + 0.1) / 5 = 0.3; w' = 0.75 · 0.3 + 0.25 w; weight = r · w'.
    const { weights, bias } = interpolate(fit, ratios, 0.25, 1)
    expect(weights[2]).toBeCloseTo(Math.log(3) * (0.225 + 0.125), 6)
    expect(weights[5]).toBeCloseTo(Math.log(1 / 3) * (0.225 - 0.1), 6)
    expect(weights[3]).toBe(0) // r = 0
    expect(weights[1]).toBe(0) // never seen
    expect(bias).toBeCloseTo(0.025, 6) // 0.25 b + 0.75 w̄ log(1) for balanced classes
    // "f2 f6 unknown": log 3 · 0.35 + log ½ · (0.225 − 0.025) + 0 + bias > 0: positive.
    const score = bias + weights[2]! + weights[6]! + weights[1]!
    expect(score).toBeCloseTo(Math.log(3) * 0.35 + Math.log(0.5) * 0.2 + 0.025, 6)
    expect(score).toBeGreaterThan(0)
  })

  it('separates a corpus and fits the temperature that makes its probabilities honest', () => {
    const ratios = logCountRatios(rows, positive, 7)
    const fit = fitL2Svm(rows, ratios.r, y, 1, { maxPasses: 100, order: identity(4) })
    const { weights, bias } = interpolate(fit, ratios, 0.25, 1)
    const scores = [0, 1, 2, 3].map((i) => {
      let s = bias
      for (let k = rows.offsets[i]!; k < rows.offsets[i + 1]!; k++) s += weights[rows.features[k]!]!
      return s
    })
    expect(scores.map((s) => (s > 0 ? 1 : 0))).toEqual([1, 1, 0, 0])
    // Perfectly separated labels want a large scale; flipped ones want the smallest.
    const labels = Uint16Array.from([1, 1, 0, 0])
    const table: BinaryRows = rows
    expect(fitTemperature(table, weights, Float32Array.of(bias), 1, labels)).toBeGreaterThan(100)
    expect(fitTemperature(table, weights, Float32Array.of(bias), 1, Uint16Array.from([0, 0, 1, 1]))).toBeLessThan(0.01)
  })

  it('joins two row sets, the second after the first, as one', () => {
    const more = binaryRows(Int32Array.from([6, 6, 2, 0, 0, 0, 0, 0]), 4, 2)
    const joined = joinRows(rows, more)
    expect([...joined.offsets]).toEqual([0, 2, 4, 6, 8, 10, 10])
    expect([...joined.features]).toEqual([2, 3, 2, 4, 3, 5, 5, 6, 6, 2])
  })

  it('switches setting only when the challenger wins on more examples than chance explains (McNemar)', () => {
    // Disagreements on 20 examples: 15 wins, 5 losses is z = 10 / sqrt(20) = 2.24 > 1.645.
    const right = (wins: number, losses: number, both: number) =>
      [
        Uint8Array.from([...Array(wins).fill(1), ...Array(losses).fill(0), ...Array(both).fill(1)]),
        Uint8Array.from([...Array(wins).fill(0), ...Array(losses).fill(1), ...Array(both).fill(1)]),
      ] as const
    expect(beatsByMoreThanChance(...right(15, 5, 100))).toBe(true)
    // 13 to 7 is z = 6 / sqrt(20) = 1.34: a point and a half ahead on 400 examples is still chance.
    expect(beatsByMoreThanChance(...right(13, 7, 380))).toBe(false)
    expect(beatsByMoreThanChance(...right(0, 0, 50))).toBe(false)
    expect(beatsByMoreThanChance(...right(5, 15, 100))).toBe(false)
    // The best of seven challengers is held to 5% / 7 (z 2.45): 2.24 is no longer enough, 2.5 is.
    expect(beatsByMoreThanChance(...right(15, 5, 100), 7)).toBe(false)
    expect(beatsByMoreThanChance(...right(30, 10, 100), 7)).toBe(true)
    expect(upperNormalQuantile(0.05)).toBeCloseTo(1.645, 3)
    expect(upperNormalQuantile(0.025)).toBeCloseTo(1.96, 3)
    expect(upperNormalQuantile(0.05 / 7)).toBeCloseTo(2.45, 2)
  })
})
