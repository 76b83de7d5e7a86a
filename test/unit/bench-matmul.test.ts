import { describe, expect, it } from 'vitest'
import { stepProducts } from '../../bench/matmul'
import { defaultConfig, type TrainConfig } from '../../src/shared/training/config'

const config = (c: Partial<TrainConfig>): TrainConfig => ({ ...defaultConfig, batchSize: 8, maxLen: 10, ...c })
const macs = (c: Partial<TrainConfig>) => stepProducts(config(c))!.reduce((s, p) => s + p.m * p.k * p.n * p.times, 0)

describe('the matmul bench counts a training step’s products', () => {
  it('a dense net: one product of the flattened rows', () => {
    expect(macs({ model: 'dense', embeddingDim: 4, denseUnits: 6 })).toBe(8 * 10 * 4 * 6)
  })

  it('a CNN: each width over its valid positions', () => {
    const c = { model: 'cnn' as const, embeddingDim: 4, filterSizes: [2, 3], filters: 5 }
    expect(macs(c)).toBe(8 * (9 * 2 * 4 * 5 + 8 * 3 * 4 * 5))
  })

  it('a stacked BiLSTM: both directions, every step, the second layer reading both directions', () => {
    const h = 3
    const layer1 = 2 * (8 * 10 * 4 * 4 * h + 10 * 8 * h * 4 * h)
    const layer2 = 2 * (8 * 10 * 2 * h * 4 * h + 10 * 8 * h * 4 * h)
    expect(macs({ model: 'bilstm', embeddingDim: 4, hiddenUnits: h, layers: 2 })).toBe(layer1 + layer2)
  })

  it('bags are not product-bound: none', () => {
    expect(stepProducts(config({ model: 'ngram-bag' }))).toBeNull()
    expect(stepProducts(config({ model: 'nbsvm' }))).toBeNull()
  })
})
