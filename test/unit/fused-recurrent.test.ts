/**
 * The whole-sequence LSTM, GRU and simple RNN (`engine/recurrent`) against tfjs-layers' own step by
 * step layers, on the wasm and plain CPU backends: the same model and weights run once with the stock
 * `call` and once fused, and the outputs and the gradients of the input and of every weight must
 * agree. A model saved from the fused layers loads as stock tfjs layers and predicts the same.
 */
import { afterAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { useBackend } from '../../src/main/core/engine/backend'
import {
  FusedGRU,
  FusedLSTM,
  FusedSimpleRNN,
  stockRecurrentClasses,
  useStockRecurrent,
} from '../../src/main/core/engine/recurrent/fused-layers'
import { withFrozenInput } from '../../src/main/core/engine/recurrent/input-gradient'
import { seededRandom } from '../../src/main/core/datasets/splits'
import type { BackendName } from '../../src/shared/types'

const random = seededRandom(5)
const randn = (shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() * 2 - 1),
    shape,
  )

const cells = {
  lstm: (o: LayerOptions) => new FusedLSTM({ ...o, recurrentActivation: 'sigmoid' }),
  gru: (o: LayerOptions) => new FusedGRU({ ...o, recurrentActivation: 'sigmoid' }),
  rnn: (o: LayerOptions) => new FusedSimpleRNN(o),
}
type LayerOptions = { units: number; returnSequences: boolean; goBackwards?: boolean }
type Cell = keyof typeof cells

/** The shapes tested: one layer each way, bidirectional, and two stacked as the presets stack them. */
const shapes: Record<string, (cell: Cell, x: tf.SymbolicTensor) => tf.SymbolicTensor> = {
  sequence: (cell, x) => cells[cell]({ units: 6, returnSequences: true }).apply(x) as tf.SymbolicTensor,
  'last, backwards': (cell, x) =>
    cells[cell]({ units: 6, returnSequences: false, goBackwards: true }).apply(x) as tf.SymbolicTensor,
  bidirectional: (cell, x) =>
    tf.layers
      .bidirectional({ layer: cells[cell]({ units: 5, returnSequences: true }), mergeMode: 'concat' })
      .apply(x) as tf.SymbolicTensor,
  'stacked bidirectional, last': (cell, x) => {
    const first = tf.layers
      .bidirectional({ layer: cells[cell]({ units: 5, returnSequences: true }), mergeMode: 'concat' })
      .apply(x)
    return tf.layers
      .bidirectional({ layer: cells[cell]({ units: 4, returnSequences: false }), mergeMode: 'concat' })
      .apply(first) as tf.SymbolicTensor
  },
}

function buildModel(cell: Cell, shape: string): tf.LayersModel {
  const input = tf.input({ shape: [7, 3] })
  return tf.model({ inputs: input, outputs: shapes[shape]!(cell, input) })
}

/**
 * The output, then the gradients of a weighted sum of it for the input and every weight; with `frozen`,
 * the gradients taken with the input declared constant (`withFrozenInput`).
 */
function outputsAndGradients(model: tf.LayersModel, x: tf.Tensor, stock: boolean, frozen = false): number[][] {
  useStockRecurrent(stock)
  try {
    return tf.tidy(() => {
      const input = tf.variable(x)
      const y = model.apply(input, { training: true }) as tf.Tensor
      const weights = tf.tidy(() => tf.cos(tf.range(0, y.size).reshape(y.shape)))
      const vars = [input, ...model.trainableWeights.map((w) => w.read() as tf.Variable)]
      const pass = () => tf.variableGrads(() => tf.sum(tf.mul(model.apply(input) as tf.Tensor, weights)), vars)
      const { grads } = frozen ? withFrozenInput(input, pass) : pass()
      const out = [Array.from(y.dataSync()), ...vars.map((v) => Array.from(grads[v.name]!.dataSync()))]
      input.dispose()
      return out
    })
  } finally {
    useStockRecurrent(false)
  }
}

