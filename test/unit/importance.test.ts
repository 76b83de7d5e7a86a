import { describe, expect, it } from 'vitest'
import { importance, pearson } from '../../src/shared/importance'

describe('setting importance', () => {
  it("is Pearson's correlation (hand-computed)", () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12)
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12)
    // x = 1, 2, 3, 4; y = 1, 3, 2, 4: sxy = 4, sxx = 5, syy = 5 → 0.8
    expect(pearson([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(0.8, 12)
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNull()
    expect(pearson([1, 2], [1, 2])).toBeNull()
  })

  it('ranks numeric settings by the size of their correlation, leaving out runs without the metric', () => {
    const rows = [
      { values: { lr: 0.1, dim: 50, optimizer: 'adam' }, metric: 0.9 },
      { values: { lr: 0.01, dim: 100, optimizer: 'sgd' }, metric: 0.8 },
      { values: { lr: 0.001, dim: 50, optimizer: 'adam' }, metric: 0.7 },
      { values: { lr: 1, dim: 100, optimizer: 'adam' }, metric: null },
    ]
    const ranked = importance(rows, ['dim', 'lr', 'optimizer'])
    expect(ranked.map((r) => [r.key, r.runs])).toEqual([
      ['lr', 3],
      ['dim', 3],
    ])
    expect(ranked[0]!.correlation).toBeGreaterThan(0.8)
    expect(ranked[1]!.correlation).toBeCloseTo(0, 12)
  })
})
