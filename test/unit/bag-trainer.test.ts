/**
 * The JavaScript bag trainer (`engine/bag-trainer.ts`): a step equals the tfjs path's step (loss,
 * accuracy, table, logits layer) for each optimizer, output and n-gram order; the bundle it saves
 * predicts what its own forward computes; and runs through the real worker learn, repeat with their
 * seed, and resume from a checkpoint to the same figures as a run never stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppContext } from '../../src/main/core/app-context'
import { seededRandom } from '../../src/main/core/datasets/splits'
import { BagTrainer, bagTrainerRefusal } from '../../src/main/core/engine/bag-trainer'
import { modelRows, type SplitTensors } from '../../src/main/core/engine/data'
import { registerTrainingKernels } from '../../src/main/core/engine/kernels'
import { buildNetwork, type Network } from '../../src/main/core/engine/models'
import { makeOptimizer, setLearningRate } from '../../src/main/core/engine/optimizer'
import { epochOrder, seedMathRandom } from '../../src/main/core/engine/random'
import { trainStep } from '../../src/main/core/engine/train-step'
import { defaultConfig, trainConfigSchema, type TrainConfig } from '../../src/shared/training/config'
import type { DatasetSummary } from '../../src/shared/datasets'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick, resumedRun, trainRun } from '../fixtures/training'

const vocabSize = 40
const config = (c: Partial<TrainConfig>) =>
  trainConfigSchema.parse({
    ...defaultConfig,
    model: 'ngram-bag',
    embeddingDim: 6,
    hashBuckets: 1009,
    maxLen: 12,
    dropout: 0,
    padding: 'post',
    truncating: 'post',
    ...c,
  })

/** n examples of 0 to 14 tokens (one empty), as a bag's rows, with labels of `classes` classes. */
function split(c: TrainConfig, n: number, classes: number, seed: number): SplitTensors {
  const random = seededRandom(seed)
  const ids: number[] = []
  const offsets = [0]
  for (let i = 0; i < n; i++) {
    const length = i === 3 ? 0 : 1 + Math.floor(random() * 14)
    for (let k = 0; k < length; k++) ids.push(2 + Math.floor(random() * (vocabSize - 2)))
    offsets.push(ids.length)
  }
  const rows = modelRows(ids, Uint32Array.from(offsets), c, vocabSize)
  const labels = Uint16Array.from({ length: n }, () => Math.floor(random() * classes))
  return { ...rows, labels, n, lengths: null }
}

/** The same network twice (the same start), with wide table rows so a wrong update shows. */
function twins(c: TrainConfig, classes: number): [Network, Network] {
  seedMathRandom(c.seed)
  const [a, b] = [buildNetwork(c, { vocabSize, classes }), buildNetwork(c, { vocabSize, classes })]
  const random = seededRandom(9)
  for (let i = a.table.dim; i < a.table.values.length; i++) a.table.values[i] = random() - 0.5
  b.table.values.set(a.table.values)
  b.body.setWeights(a.body.getWeights())
  return [a, b]
}

const weights = (net: Network) => net.body.getWeights().map((w) => w.dataSync() as Float32Array)

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): void {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  expect(worst).toBeLessThan(tolerance)
}

beforeAll(async () => {
  await tf.setBackend('wasm')
  await tf.ready()
  registerTrainingKernels('wasm')
})