async function kernelsRun(model: tf.LayersModel, x: tf.Tensor, stock: boolean): Promise<number> {
  useStockRecurrent(stock)
  try {
    return (await tf.profile(() => model.apply(x) as tf.Tensor)).kernels.length
  } finally {
    useStockRecurrent(false)
  }
}

function expectClose(actual: number[][], expected: number[][]) {
  expect(actual.map((a) => a.length)).toEqual(expected.map((e) => e.length))
  let worst = 0
  actual.forEach((a, i) => a.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - expected[i]![k]!)))))
  expect(worst).toBeLessThan(1e-4)
}

afterAll(() => useStockRecurrent(false))

describe.each(['wasm', 'cpu'] satisfies BackendName[])('fused recurrent layers on %s', (backend) => {
  for (const cell of Object.keys(cells) as Cell[])
    for (const shape of Object.keys(shapes))
      it(`${cell}, ${shape}: outputs and gradients as tfjs-layers`, async () => {
        await useBackend(backend)
        const model = buildModel(cell, shape)
        const x = randn([3, 7, 3])
        const stock = outputsAndGradients(model, x, true)
        const fused = outputsAndGradients(model, x, false)
        expectClose(fused, stock)
        // The fused path really ran: a handful of ops for the whole sequence, not dozens per step.
        expect(await kernelsRun(model, x, false)).toBeLessThan((await kernelsRun(model, x, true)) / 3)
        // The same inputs give the same numbers, bit for bit.
        expect(outputsAndGradients(model, x, false)).toEqual(fused)
        // Weights included: each layer has its kernel, recurrent kernel and bias, and each has a gradient.
        expect(fused.length).toBe(2 + model.trainableWeights.length)
        expect(fused.every((g) => g.some((v) => v !== 0))).toBe(true)
        tf.dispose([x, ...model.weights.map((w) => w.read())])
      })
  for (const cell of Object.keys(cells) as Cell[])
    it(`${cell}: a frozen input's gradient is skipped, the weights' stay the same`, async () => {
      await useBackend(backend)
      const model = buildModel(cell, 'stacked bidirectional, last')
      const x = randn([3, 7, 3])
      const [, input, ...weights] = outputsAndGradients(model, x, false)
      const [, frozenInput, ...frozenWeights] = outputsAndGradients(model, x, false, true)
      expect(frozenWeights).toEqual(weights)
      expect(input!.some((v) => v !== 0)).toBe(true)
      expect(frozenInput!.every((v) => v === 0)).toBe(true)
      tf.dispose([x, ...model.weights.map((w) => w.read())])
    })
})

describe('a model saved from fused layers', () => {
  it('loads as stock tfjs layers and predicts the same', async () => {
    await useBackend('wasm')
    const model = buildModel('lstm', 'stacked bidirectional, last')
    const x = randn([2, 7, 3])
    const expected = (model.predict(x) as tf.Tensor).arraySync()
    let saved: tf.io.ModelArtifacts | undefined
    await model.save(
      tf.io.withSaveHandler(
        async (artifacts) => (
          (saved = artifacts),
          { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
        ),
      ),
    )
    const topology = JSON.stringify(saved!.modelTopology)
    expect(topology).toContain('"class_name":"LSTM"')
    expect(topology).not.toMatch(/Fused/)
    // Plain tfjs: the stock classes under their names, as in any other process.
    for (const cls of stockRecurrentClasses) tf.serialization.registerClass(cls)
    try {
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!))
      const inner = (loaded.layers[1] as unknown as { forwardLayer: object }).forwardLayer
      expect(inner).not.toBeInstanceOf(FusedLSTM)
      const got = (loaded.predict(x) as tf.Tensor).arraySync() as number[][]
      got.flat().forEach((v, i) => expect(v).toBeCloseTo((expected as number[][]).flat()[i]!, 5))
    } finally {
      for (const cls of [FusedLSTM, FusedGRU, FusedSimpleRNN]) tf.serialization.registerClass(cls)
    }
  })
})
