/**
 * Training runs end to end on the real worker (job processes), the wasm backend, a real SQLite file
 * and real files: every model kind learns a generated task, runs repeat with their seed, points are
 * recorded as they stream, bundles predict as the trained model did, cancel and resume, failures.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleRandom } from '../../src/shared/training/sweep'
import type { AppContext } from '../../src/main/core/app-context'
import { loadBundle, predictTexts } from '../../src/main/core/engine/bundle'
import { passMemoryEnv } from '../../src/main/core/engine/memory'
import { readModelFiles } from '../../src/main/core/engine/model-files'
import { predictionsFile, readPredictions } from '../../src/main/core/runs/predictions'
import type { DatasetSummary } from '../../src/shared/datasets'
import { modelKinds } from '../../src/shared/training/model-kinds'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext, finished } from '../fixtures/app'
import {
  finishedRun,
  firstEpoch,
  importSyntheticDataset,
  quick,
  startRun,
  trainRun,
  type SyntheticTexts,
} from '../fixtures/training'
import { writeGlove } from '../fixtures/vector-files'

let dir: string
let ctx: AppContext
let data: DatasetSummary & SyntheticTexts

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-runs-'))
  ctx = appContext(dir)
  data = await importSyntheticDataset(ctx, dir, 150)
})
afterAll(async () => {
  await ctx.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('every model kind', () => {
  for (const model of modelKinds) {
    it(`${model} learns the generated task on wasm`, async () => {
      const run = await trainRun(ctx, data.id, 'fasttext-bigram', {
        ...quick,
        model,
        ...(model === 'bilstm' ? { readout: 'first-last' as const, layers: 2 } : {}),
        // A mean over a short text's own words moves slower than a recurrent net: more updates.
        ...(model === 'ngram-bag' ? { learningRate: 0.05, epochs: 10 } : {}),
      })
      expect(run.status, run.error ?? '').toBe('succeeded')
      expect(run.backend).toBe('wasm')
      expect(run.test!.accuracy).toBeGreaterThanOrEqual(0.9)
    })
  }

  it('trains a softmax output and three classes, with a per-class report and no ROC', async () => {
    const three = await importSyntheticDataset(ctx, dir, 100, { classes: 3, name: 'three' })
    expect(three.classes).toEqual(['mid', 'neg', 'pos'])
    const run = await trainRun(ctx, three.id, 'fasttext-bigram', { ...quick, epochs: 8, learningRate: 0.05 })
    expect(run.status, run.error ?? '').toBe('succeeded')
    expect(run.test!.accuracy).toBeGreaterThanOrEqual(0.85)
    expect(run.test!.confusion).toHaveLength(3)
    expect(Object.keys(run.test!.perClass)).toEqual(['mid', 'neg', 'pos'])
    expect(run.test!.auc).toBeNull()
  })
})

describe('a run', () => {
  let run: RunRecord

  beforeAll(async () => {
    run = await trainRun(ctx, data.id, 'kim-cnn', { ...quick, epochs: 3 })
  })

  it('records every step, epoch and validation in SQLite, with the test figures and the best checkpoint', () => {
    expect(run.status, run.error ?? '').toBe('succeeded')
    const steps = Math.ceil(data.counts.train / 32)
    const history = ctx.runs.history(run.id)
    expect(history.steps.map((s) => s.step)).toEqual(Array.from({ length: 3 * steps }, (_, i) => i + 1))
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
    expect(history.validations).toHaveLength(3)
    expect(history.epochs.every((e) => e.valLoss !== null && e.durationMs >= 0)).toBe(true)
    const best = history.validations.reduce((a, b) => (b.loss < a.loss ? b : a))
    expect(run.bestValidation).toMatchObject({ step: best.step, loss: best.loss, checkpoint: true })
    expect(run.test!.roc!.fpr.length).toBeGreaterThan(2)
    expect(run.test!.auc).toBeGreaterThan(0.9)
    expect(run.samplesPerSecond).toBeGreaterThan(0)
    expect(history.steps.length).toBeGreaterThan(ctx.runs.history(run.id, 10).steps.length)
    expect(history.log.some((l) => l.startsWith('Test: accuracy'))).toBe(true)
  })

  it('stores the test predictions in one byte per example, right where the test figures say', async () => {
    const predictions = (await readPredictions(ctx.runs.folder(run.id)))!
    expect(statSync(predictionsFile(ctx.runs.folder(run.id))).size).toBe(8 + data.counts.test)
    const right = predictions.correct.reduce((a, b) => a + b, 0)
    expect(right / data.counts.test).toBeCloseTo(run.test!.accuracy, 10)
    expect(run.test!.confusion[1]![1]).toBe(
      predictions.predicted.filter((p, i) => p === 1 && predictions.correct[i]).length,
    )
  })

  it('keeps the tensor count flat from epoch to epoch (no leaks)', () => {
    const counts = ctx.runs
      .history(run.id)
      .log.map((l) => /; (\d+) tensors in memory/.exec(l)?.[1])
      .filter((c) => c !== undefined)
    expect(counts).toHaveLength(3)
    expect(new Set(counts).size).toBe(1)
  })

  it('writes a bundle that predicts raw text as the trained model scored the test split', async () => {
    const folder = join(dir, 'runs', run.id, 'model')
    for (const f of ['model.json', 'weights.bin', 'vocab.txt', 'preprocessing.json', 'metadata.json'])
      expect(existsSync(join(folder, f)), f).toBe(true)
    const bundle = await loadBundle(folder)
    const probs = await predictTexts(
      bundle,
      data.test.map((t) => t.text),
    )
    const classes = bundle.preprocessing.classes
    const correct = data.test.filter((t, i) => classes[probs[i * 2 + 1]! >= 0.5 ? 1 : 0] === t.label).length
    expect(correct / data.test.length).toBe(run.test!.accuracy)
    const metadata = JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8'))
    expect(metadata.dataset.fingerprint).toBe(data.fingerprint)
  })

  it("gives the learned vectors of the model's most frequent words, as the bundle holds them", async () => {
    const answer = await ctx.invoke('runs.wordVectors', { id: run.id, count: 10 })
    expect(answer.ok).toBe(true)
    const sample = (answer as { result: { words: string[]; dim: number; vectors: number[] } }).result
    const bundle = await loadBundle(join(dir, 'runs', run.id, 'model'))
    const table = bundle.model.getLayer('embedding').getWeights()[0]!.arraySync() as number[][]
    expect(sample.words).toHaveLength(10)
    expect(sample.dim).toBe(16)
    sample.words.forEach((w, i) =>
      expect(sample.vectors.slice(i * 16, (i + 1) * 16)).toEqual(
        table[bundle.vocab.get(w)!]!.map((v) => Math.fround(v)),
      ),
    )
    const missing = await ctx.invoke('runs.wordVectors', { id: 'nope' })
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } })
  })

  it('loads in plain tfjs over HTTP, as a browser loads it, with the same outputs', async () => {
    const folder = join(dir, 'runs', run.id, 'model')
    const server = createServer((req, res) => {
      readFile(join(folder, req.url!.slice(1))).then(
        (b) => res.end(b),
        () => res.writeHead(404).end(),
      )
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    try {
      const viaHttp = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`)
      const local = await readModelFiles(folder)
      const x = tf.tensor2d([[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]], [1, 16], 'int32')
      expect(Array.from((viaHttp.predict(x) as tf.Tensor).dataSync())).toEqual(
        Array.from((local.predict(x) as tf.Tensor).dataSync()),
      )
    } finally {
      server.close()
    }
  })

  it('repeats exactly with the same seed, and differs with another', async () => {
    const again = await trainRun(ctx, data.id, 'kim-cnn', { ...quick, epochs: 3 })
    const other = await trainRun(ctx, data.id, 'kim-cnn', { ...quick, epochs: 3, seed: 7 })
    const losses = (r: RunRecord) => ctx.runs.history(r.id).steps.map((s) => s.loss)
    expect(losses(again)).toEqual(losses(run))
    expect(again.test).toEqual(run.test)
    expect(losses(other)).not.toEqual(losses(run))
    // The same predictions: McNemar finds no discordant example.
    const { mcnemar } = await ctx.runs.compare([run.id, again.id])
    expect(mcnemar).toMatchObject([{ onlyAWrong: 0, onlyBWrong: 0, pValue: 1, significant: false }])
  })
})

describe('cancel, resume and failure', () => {
  it('cancels a run, then resumes it from its checkpoint to the same number of steps', async () => {
    const started = await startRun(ctx, data.id, 'fasttext-bigram', { ...quick, epochs: 40, batchSize: 8 })
    const stepsPerEpoch = Math.ceil(data.counts.train / 8)
    await firstEpoch(ctx, started)
    // The dataset cannot go while the run reads it: refused, naming the run, and nothing removed.
    const refused = await ctx.invoke('datasets.delete', { id: data.id })
    expect(refused).toMatchObject({ ok: false, error: { field: 'id' } })
    expect(refused.ok ? '' : refused.error.message).toContain(`"${started.name}" (running)`)
    expect(ctx.datasets.get(data.id).id).toBe(data.id)
    ctx.runs.cancel(started.id)
    const cancelled = await finishedRun(ctx, started)
    expect(cancelled.status).toBe('cancelled')
    const doneBefore = ctx.runs.history(cancelled.id).epochs.length
    expect(doneBefore).toBeGreaterThanOrEqual(1)
    expect(doneBefore).toBeLessThan(40)

    const resumed = await finishedRun(ctx, ctx.runs.resume(started.id))
    expect(resumed.status, resumed.error ?? '').toBe('succeeded')
    const history = ctx.runs.history(resumed.id)
    expect(history.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(history.steps.map((s) => s.step)).toEqual(Array.from({ length: 40 * stepsPerEpoch }, (_, i) => i + 1))
    expect(history.log.some((l) => l.startsWith('Resumed from the checkpoint'))).toBe(true)
  })

  it('splits a batch into micro-batches when one pass would not fit, with the same steps', async () => {
    const settings = { ...quick, model: 'lstm' as const, epochs: 2 }
    const whole = await trainRun(ctx, data.id, 'fasttext-bigram', settings)
    process.env[passMemoryEnv] = '0.05' // about 8 examples of this LSTM per pass
    try {
      const split = await trainRun(ctx, data.id, 'fasttext-bigram', settings)
      expect(split.status, split.error ?? '').toBe('succeeded')
      const log = ctx.runs.history(split.id).log
      expect(log.some((l) => /runs as micro-batches of \d+ /.test(l))).toBe(true)
      const losses = (r: RunRecord) => ctx.runs.history(r.id).steps.map((s) => s.loss)
      const a = losses(whole)
      const b = losses(split)
      expect(b).toHaveLength(a.length)
      b.forEach((loss, i) => expect(Math.abs(loss - a[i]!)).toBeLessThan(2e-3))
    } finally {
      delete process.env[passMemoryEnv]
    }
  })

  it('validates every N steps and once more at the end, keeping the best of them', async () => {
    const stepsPerEpoch = Math.ceil(data.counts.train / 32)
    const every = await trainRun(ctx, data.id, 'fasttext-bigram', { ...quick, epochs: 2, validateEvery: 5 })
    const steps = ctx.runs.history(every.id).validations.map((v) => v.step)
    const expected = Array.from({ length: Math.floor((2 * stepsPerEpoch) / 5) }, (_, i) => (i + 1) * 5)
    if (expected.at(-1) !== 2 * stepsPerEpoch) expected.push(2 * stepsPerEpoch)
    expect(steps).toEqual(expected)
    // More steps between validations than the run has (amazon-lstm on a small set): the end still counts.
    const rare = await trainRun(ctx, data.id, 'fasttext-bigram', { ...quick, epochs: 1, validateEvery: 1000 })
    expect(ctx.runs.history(rare.id).validations.map((v) => v.step)).toEqual([stepsPerEpoch])
    expect(rare.bestValidation?.step).toBe(stepsPerEpoch)
  })

  it('marks a run failed with the job error when its dataset files are broken', async () => {
    const broken = await importSyntheticDataset(ctx, dir, 20, { name: 'broken' })
    rmSync(join(dir, 'datasets', broken.id, 'train.ids.bin'))
    const run = await trainRun(ctx, broken.id, 'fasttext-bigram', quick)
    expect(run.status).toBe('failed')
    expect(run.error).toMatch(/train\.ids\.bin/)
    await expect(ctx.runs.resume(run.id)).resolves.toMatchObject({ status: 'running' })
  })

  it('refuses bad requests before anything starts, naming the field', async () => {
    const unknown = await ctx.invoke('runs.start', { datasetId: data.id, preset: 'nope' })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found', field: 'preset' } })
    const bad = await ctx.invoke('runs.start', { datasetId: data.id, preset: 'kim-cnn', overrides: { epochs: 0 } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'overrides.epochs' } })
    const noVectors = await ctx.invoke('runs.start', { datasetId: data.id, preset: 'sentimentnet-bilstm' })
    expect(noVectors).toMatchObject({ ok: false, error: { field: 'overrides.vectors' } })
    const noDataset = await ctx.invoke('runs.start', { datasetId: 'missing', preset: 'kim-cnn' })
    expect(noDataset).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const running = ctx.runs.list().filter((r) => r.status === 'running')
    await Promise.all(running.map((r) => ctx.jobs.wait(r.jobId!)))
  })
})

describe('sweeps', () => {
  it('check every run before queuing any, then queue them all as one group named by their changes', async () => {
    const count = () => ctx.runs.list(1000).length
    const before = count()
    const base = { datasetId: data.id, overrides: { ...quick, epochs: 1 }, backend: 'wasm' as const }
    // Every combination of this preset lacks vectors: refused whole, nothing queued.
    const noVectors = await ctx.invoke('runs.sweep', {
      ...base,
      preset: 'sentimentnet-bilstm',
      grid: { learningRate: [0.01, 0.1] },
    })
    expect(noVectors).toMatchObject({ ok: false, error: { code: 'invalid_payload', field: 'overrides.vectors' } })
    const badValue = await ctx.invoke('runs.sweep', { ...base, preset: 'kim-cnn', grid: { dropout: [0.1, 2] } })
    expect(badValue).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^dropout: 2 is refused/) } })
    expect(count()).toBe(before)

    const sweep = await ctx.request('runs.sweep', {
      ...base,
      preset: 'fasttext-bigram',
      name: 'rates',
      random: { count: 2, seed: 3, ranges: { learningRate: { min: 0.01, max: 0.1, log: true } } },
    })
    expect(sweep.runs.map((r) => r.name)).toEqual(
      sampleRandom({ learningRate: { min: 0.01, max: 0.1, log: true } }, 2, 3).map(
        (c) => `rates learningRate=${String(c.learningRate)}`,
      ),
    )
    expect(new Set(sweep.runs.map((r) => r.groupId))).toEqual(new Set([sweep.groupId]))
    for (const run of sweep.runs) {
      const started = await ctx.runs.started(run.id)
      await ctx.jobs.wait(started.jobId!)
      expect(ctx.runs.get(run.id)).toMatchObject({ status: 'succeeded', config: { epochs: 1 } })
    }
  })
})

describe('pretrained vectors', () => {
  it('trains SentimentNet on frozen vectors, which stay as they were in the bundle', async () => {
    const words = ['the', 'great', 'awful', 'film', 'loved', 'hated', 'boring', 'superb']
    const file = join(dir, 'vectors.txt')
    writeGlove(file, words, 8)
    const added = await finished(ctx, await ctx.invoke('vectors.add', { path: file }))
    const vectorsId = (added.result as { id: string }).id
    const run = await trainRun(ctx, data.id, 'sentimentnet-bilstm', {
      ...quick,
      optimizer: 'momentum',
      learningRate: 0.1,
      vectors: vectorsId,
      embeddingDim: 300, // replaced by the vectors' own dimension
    })
    expect(run.status, run.error ?? '').toBe('succeeded')
    expect(run.config.embeddingDim).toBe(8)
    const bundle = await loadBundle(join(dir, 'runs', run.id, 'model'))
    const table = bundle.model.getLayer('embedding').getWeights()[0]!.arraySync() as number[][]
    const lines = (await readFile(file, 'utf8')).trim().split('\n')
    const great = lines
      .find((l) => l.startsWith('great '))!
      .split(' ')
      .slice(1)
      .map(Number)
    const row = table[bundle.vocab.get('great')!]!
    row.forEach((v, k) => expect(v).toBeCloseTo(great[k]!, 5))
  })
})

describe('a crash of the app during training', () => {
  it('leaves the run interrupted with its checkpoint, and resume finishes it', async () => {
    const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
    const args = ['--import', 'tsx', cli, 'train', '--dataset', data.id, '--preset', 'fasttext-bigram']
    const settings = { ...quick, epochs: 30, batchSize: 8 }
    for (const [key, value] of Object.entries(settings)) args.push('--set', `${key}=${value}`)
    const runsDir = join(dir, 'runs')
    const runIds = () => (existsSync(runsDir) ? readdirSync(runsDir) : [])
    const earlier = new Set(runIds())
    const child = spawn(process.execPath, [...args, '--backend', 'wasm', '--data-dir', dir], { stdio: 'ignore' })
    const checkpoint = () =>
      runIds().some((id) => !earlier.has(id) && existsSync(join(runsDir, id, 'checkpoints', 'last', 'state.json')))
    const started = Date.now()
    while (!checkpoint() && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGKILL') // the app dies; its job process sees the channel close and stops
    await new Promise((r) => child.once('exit', r))
    await new Promise((r) => setTimeout(r, 1500))

    const reopened = appContext(dir) // start-up recovery: the owner process is dead
    try {
      const crashed = reopened.runs.list().find((r) => !earlier.has(r.id))!
      expect(crashed.status).toBe('interrupted')
      const before = reopened.runs.history(crashed.id).epochs.length
      expect(before).toBeLessThan(30)
      const resumed = await finishedRun(reopened, reopened.runs.resume(crashed.id))
      expect(resumed.status, resumed.error ?? '').toBe('succeeded')
      const history = reopened.runs.history(resumed.id)
      expect(history.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
      expect(history.log.some((l) => l.startsWith('Resumed from the checkpoint'))).toBe(true)
    } finally {
      await reopened.close()
    }
  }, 180_000) // a CLI under tsx, then a resumed run: minutes on a loaded 2-core machine
})
