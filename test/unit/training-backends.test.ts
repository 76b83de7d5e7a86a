/**
 * The native TensorFlow rung against wasm, through real job processes: every model kind learns the
 * same generated task on both to the same accuracy band, the run says which TensorFlow and how many
 * threads it used, and a bundle trained on TensorFlow scores the same in plain tfjs (the browser's
 * CPU path) and on wasm. Skipped, with the probe's reason, where the rung is not built
 * (`npm run native:tensorflow`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppContext } from '../../src/main/core/app-context'
import { threadsVariable } from '../../src/main/core/backends/native'
import { loadBundle, predictTexts } from '../../src/main/core/engine/bundle'
import type { DatasetSummary } from '../../src/shared/datasets'
import type { TrainConfig } from '../../src/shared/training/config'
import { modelKinds, type ModelKind } from '../../src/shared/training/model-kinds'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { probeNative } from '../fixtures/native'
import {
  finishedRun,
  importSyntheticDataset,
  quick,
  resumedRun,
  trainRun,
  type SyntheticTexts,
} from '../fixtures/training'

const native = probeNative('tensorflow')
const skipped = native.available ? '' : ` (skipped: ${native.reason})`
if (!native.available) console.log(`training-backends: the tensorflow rung is not available: ${native.reason}`)

let dir: string
let ctx: AppContext
let data: DatasetSummary & SyntheticTexts
const runs = new Map<ModelKind, Record<'wasm' | 'tensorflow', RunRecord>>()

beforeAll(async () => {
  if (!native.available) return
  // One TensorFlow thread, so a pair's two runs share two cores; the run must report the setting.
  process.env[threadsVariable] = '1'
  dir = mkdtempSync(join(tmpdir(), 'studio-backends-'))
  ctx = appContext(dir)
  data = await importSyntheticDataset(ctx, dir, 150)
})
afterAll(async () => {
  delete process.env[threadsVariable]
  await ctx?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function train(model: ModelKind, backend: 'wasm' | 'tensorflow'): Promise<RunRecord> {
  const overrides: Partial<TrainConfig> = {
    ...quick,
    model,
    ...(model === 'bilstm' ? { readout: 'first-last' as const, layers: 2 } : {}),
    ...(model === 'ngram-bag' ? { learningRate: 0.05, epochs: 10 } : {}),
  }
  const answer = await ctx.invoke('runs.start', { datasetId: data.id, preset: 'fasttext-bigram', overrides, backend })
  if (!answer.ok) throw new Error(`runs.start: ${answer.error.message}`)
  return finishedRun(ctx, answer.result as RunRecord)
}

describe('the tensorflow rung against wasm', () => {
  for (const model of modelKinds) {
    it.skipIf(!native.available)(
      `${model} reaches the same accuracy band on tensorflow as on wasm${skipped}`,
      async () => {
        const [wasm, tensorflow] = await Promise.all([train(model, 'wasm'), train(model, 'tensorflow')])
        const pair = { wasm, tensorflow }
        runs.set(model, pair)
        const figures = (r: RunRecord) => `${r.test?.accuracy} at ${Math.round(r.samplesPerSecond ?? 0)} samples/s`
        console.log(`${model}: wasm ${figures(wasm)}, tensorflow ${figures(tensorflow)}`)
        for (const [backend, run] of Object.entries(pair)) {
          expect(run.status, `${backend}: ${run.error}`).toBe('succeeded')
          expect(run.backend).toBe(backend)
          expect(run.test!.accuracy, backend).toBeGreaterThanOrEqual(0.9)
        }
        expect(Math.abs(pair.tensorflow.test!.accuracy - pair.wasm.test!.accuracy)).toBeLessThanOrEqual(0.05)
        // The run's log records the library and its threads.
        const log = ctx.runs.history(pair.tensorflow.id).log
        expect(log.find((l) => l.startsWith('Backend: '))).toMatch(
          /^Backend: tensorflow \(TensorFlow \d+\.\d+\.\d+ native CPU, 1 intra-op and 1 inter-op threads, set by SENTIMENT_STUDIO_THREADS=1\)/,
        )
      },
    )
  }

  it.skipIf(!native.available)(
    `a bundle trained on tensorflow scores the same in plain tfjs and on wasm${skipped}`,
    async () => {
      expect(runs.size, 'the training tests above ran').toBe(modelKinds.length)
      await tf.setBackend('cpu')
      for (const [model, { tensorflow: run }] of runs) {
        const bundle = await loadBundle(join(dir, 'runs', run.id, 'model'))
        const texts = data.test.map((t) => t.text)
        const scored: Record<string, Float32Array> = {}
        for (const backend of ['cpu', 'wasm']) {
          await tf.setBackend(backend)
          scored[backend] = await predictTexts(bundle, texts)
        }
        const classes = bundle.preprocessing.classes
        const accuracy = (probs: Float32Array) =>
          data.test.filter((t, i) => classes[probs[i * 2 + 1]! >= 0.5 ? 1 : 0] === t.label).length / data.test.length
        expect(accuracy(scored.cpu!), `${model} on cpu`).toBe(run.test!.accuracy)
        expect(accuracy(scored.wasm!), `${model} on wasm`).toBe(run.test!.accuracy)
        const drift = scored.cpu!.reduce((m, p, i) => Math.max(m, Math.abs(p - scored.wasm![i]!)), 0)
        expect(drift, model).toBeLessThan(1e-4)
        bundle.model.dispose()
      }
    },
  )
})

describe('cancel and resume on the tensorflow rung', () => {
  // The native parts with state: Adam's slots in TensorFlow variables and the table's copy (dense),
  // the Step kernel (cnn), the block LSTM (bilstm).
  for (const model of ['dense', 'cnn', 'bilstm'] as const)
    it.skipIf(!native.available)(
      `${model} resumes from its checkpoint to the figures of a run never stopped${skipped}`,
      async () => {
        const settings = { ...quick, model, epochs: 6, batchSize: 16 }
        const whole = await trainRun(ctx, data.id, 'fasttext-bigram', settings, 'tensorflow')
        expect(whole.status, whole.error ?? '').toBe('succeeded')
        const resumed = await resumedRun(ctx, data.id, 'fasttext-bigram', settings, 'tensorflow')
        expect(resumed.status, resumed.error ?? '').toBe('succeeded')
        expect(resumed.backend).toBe('tensorflow')
        expect(ctx.runs.history(resumed.id).log.some((l) => l.startsWith('Resumed from the checkpoint'))).toBe(true)
        const losses = (r: RunRecord) => ctx.runs.history(r.id).steps.map((s) => s.loss)
        expect(losses(resumed)).toHaveLength(losses(whole).length)
        losses(resumed).forEach((loss, i) =>
          expect(Math.abs(loss - losses(whole)[i]!), `step ${i + 1}`).toBeLessThan(1e-5),
        )
        expect(resumed.test!.confusion).toEqual(whole.test!.confusion)
      },
    )
})