describe('one step of the bag trainer', () => {
  const cases: [string, Partial<TrainConfig>, number][] = [
    ['sgd, unigrams, sigmoid', { optimizer: 'sgd', learningRate: 0.5, ngrams: 1 }, 2],
    ['sgd, bigrams, five classes', { optimizer: 'sgd', learningRate: 0.5, ngrams: 2 }, 5],
    ['adam, unigrams, five classes', { optimizer: 'adam', learningRate: 0.05, ngrams: 1 }, 5],
    ['adam, bigrams, sigmoid', { optimizer: 'adam', learningRate: 0.05, ngrams: 2 }, 2],
    ['adam, bigrams, softmax over two, clipped', { optimizer: 'adam', output: 'softmax', clipNorm: 0.05 }, 2],
    ['momentum, bigrams, sigmoid, clipped', { optimizer: 'momentum', learningRate: 0.3, clipNorm: 0.05 }, 2],
    ['rmsprop, bigrams, five classes', { optimizer: 'rmsprop', learningRate: 0.01 }, 5],
    ['adam, frozen table', { optimizer: 'adam', learningRate: 0.05, trainEmbeddings: false }, 2],
  ]
  it.each(cases)('equals the tfjs step (loss, accuracy, weights) over three steps: %s', async (_name, c, classes) => {
    const cfg = config(c)
    const [viaTfjs, viaJs] = twins(cfg, classes)
    expect(bagTrainerRefusal(viaJs)).toBeNull()
    const data = split(cfg, 24, classes, 4)
    const optimizer = makeOptimizer(cfg)
    const vars = viaTfjs.body.trainableWeights.map((w) => w.read() as tf.Variable)
    const trainer = new BagTrainer(viaJs, cfg)
    const start = weights(viaJs)
    for (let step = 0; step < 3; step++) {
      const order = epochOrder(data.n, 1, step)
      // Batches of 10, 10 and the last 4; the tfjs step in micro-batches of 7 (summed before its one update).
      const from = (step * 10) % data.n
      const to = Math.min(data.n, from + 10)
      const lr = cfg.learningRate / (step + 1)
      setLearningRate(optimizer, lr)
      const [loss, accuracy] = await trainStep(
        viaTfjs,
        optimizer,
        vars,
        cfg.clipNorm,
        lr,
        data,
        from,
        to,
        order,
        data.width,
        7,
      )
      const [jsLoss, jsAccuracy] = await trainer.step(data.x, data.labels, from, to, order, lr, cfg.clipNorm)
      expect(Math.abs(jsLoss - loss)).toBeLessThan(1e-5)
      expect(jsAccuracy).toBeCloseTo(accuracy, 6)
    }
    trainer.writeBody()
    expectClose(viaJs.table.values, viaTfjs.table.values, 1e-5)
    const [a, b] = [weights(viaJs), weights(viaTfjs)]
    a.forEach((w, i) => expectClose(w, b[i]!, 1e-5))
    // The weights moved: the comparison means something.
    expect(Math.max(...a[0]!.map((w, i) => Math.abs(w - start[0]![i]!)))).toBeGreaterThan(1e-3)
    optimizer.dispose()
  })

  it('keeps the optimizer slots under the tfjs names, so a checkpoint resumes on either path', async () => {
    const cfg = config({ optimizer: 'adam', learningRate: 0.05 })
    const [viaTfjs, viaJs] = twins(cfg, 2)
    const data = split(cfg, 20, 2, 6)
    const order = epochOrder(data.n, 1, 0)
    const optimizer = makeOptimizer(cfg)
    const vars = viaTfjs.body.trainableWeights.map((w) => w.read() as tf.Variable)
    await trainStep(viaTfjs, optimizer, vars, 0, 0.05, data, 0, 10, order, data.width, 10)
    const trainer = new BagTrainer(viaJs, cfg)
    await trainer.step(data.x, data.labels, 0, 10, order, 0.05, 0)
    const theirs = await optimizer.getWeights()
    const ours = trainer.slotTensors()
    // Names differ by the suffix tfjs gives each twin's variables.
    const unsuffixed = (slots: { name: string }[]) => slots.map((s) => s.name.replace(/_\d+\//, '/'))
    expect(unsuffixed(ours)).toEqual(unsuffixed(theirs))
    expect(unsuffixed(ours)).toEqual(['iter', 'logits/kernel/m', 'logits/bias/m', 'logits/kernel/v', 'logits/bias/v'])
    ours.forEach((s, i) => expectClose(s.tensor.dataSync(), theirs[i]!.tensor.dataSync(), 1e-6))
    // A tfjs checkpoint into a fresh JavaScript trainer: weights, table slots, the optimizer's slots.
    const [, restored] = twins(cfg, 2)
    restored.table.values.set(viaTfjs.table.values)
    restored.table.slotA!.set(viaTfjs.table.slotA!)
    restored.table.slotB!.set(viaTfjs.table.slotB!)
    restored.table.updates = viaTfjs.table.updates
    restored.body.setWeights(viaTfjs.body.getWeights())
    const resumed = new BagTrainer(restored, cfg)
    await resumed.setSlots(theirs)
    await trainStep(viaTfjs, optimizer, vars, 0, 0.05, data, 10, 20, order, data.width, 10)
    await resumed.step(data.x, data.labels, 10, 20, order, 0.05, 0)
    resumed.writeBody()
    expectClose(restored.table.values, viaTfjs.table.values, 1e-5)
    weights(restored).forEach((w, i) => expectClose(w, weights(viaTfjs)[i]!, 1e-5))
    optimizer.dispose()
  })

  it('leaves dropout to its seeded masks: the same seed gives the same steps', async () => {
    const cfg = config({ dropout: 0.5 })
    const data = split(cfg, 16, 2, 8)
    const order = epochOrder(data.n, 1, 0)
    const run = async () => {
      const [net] = twins(cfg, 2)
      const trainer = new BagTrainer(net, cfg)
      seedMathRandom(5)
      const losses: number[] = []
      for (let s = 0; s < 3; s++) losses.push((await trainer.step(data.x, data.labels, 0, 16, order, 0.05, 0))[0])
      trainer.close()
      return { losses, table: net.table.values }
    }
    const [a, b] = [await run(), await run()]
    expect(a.losses).toEqual(b.losses)
    expect([...a.table]).toEqual([...b.table])
  })

  it('gives the same table on one thread or several (each row summed in the same order)', async () => {
    const cfg = config({ optimizer: 'adam', learningRate: 0.05, ngrams: 2 })
    const data = split(cfg, 40, 5, 10)
    const run = async (threads: number) => {
      const [net] = twins(cfg, 5)
      const trainer = new BagTrainer(net, cfg, threads)
      const losses: number[] = []
      for (let e = 0; e < 3; e++)
        for (let from = 0; from < 40; from += 16)
          losses.push(
            (await trainer.step(data.x, data.labels, from, Math.min(40, from + 16), epochOrder(40, 3, e), 0.05, 0))[0],
          )
      trainer.close()
      trainer.writeBody()
      return { losses, table: [...net.table.values], body: weights(net).map((w) => [...w]) }
    }
    const one = await run(1)
    for (const threads of [2, 3]) expect(await run(threads)).toEqual(one)
  })

  it.each([
    ['unigrams, sigmoid', { ngrams: 1 }, 2],
    ['bigrams, five classes', { ngrams: 2 }, 5],
    ['bigrams, softmax over two', { ngrams: 2, output: 'softmax' }, 2],
    ['frozen table', { ngrams: 2, trainEmbeddings: false }, 2],
  ] as [string, Partial<TrainConfig>, number][])(
    "per-example updates (fastText's) equal batches of one, example by example: %s",
    async (_name, c, classes) => {
      const cfg = config({ ...c, optimizer: 'sgd', learningRate: 0.5, bagUpdate: 'example', embeddingDim: 20 })
      const [perExample, byOne] = twins(cfg, classes)
      const data = split(cfg, 24, classes, 5)
      const a = new BagTrainer(perExample, cfg)
      const b = new BagTrainer(byOne, { ...cfg, bagUpdate: 'batch' }, 1)
      // Each example reads the rows the one before it moved: one thread.
      expect(a.threads).toBe(1)
      const start = [...perExample.table.values]
      for (let e = 0; e < 2; e++) {
        const order = epochOrder(data.n, 3, e)
        for (let from = 0; from < data.n; from += 10) {
          const to = Math.min(data.n, from + 10)
          const lr = 0.5 / (e + 1)
          const [loss, accuracy] = await a.step(data.x, data.labels, from, to, order, lr, 0)
          let losses = 0
          let hits = 0
          for (let r = from; r < to; r++) {
            const [l, h] = await b.step(data.x, data.labels, r, r + 1, order, lr, 0)
            losses += l
            hits += h
          }
          expect(Math.abs(loss - losses / (to - from))).toBeLessThan(1e-5)
          expect(accuracy).toBeCloseTo(hits / (to - from), 6)
        }
      }
      a.writeBody()
      b.writeBody()
      expectClose(perExample.table.values, byOne.table.values, 1e-5)
      weights(perExample).forEach((w, i) => expectClose(w, weights(byOne)[i]!, 1e-5))
      expect(perExample.table.updates).toBe(byOne.table.updates)
      const moved = Math.max(...perExample.table.values.map((v, i) => Math.abs(v - start[i]!)))
      if (cfg.trainEmbeddings) expect(moved).toBeGreaterThan(1e-3)
      else expect(moved).toBe(0)
      b.close()
    },
  )

  it('refuses per-example updates with anything but plain SGD, naming the field', () => {
    const parsed = trainConfigSchema.safeParse({ ...config({}), bagUpdate: 'example', optimizer: 'adam' })
    expect(parsed.success).toBe(false)
    expect(parsed.error!.issues[0]).toMatchObject({ path: ['optimizer'] })
    expect(parsed.error!.issues[0]!.message).toMatch(/plain SGD.*set optimizer to sgd, or bagUpdate to batch/)
    const clipped = trainConfigSchema.safeParse({ ...config({ optimizer: 'sgd' }), bagUpdate: 'example', clipNorm: 5 })
    expect(clipped.error!.issues.map((i) => i.path)).toEqual([['clipNorm']])
    // Another kind ignores the setting.
    expect(trainConfigSchema.safeParse({ ...defaultConfig, model: 'lstm', bagUpdate: 'example' }).success).toBe(true)
  })

  it('refuses what it does not train, and says so (the tfjs path trains it)', () => {
    const [net] = twins(config({ bagTrainer: false }), 2)
    expect(bagTrainerRefusal(net)).toBe('bagTrainer is off')
    seedMathRandom(1)
    const nbsvm = buildNetwork(config({ model: 'nbsvm' }), { vocabSize, classes: 2 })
    expect(bagTrainerRefusal(nbsvm)).toMatch(/not a mean-pooled bag/)
    expect(() => new BagTrainer(nbsvm, nbsvm.config)).toThrow(/cannot train this model/)
  })

  it("saves a model that predicts what the trainer's own forward computes", async () => {
    for (const classes of [2, 5]) {
      const cfg = config({ ngrams: 2 })
      const [net] = twins(cfg, classes)
      const data = split(cfg, 30, classes, 12)
      const trainer = new BagTrainer(net, cfg)
      for (let e = 0; e < 5; e++) await trainer.step(data.x, data.labels, 0, 30, epochOrder(30, 2, e), 0.05, 0)
      trainer.close()
      trainer.writeBody()
      const model = net.exportModel()
      const saved = tf.tidy(() =>
        (model.predict(tf.tensor2d(data.x, [data.n, data.width], 'int32')) as tf.Tensor).dataSync(),
      )
      expectClose(saved, trainer.logits(data.x, data.n), 1e-5)
      model.dispose()
    }
  })
})

describe('runs with the bag trainer', () => {
  let dir: string
  let ctx: AppContext
  let data: DatasetSummary
  const settings = { ...quick, learningRate: 0.05, epochs: 10 }
  const losses = (r: RunRecord) => ctx.runs.history(r.id).steps.map((s) => s.loss)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-bag-'))
    ctx = appContext(dir)
    data = await importSyntheticDataset(ctx, dir, 150)
  })
  afterAll(async () => {
    await ctx.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('learns the generated task, repeats with its seed, and learns it as the tfjs path does', async () => {
    const run = await trainRun(ctx, data.id, 'fasttext-bigram', settings)
    expect(run.status, run.error ?? '').toBe('succeeded')
    expect(ctx.runs.history(run.id).log.some((l) => /^Training in plain JavaScript on \d+ threads?/.test(l))).toBe(true)
    expect(run.test!.accuracy).toBeGreaterThanOrEqual(0.9)
    const again = await trainRun(ctx, data.id, 'fasttext-bigram', settings)
    expect(losses(again)).toEqual(losses(run))
    expect(again.test).toEqual(run.test)
    const other = await trainRun(ctx, data.id, 'fasttext-bigram', { ...settings, seed: 7 })
    expect(losses(other)).not.toEqual(losses(run))
    const viaTfjs = await trainRun(ctx, data.id, 'fasttext-bigram', { ...settings, bagTrainer: false })
    expect(ctx.runs.history(viaTfjs.id).log).toContain('Training through tfjs: bagTrainer is off.')
    // The same math: the same figures up to float rounding.
    losses(viaTfjs).forEach((loss, i) => expect(Math.abs(loss - losses(run)[i]!)).toBeLessThan(1e-3))
    expect(Math.abs(viaTfjs.test!.accuracy - run.test!.accuracy)).toBeLessThanOrEqual(0.01)
  })

  it("trains fastText's way (per-example SGD) to the task, and repeats with its seed", async () => {
    const sgd = { ...quick, optimizer: 'sgd' as const, learningRate: 0.5 }
    const run = await trainRun(ctx, data.id, 'fasttext-sgd', sgd)
    expect(run.status, run.error ?? '').toBe('succeeded')
    expect(
      ctx.runs
        .history(run.id)
        .log.some((l) =>
          /^Training in plain JavaScript on \d+ threads? \(the bag trainer: every example its own SGD step, as fastText's\)\.$/.test(
            l,
          ),
        ),
    ).toBe(true)
    expect(run.test!.accuracy).toBeGreaterThanOrEqual(0.9)
    const again = await trainRun(ctx, data.id, 'fasttext-sgd', sgd)
    expect(losses(again)).toEqual(losses(run))
    expect(again.test).toEqual(run.test)
  })

  it.each([
    ['fasttext-bigram', settings],
    ['fasttext-sgd', { ...settings, optimizer: 'sgd', learningRate: 0.5 }],
  ] as [string, Partial<TrainConfig>][])(
    '%s cancels, then resumes from its checkpoint to the figures of a run never stopped',
    async (preset, base) => {
      const long = { ...base, epochs: 30, batchSize: 8 }
      const whole = await trainRun(ctx, data.id, preset, long)
      const resumed = await resumedRun(ctx, data.id, preset, long)
      expect(resumed.status, resumed.error ?? '').toBe('succeeded')
      expect(ctx.runs.history(resumed.id).log.some((l) => l.startsWith('Resumed from the checkpoint'))).toBe(true)
      expect(losses(resumed)).toEqual(losses(whole))
      expect(resumed.test).toEqual(whole.test)
    },
  )
})
