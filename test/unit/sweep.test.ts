import { describe, expect, it } from 'vitest'
import { expandGrid, parseGridAxis, parseRangeAxis, sampleRandom, sweepChanges } from '../../src/shared/training/sweep'

describe('grid sweeps', () => {
  it('parse each field by its type and expand every combination, the first field slowest', () => {
    const axes = [parseGridAxis('learningRate=0.001,0.01'), parseGridAxis('filterSizes=3,4,5;2,3')]
    expect(axes).toEqual([
      ['learningRate', [0.001, 0.01]],
      [
        'filterSizes',
        [
          [3, 4, 5],
          [2, 3],
        ],
      ],
    ])
    expect(expandGrid(axes)).toEqual([
      { learningRate: 0.001, filterSizes: [3, 4, 5] },
      { learningRate: 0.001, filterSizes: [2, 3] },
      { learningRate: 0.01, filterSizes: [3, 4, 5] },
      { learningRate: 0.01, filterSizes: [2, 3] },
    ])
  })

  it('refuse unknown fields, empty lists, repeats and grids past 100 runs, saying which', () => {
    expect(() => parseGridAxis('nope=1,2')).toThrow(/Unknown setting "nope"/)
    expect(() => parseGridAxis('epochs=')).toThrow('--grid epochs has no values.')
    expect(() => expandGrid([parseGridAxis('epochs=1'), parseGridAxis('epochs=2')])).toThrow('twice')
    const many = Array.from({ length: 11 }, (_, i) => String(i + 1)).join(',')
    expect(() => expandGrid([parseGridAxis(`epochs=${many}`), parseGridAxis(`batchSize=${many}`)])).toThrow(
      'The grid makes 121 runs; at most 100 run in one sweep.',
    )
  })
})

describe('random sweeps', () => {
  const ranges = {
    learningRate: parseRangeAxis('learningRate=1e-4:1e-1:log')[1],
    embeddingDim: parseRangeAxis('embeddingDim=16,32,64')[1],
    hiddenUnits: parseRangeAxis('hiddenUnits=10:20')[1],
  }

  it('draw the same configurations from the same seed, and others from another', () => {
    const a = sampleRandom(ranges, 20, 7)
    expect(sampleRandom(ranges, 20, 7)).toEqual(a)
    expect(sampleRandom(ranges, 20, 8)).not.toEqual(a)
    expect(a).toHaveLength(20)
    expect(Object.keys(a[0]!)).toEqual(['learningRate', 'embeddingDim', 'hiddenUnits'])
  })

  it('stay within bounds, round integer fields, pick only the choices, and spread a log range by decades', () => {
    const draws = sampleRandom(ranges, 100, 1)
    const rates = draws.map((d) => d.learningRate as number)
    const units = draws.map((d) => d.hiddenUnits as number)
    for (const r of rates) expect(r >= 1e-4 && r <= 0.1).toBe(true)
    for (const u of units) expect(Number.isInteger(u) && u >= 10 && u <= 20).toBe(true)
    expect(new Set(units).size).toBeGreaterThan(8)
    expect(new Set(draws.map((d) => d.embeddingDim))).toEqual(new Set([16, 32, 64]))
    // Log-uniform over 3 decades: about a third below 1e-3; uniform would put 1% there.
    const low = rates.filter((r) => r < 1e-3).length
    expect(low).toBeGreaterThan(15)
    expect(low).toBeLessThan(55)
    // A uniform range over the same bounds leaves almost nothing below 1e-3.
    const flat = sampleRandom({ learningRate: { min: 1e-4, max: 0.1, log: false } }, 100, 1)
    expect(flat.filter((d) => (d.learningRate as number) < 1e-3).length).toBeLessThan(5)
  })

  it('refuse bad ranges and values, naming the field', () => {
    expect(() => parseRangeAxis('learningRate=0.1:x')).toThrow('--range learningRate takes min:max')
    expect(() => parseRangeAxis('learningRate=1:2:lin')).toThrow('--range learningRate takes min:max')
    expect(() => sampleRandom({ nope: { min: 1, max: 2, log: false } }, 2, 1)).toThrow('Unknown setting "nope"')
    expect(() => sampleRandom({ optimizer: { min: 1, max: 2, log: false } }, 2, 1)).toThrow(
      'optimizer is not a number field',
    )
    expect(() => sampleRandom({ dropout: { min: 0.5, max: 0.1, log: false } }, 2, 1)).toThrow(
      "dropout: the range's min (0.5) must be below its max (0.1).",
    )
    expect(() => sampleRandom({ learningRate: { min: 0, max: 0.1, log: true } }, 2, 1)).toThrow(
      'learningRate: a log range needs a min above 0',
    )
    expect(() => sampleRandom({ dropout: { min: 0.1, max: 2, log: false } }, 2, 1)).toThrow(/^dropout: 2 is refused/)
    expect(() => sampleRandom({ layers: { min: 1.2, max: 1.8, log: false } }, 2, 1)).toThrow(
      'layers: no whole number lies between 1.2 and 1.8.',
    )
    expect(() => sampleRandom({ optimizer: { values: ['adam', 'nope'] } }, 2, 1)).toThrow(
      /^optimizer: "nope" is refused/,
    )
    expect(() => sampleRandom({}, 2, 1)).toThrow('at least one --range')
    expect(() => sampleRandom(ranges, 101, 1)).toThrow('1 to 100 runs')
  })

  it('are a grid or a sample, never both, and make at least two runs', () => {
    expect(() => sweepChanges({ grid: { epochs: [1, 2] }, random: { count: 2, seed: 1, ranges } })).toThrow('not both')
    expect(() => sweepChanges({ grid: { epochs: [1] } })).toThrow('at least two runs')
    expect(() => sweepChanges({ grid: { epochs: [1, 0] } })).toThrow(/^epochs: 0 is refused/)
    expect(sweepChanges({ grid: { learningRate: [0.01, 0.05], epochs: [1] } })).toEqual([
      { learningRate: 0.01, epochs: 1 },
      { learningRate: 0.05, epochs: 1 },
    ])
    expect(sweepChanges({ random: { count: 3, seed: 5, ranges } })).toEqual(sampleRandom(ranges, 3, 5))
  })
})
