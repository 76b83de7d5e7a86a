import { describe, expect, it } from 'vitest'
import { expandGrid, parseGridAxis } from '../../src/shared/training/sweep'

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
