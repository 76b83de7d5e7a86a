import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AppContext } from '../../src/main/core/app-context'
import {
  autoCandidates,
  expectedTrialMs,
  fitsBudget,
  promoted,
  rankTrials,
  rungEpochs,
  type AutoCandidate,
  type AutoDatasetFacts,
  type AutoSearch,
} from '../../src/shared/training/auto'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick } from '../fixtures/training'

const facts = (trainExamples: number, over: Partial<AutoDatasetFacts> = {}): AutoDatasetFacts => ({
  trainExamples,
  classes: 2,
  vocabSize: 20_000,
  medianLength: 20,
  p95Length: 45,
  ...over,
})

describe('the Auto plan', () => {
  it('trains each rung a ninth, a third and all of the full epochs, at least one', () => {
    expect([0, 1, 2].map((r) => rungEpochs(27, r))).toEqual([3, 9, 27])
    expect([0, 1, 2].map((r) => rungEpochs(3, r))).toEqual([1, 1, 3])
    expect([1, 2, 3, 4, 6, 7].map(promoted)).toEqual([1, 1, 1, 2, 2, 3])
  })

  it('ranks by validation accuracy, then loss, unvalidated trials last', () => {
    const t = (id: string, validationAccuracy: number | null, validationLoss: number | null) => ({
      id,
      validationAccuracy,
      validationLoss,
    })
    const ranked = rankTrials([t('a', 0.8, 0.5), t('b', null, null), t('c', 0.9, 0.6), t('d', 0.8, 0.4)])
    expect(ranked.map((r) => r.id)).toEqual(['c', 'd', 'a', 'b'])
  })

  it('sizes batches, epochs, buckets and lengths from the data', () => {
    const small = autoCandidates(facts(1_920, { vocabSize: 5_000 }))
    const large = autoCandidates(facts(20_000, { vocabSize: 80_000, p95Length: 700 }))
    const bag = (cs: AutoCandidate[]) => cs.find((c) => c.label === 'bigram bag')!.overrides
    // 1,920 examples: batch 16 and many epochs (hundreds of updates); 20,000: batch 64 and fewer.
    expect(bag(small)).toMatchObject({ batchSize: 16, epochs: 40, hashBuckets: 65_536, maxLen: 45 })
    expect(bag(large)).toMatchObject({ batchSize: 64, epochs: 10, hashBuckets: 1_048_576, maxLen: 700 })
    expect(large.find((c) => c.label === 'Kim CNN')!.overrides.maxLen).toBe(400)
    // Cheapest first: bags, then the CNN, then the recurrent model.
    expect(small.map((c) => c.label).slice(-2)).toEqual(['Kim CNN', 'GRU'])
  })

  it('starts a trial only when it ends before the deadline with the final test reserved', () => {
    expect(fitsBudget(50_000, 60_000, 5_000)).toBe(true)
    expect(fitsBudget(56_000, 60_000, 5_000)).toBe(false)
    // Unmeasured: an eighth of the budget, or twice the start-up seen; measured: start-up plus epochs.
    expect(expectedTrialMs(undefined, 3, 1_000, 80_000)).toBe(10_000)
    expect(expectedTrialMs(undefined, 3, 8_000, 80_000)).toBe(16_000)
    expect(expectedTrialMs(2_000, 3, 1_000, 80_000)).toBe(7_000)
  })
})

/** Two settings of one bag model: one learns the task, one cannot move from its start. */
const learns: AutoCandidate = {
  label: 'learns',
  preset: 'fasttext-bigram',
  overrides: { ...quick, model: 'ngram-bag', epochs: 3, learningRate: 0.05 },
}
const frozen: AutoCandidate = {
  label: 'frozen',
  preset: 'fasttext-bigram',
  overrides: { ...quick, model: 'ngram-bag', epochs: 3, learningRate: 1e-7 },
}

describe('an Auto search on a generated task', () => {
  let dir: string
  let ctx: AppContext
  let datasetId: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-auto-'))
    ctx = appContext(join(dir, 'data'))
    datasetId = (await importSyntheticDataset(ctx, dir, 60)).id
  })
  afterAll(async () => {
    await ctx.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds the better of two settings, tests only the winner, and keeps every trial in its group', async () => {
    // A budget far beyond the trials' time (under any load): the plan, not the clock, ends this search.
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 60,
      backend: 'wasm',
      candidates: [frozen, learns],
    })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('succeeded')
    // Rung 1 tries both for one epoch, rung 2 the better for one, rung 3 that one for all three.
    expect(done.trials.map((t) => [t.label, t.rung, t.epochs])).toEqual([
      ['frozen', 0, 1],
      ['learns', 0, 1],
      ['learns', 1, 1],
      ['learns', 2, 3],
    ])
    const winner = ctx.runs.get(done.bestRunId!)
    expect(winner.config.learningRate).toBe(0.05)
    const [frozenTrial, learnsTrial] = done.trials
    expect(learnsTrial!.validationAccuracy!).toBeGreaterThan(frozenTrial!.validationAccuracy!)
    // Tested once, after the search: well above chance on the held-out split.
    expect(winner.test!.accuracy).toBeGreaterThan(0.65)
    for (const trial of done.trials) {
      const run = ctx.runs.get(trial.runId)
      expect(run.groupId).toBe(search.id)
      expect(run.status).toBe('succeeded')
      // Only the winner saw the test split.
      if (run.id !== winner.id) expect(run.test).toBeNull()
    }
  })

  it('cancels cleanly and keeps the best trial so far', async () => {
    const slow: AutoCandidate = {
      label: 'slow',
      preset: 'fasttext-bigram',
      overrides: { ...quick, model: 'ngram-bag', epochs: 900, batchSize: 1 },
    }
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 10,
      backend: 'wasm',
      candidates: [learns, slow],
    })
    // Cancel once the second trial trains.
    await new Promise<void>((resolve) => {
      const off = ctx.on('auto.updated', (s: AutoSearch) => {
        if (s.id === search.id && s.trials.length === 2) {
          off()
          resolve()
        }
      })
    })
    await ctx.request('auto.cancel', { id: search.id })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('cancelled')
    expect(done.trials.map((t) => [t.label, t.status])).toEqual([
      ['learns', 'succeeded'],
      ['slow', 'cancelled'],
    ])
    expect(done.bestRunId).toBe(done.trials[0]!.runId)
    expect(ctx.runs.list().filter((r) => r.status === 'running' || r.status === 'queued')).toEqual([])
  })

  it('stops a trial whose pace would overrun the budget', async () => {
    const started = Date.now()
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 0.5,
      backend: 'wasm',
      candidates: [{ ...learns, label: 'endless', overrides: { ...learns.overrides, epochs: 900, batchSize: 1 } }],
    })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/No trial finished within the budget/)
    expect(done.trials[0]!.status).toBe('cancelled')
    // Its pace is trusted after 5 s of steps; a cancel takes a few seconds more.
    expect(Date.now() - started).toBeLessThan(40_000)
  })
})
