/**
 * Predict and explain work for every model kind (tiny models, one epoch: shapes and consistency, not
 * accuracy); a recurrent run's test split, scored by the inference-only recurrent scorer, gives the
 * run's own test figures exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppContext } from '../../src/main/core/app-context'
import type { DatasetSummary } from '../../src/shared/datasets'
import { resultOf } from '../../src/shared/job-catalog'
import { modelKinds } from '../../src/shared/training/model-kinds'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick, trainRun } from '../fixtures/training'

let dir: string
let ctx: AppContext
let data: DatasetSummary

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-predict-'))
  ctx = appContext(dir)
  data = await importSyntheticDataset(ctx, dir, 20)
}, 60_000)
afterAll(async () => {
  await ctx.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('recurrent runs scored', () => {
  for (const model of ['bilstm', 'gru'] as const)
    it(`give the run's own test figures on its test split: ${model}`, async () => {
      const run = await trainRun(ctx, data.id, 'fasttext-bigram', {
        ...quick,
        model,
        epochs: 2,
        hiddenUnits: 6,
        embeddingDim: 8,
        ...(model === 'bilstm' ? { readout: 'first-last' as const, layers: 2, output: 'softmax' as const } : {}),
      })
      expect(run.status, run.error ?? '').toBe('succeeded')
      const job = await ctx.request('scores.start', {
        runId: run.id,
        input: { format: 'dataset', datasetId: data.id, split: 'test' },
      })
      const m = resultOf(await ctx.jobs.finished(job)).evaluation!.metrics
      expect(m.accuracy).toBe(run.test!.accuracy)
      expect(m.confusion).toEqual(run.test!.confusion)
      expect(m.loss).toBeCloseTo(run.test!.loss, 4)
    }, 60_000)
})

describe('predict and explain', () => {
  for (const model of modelKinds) {
    it(`works for ${model}`, async () => {
      const run = await trainRun(ctx, data.id, 'fasttext-bigram', {
        ...quick,
        model,
        epochs: 1,
        hiddenUnits: 4,
        embeddingDim: 4,
        filters: 4,
        denseUnits: 4,
        ...(model === 'bilstm' ? { readout: 'first-last' as const, layers: 2 } : {}),
      })
      expect(run.status, run.error ?? '').toBe('succeeded')
      const text = 'the plot was wonderful but the actor was awful qwertyuiop'
      const plain = await ctx.request('predict', { runId: run.id, text })
      const p = await ctx.request('predict', { runId: run.id, text, explain: true })
      expect(p.probabilities).toEqual(plain.probabilities)
      expect(plain.tokens).toBeUndefined()
      expect(p.probabilities[p.label]).toBe(p.probability)
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
      expect(p.tokens!.map((t) => t.text)).toEqual(text.split(' '))
      expect(p.tokens!.every((t) => Number.isFinite(t.weight))).toBe(true)
      expect(p.tokens!.at(-1)!.inVocabulary).toBe(false)
      expect(p.tokens!.some((t) => t.weight !== 0)).toBe(true)
    }, 60_000)
  }
})
