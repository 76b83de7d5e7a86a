import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { registerTrainingKernels } from '../../src/main/core/engine/kernels'
import { seededRandom } from '../../src/main/core/datasets/splits'

/** Runs `f` on a backend and returns plain numbers (so results of two backends can be compared). */
async function on(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await tf.setBackend(backend)
  await tf.ready()
  const out = tf.tidy(f)
  const list = Array.isArray(out) ? out : [out]
  const values = await Promise.all(list.map(async (t) => Array.from(await t.data())))
  tf.dispose(list)
  return values
}

const random = seededRandom(11)
const randn = (shape: number[]) => {
  const size = shape.reduce((a, b) => a * b, 1)
  return { shape, values: Float32Array.from({ length: size }, () => random() * 2 - 1) }
}
const t = (r: { shape: number[]; values: Float32Array }) => tf.tensor(r.values, r.shape)

function expectClose(a: number[][], b: number[][], tolerance = 1e-4) {
  expect(a.length).toBe(b.length)
  a.forEach((values, i) => {
    expect(values.length).toBe(b[i]!.length)
    values.forEach((v, k) => expect(Math.abs(v - b[i]![k]!)).toBeLessThan(tolerance * (1 + Math.abs(b[i]![k]!))))
  })
}

// The stock CPU kernels are the reference; registered under the 'cpu' name only after the reference ran.
const reference = new Map<string, number[][]>()

describe('training kernels', () => {
  const x = randn([40, 7])
  const ids = Int32Array.from({ length: 40 }, () => Math.floor(random() * 12) - 1) // includes -1: dropped
  const table = randn([30, 8])
  const rows = Int32Array.from({ length: 64 }, () => Math.floor(random() * 30))
  const image = randn([3, 12, 9, 2])
  const filter = randn([3, 4, 2, 5])
  const [m1, m2, m3] = [randn([2, 7, 5]), randn([2, 7, 6]), randn([2, 6, 5])]
  const [u, h0] = [randn([6, 6]), randn([4, 6])]

  const cases: Record<string, () => tf.Tensor | tf.Tensor[]> = {
    unsortedSegmentSum: () => tf.unsortedSegmentSum(t(x), tf.tensor1d(ids, 'int32'), 12),
    // The embedding gradient: the gradient of gather is an UnsortedSegmentSum.
    gatherGradient: () => tf.grad((w: tf.Tensor) => tf.gather(w, tf.tensor1d(rows, 'int32')).square().sum())(t(table)),
    conv2dFilterGradientValid: () =>
      tf.grads((a: tf.Tensor, w: tf.Tensor) =>
        tf
          .conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')
          .sin()
          .sum(),
      )([t(image), t(filter)]),
    conv2dFilterGradientSameStrided: () =>
      tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, [2, 1], 'same').sum())([
        t(image),
        t(filter),
      ]),
    slice: () => [tf.slice(t(image), [1, 2, 0, 1], [2, 5, 4, 1]), tf.slice(t(image), [0, 3, 0, 0], [3, 1, 9, 2])],
    // An LSTM cell splits its gate products in four at every step; uneven sizes and a middle axis too.
    splitGates: () => [...tf.split(t(image).reshape([36, 18]), 3, 1), ...tf.split(t(image), [5, 2, 5], 1)],
    splitGradient: () =>
      tf.grad((a: tf.Tensor) =>
        tf.addN(
          tf.split(a, [4, 10, 4], 1).map((p, i) =>
            p
              .mul(i + 2)
              .square()
              .sum(),
          ),
        ),
      )(t(image).reshape([3, 18, 12])),
    // conv-max.ts takes each filter's window as rows of a [batch x steps, D] matrix.
    gatherRows: () => tf.gather(t(table), tf.tensor1d(rows, 'int32')),
    gatherMiddleAxis: () => tf.gather(t(image), tf.tensor2d([5, 0, 11, 5, 3, 7], [2, 3], 'int32'), 1),
    gatherIntegers: () => tf.gather(tf.tensor2d(ids, [8, 5], 'int32'), tf.tensor1d([7, 7, 0, 2], 'int32')),
    unstackAlongTime: () => tf.unstack(t(image).reshape([3, 12, 18]), 1),
    sliceAndUnstackGradients: () =>
      tf.grad((a: tf.Tensor) =>
        tf.addN([
          ...tf.unstack(a, 2).map((p, i) => p.mul(i + 1).sum()),
          tf.slice(a, [1, 0, 2], [1, 12, 3]).square().sum(),
        ]),
      )(t(image).reshape([3, 12, 18])),
    transposedProducts: () => {
      const [a, b, c] = [t(m1), t(m2), t(m3)]
      return [
        tf.matMul(a, b, true, false),
        tf.matMul(b, c, false, false),
        tf.matMul(a, c, false, true),
        tf.matMul(c, b, true, true),
      ]
    },
    // A clone shares the data: it must outlive the original, and an update of one must not reach the other.
    cloneOutlivesItsSource: () => {
      const source = t(table)
      const clone = tf.clone(source)
      source.dispose()
      const variable = tf.variable(clone)
      variable.assign(tf.zerosLike(clone))
      const out = [clone.add(1), variable.add(1)]
      variable.dispose() // variables outlive tidy
      return out
    },
    recurrentGradient: () =>
      tf.grads((u: tf.Tensor, h0: tf.Tensor) => {
        let h = h0
        for (let step = 0; step < 5; step++) h = tf.tanh(tf.matMul(h, u))
        return h.sum()
      })([t(u), t(h0)]),
  }

  beforeAll(async () => {
    for (const [name, f] of Object.entries(cases)) reference.set(name, await on('cpu', f))
    registerTrainingKernels('wasm')
    registerTrainingKernels('cpu')
  })

  for (const name of Object.keys(cases)) {
    it(`${name} on wasm matches the stock CPU kernels`, async () => {
      expectClose(await on('wasm', cases[name]!), reference.get(name)!)
    })
    it(`${name} on the CPU backend with our kernels matches the stock ones`, async () => {
      expectClose(await on('cpu', cases[name]!), reference.get(name)!)
    })
  }

  it('gather on wasm names an index out of range, as the CPU backend does', async () => {
    await tf.setBackend('wasm')
    expect(() => tf.gather(t(table), tf.tensor1d([2, 30], 'int32'))).toThrow(/index value 30 is not in \[0, 29\]/)
  })

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm')
    const before = tf.memory().numTensors
    for (const f of Object.values(cases)) tf.dispose(tf.tidy(f))
    expect(tf.memory().numTensors).toBe(before)
  })
})
