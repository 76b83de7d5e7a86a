import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AppContext } from '../../src/main/core/app-context'
import {
  autoCandidates,
  choiceNote,
  chooseTrial,
  expectedTrialMs,
  fitsBudget,
  promoted,
  rankTrials,
  refitAddsEnough,
  rungEpochs,
  type AutoCandidate,
  type AutoSearch,
  type AutoTrial,
} from '../../src/shared/training/auto'
import { resultOf } from '../../src/shared/job-catalog'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick } from '../fixtures/training'

describe('the Auto plan', () => {
  it('refits only when validation adds at least 5% to the training examples', () => {
    expect(refitAddsEnough({ train: 8_000, val: 1_000 })).toBe(true)
    expect(refitAddsEnough({ train: 100, val: 5 })).toBe(true)
    // A treebank trained on its phrases: validation is sentences, a small share of them.
    expect(refitAddsEnough({ train: 161_777, val: 964 })).toBe(false)
  })

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

  it('keeps the earliest candidate within one standard error of the best validation accuracy', () => {
    const t = (label: string, validationAccuracy: number | null, status: AutoTrial['status'] = 'succeeded') => ({
      label,
      status,
      validationAccuracy,
      validationLoss: 0.5,
    })
    // rt-polarity's fold 2: 960 validation sentences, one standard error at 78.44% is 1.33 points.
    const trials = [t('NBSVM', 0.7823), t('bag', 0.7729), t('NBSVM, trigrams', 0.7844), t('bag', 0.7781)]
    const kept = chooseTrial(trials, 960)!
    expect(kept.label).toBe('NBSVM')
    expect(choiceNote(trials, kept, 960)).toMatch(
      /^NBSVM \(78\.23%\) is kept over NBSVM, trigrams \(78\.44%\): within one standard error of it \(±1\.33 points on 960 /,
    )
    // A later candidate beyond the noise wins, and a plain maximum is what is left with a million examples.
    expect(chooseTrial([t('NBSVM', 0.76), t('CNN', 0.7844)], 960)!.label).toBe('CNN')
    expect(chooseTrial(trials, 1_000_000)!.label).toBe('NBSVM, trigrams')
    expect(choiceNote(trials, chooseTrial(trials, 1_000_000)!, 1_000_000)).toBeNull()
    // Within the kept candidate, its most accurate rung; failed and unvalidated trials are never kept.
    const rungs = [t('bag', 0.77), t('bag', 0.78), t('x', 0.781)]
    expect(chooseTrial(rungs, 960)).toBe(rungs[1])
    expect(chooseTrial([t('a', null), t('b', 0.9, 'failed')], 960)).toBeNull()
  })

  it('searches NBSVM first and a recurrent model last, leaving batch, epochs and lengths to the size rules', () => {
    const space = autoCandidates()
    expect(space[0]).toMatchObject({ label: 'NBSVM', preset: 'nbsvm' })
    expect(space.at(-1)!.overrides.model).toBe('gru')
    for (const c of space)
      for (const fitted of ['batchSize', 'epochs', 'maxLen', 'hashBuckets'])
        expect(c.overrides).not.toHaveProperty(fitted)
    // Trained on labelled phrases: the same space, the CNN first.
    const phrases = autoCandidates({ phrases: 1000 })
    expect(phrases[0]).toMatchObject({ label: 'Kim CNN', preset: 'kim-cnn' })
    expect(phrases.map((c) => c.label).sort()).toEqual(space.map((c) => c.label).sort())
    expect(autoCandidates({ phrases: 0 })).toEqual(space)
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

  it('finds the better of two settings, fits NBSVM once, refits the winner on train + validation and tests only that, keeps every trial in its group', async () => {
    // A budget far beyond the trials' time (under any load): the plan, not the clock, ends this search.
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 60,
      backend: 'wasm',
      // NBSVM without its own refit: whichever trial wins, Auto refits it.
      candidates: [frozen, learns, { label: 'NBSVM', preset: 'nbsvm', overrides: { nbsvmRefit: false } }],
    })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('succeeded')
    // Rung 1 tries all three (NBSVM is fitted whole, once); the better bag goes on: its rung 2 is one
    // epoch again, which it has trained (kept, not trained twice), then all three.
    expect(done.trials.map((t) => [t.label, t.rung, t.epochs])).toEqual([
      ['frozen', 0, 1],
      ['learns', 0, 1],
      ['NBSVM', 0, done.trials[2]!.epochs],
      ['learns', 2, 3],
    ])
    const [frozenTrial, learnsTrial] = done.trials
    expect(learnsTrial!.validationAccuracy!).toBeGreaterThan(frozenTrial!.validationAccuracy!)
    // The winner is the earliest candidate within one standard error of the best validation accuracy.
    const best = Math.max(...done.trials.map((t) => t.validationAccuracy ?? 0))
    const kept = done.trials.find((t) => t.runId === done.bestRunId)!
    const { val } = ctx.datasets.get(datasetId).counts
    expect(kept.label).not.toBe('frozen')
    expect(kept.validationAccuracy!).toBeGreaterThanOrEqual(best - Math.sqrt((best * (1 - best)) / val))
    // The winner's settings were refit on train + validation, in the group, and that run alone was tested.
    expect(done.refit).toBe(true)
    const refit = ctx.runs.get(done.testedRunId!)
    const winner = ctx.runs.get(done.bestRunId!)
    expect(refit.id).not.toBe(winner.id)
    expect(refit.name).toMatch(/refit on train \+ validation$/)
    expect(refit.groupId).toBe(search.id)
    expect(refit.config.model).toBe(winner.config.model)
    const log = ctx.runs.history(refit.id).log.join('\n')
    expect(log).toMatch(/Refit: training on the training and validation splits together \(120 examples\)/)
    expect(log).toMatch(/Testing the last weights \(refit on train \+ validation\)|Refit on 120 examples/)
    // Tested once, after the search: well above chance on the held-out split.
    expect(refit.test!.accuracy).toBeGreaterThan(0.65)
    for (const trial of done.trials) {
      const run = ctx.runs.get(trial.runId)
      expect(run.groupId).toBe(search.id)
      expect(run.status).toBe('succeeded')
      // No trial saw the test split.
      expect(run.test).toBeNull()
    }
  }, 300_000) // five jobs with the refit: six took 157 s under load 18, near the default 180 s

  it('does not refit an NBSVM winner that refit itself (nbsvmRefit): it tests the winner', async () => {
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 60,
      backend: 'wasm',
      candidates: [{ label: 'NBSVM', preset: 'nbsvm', overrides: {} }],
    })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('succeeded')
    expect(done.trials).toHaveLength(1)
    // Its model already trained on train + validation: the same run is tested, no second run.
    expect(done.testedRunId).toBe(done.bestRunId)
    expect(done.refit).toBe(true)
    expect(ctx.runs.list().filter((r) => r.groupId === search.id)).toHaveLength(1)
    const winner = ctx.runs.get(done.bestRunId!)
    expect(winner.test).not.toBeNull()
    expect(ctx.runs.history(winner.id).log.join('\n')).toMatch(
      /The refit is kept in place of the fit on the training split/,
    )
  }, 120_000)

  it('chooses C and beta on validation, then refits NBSVM on train + validation with the temperature of its fit on train alone', async () => {
    const queued = await ctx.runs.start(
      {
        datasetId,
        preset: 'nbsvm',
        overrides: { ...quick, model: 'nbsvm', nbsvmTune: true },
        backend: 'wasm',
        name: 'nbsvm refit',
      },
      undefined,
      { refit: true },
    )
    const run = await ctx.runs.started(queued.id)
    await ctx.jobs.wait(run.jobId!)
    const done = ctx.runs.get(run.id)
    expect(done.status).toBe('succeeded')
    const log = ctx.runs.history(run.id).log.join('\n')
    expect(log).toMatch(/NBSVM: 120 examples/)
    // Two C's fitted on the 96 training examples, four betas each, measured on the 24 of validation.
    expect(log.match(/^C (1|0\.1), beta [\d.]+: validation accuracy [\d.]+%\.$/gm)).toHaveLength(8)
    expect(log.match(/SVM 1\/1, C [\d.]+, 96 examples/g)).toHaveLength(2)
    const [, C, beta] = log.match(/Chosen: C ([\d.]+), beta ([\d.]*\d)/)!
    expect(log).toMatch(new RegExp(`SVM 1/1, C ${C}, 120 examples`))
    expect(log).toMatch(
      new RegExp(
        `Refit on 120 examples \\(train \\+ validation\\) with C ${C}, beta ${beta}; scores scaled by [\\d.e+-]+, the temperature of the fit on the training split alone\\.`,
      ),
    )
    expect(done.test!.accuracy).toBeGreaterThan(0.65)
  })

  it('keeps a run’s refit in the history: resumed after a restart, it trains on train + validation again', async () => {
    const queued = await ctx.runs.start(
      { datasetId, preset: 'fasttext-bigram', overrides: { ...quick, model: 'ngram-bag' }, backend: 'wasm' },
      undefined,
      { refit: true },
    )
    const run = await ctx.runs.started(queued.id)
    ctx.runs.cancel(run.id)
    await ctx.jobs.wait(run.jobId!)
    expect(ctx.runs.get(run.id).status).toBe('cancelled')
    await ctx.close()
    ctx = appContext(join(dir, 'data')) // a restart: nothing of the first context's memory is left
    expect(ctx.runs.get(run.id).refit).toBe(true)
    const resumed = await ctx.runs.resume(run.id)
    await ctx.jobs.wait(resumed.jobId!)
    const done = ctx.runs.get(run.id)
    expect(done.status).toBe('succeeded')
    expect(ctx.runs.history(run.id).log.join('\n')).toMatch(
      /Refit: training on the training and validation splits together \(120 examples\)/,
    )
  })

  it('cancels cleanly and keeps the best trial so far', async () => {
    const slow: AutoCandidate = {
      label: 'slow',
      preset: 'fasttext-bigram',
      overrides: { ...quick, model: 'ngram-bag', epochs: 900, batchSize: 1, patience: 0 },
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

  it('tests the winner as trained when validation adds too few examples to refit', async () => {
    const few = await importSyntheticDataset(ctx, dir, 60, { name: 'few-val', valRatio: 0.04 })
    expect(few.counts.val / few.counts.train).toBeLessThan(0.05)
    const search = await ctx.request('auto.start', {
      datasetId: few.id,
      budgetMinutes: 60,
      backend: 'wasm',
      candidates: [learns],
    })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('succeeded')
    expect(done.refit).toBe(false)
    expect(done.trials.map((t) => [t.rung, t.epochs])).toEqual([
      [0, 1],
      [2, 3],
    ])
    expect(done.testedRunId).toBe(done.bestRunId)
    expect(ctx.runs.get(done.testedRunId!).test!.accuracy).toBeGreaterThan(0.65)
  })

  it('puts the CNN first on a treebank trained on its phrases', async () => {
    const trees = (label: number, words: string[]) =>
      `(${label} (${label} ${words[0]}) (${label} (${label} ${words[1]}) (${label} ${words[2]})))`
    const lines = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => [
        trees(0, ['awful', 'dull', `film${offset + i}`]),
        trees(4, ['great', 'fun', `movie${offset + i}`]),
      ]).flat()
    const path = join(dir, 'trees.txt')
    const testPath = join(dir, 'trees-test.txt')
    writeFileSync(path, lines(20, 0).join('\n'))
    writeFileSync(testPath, lines(4, 100).join('\n'))
    const job = await ctx.request('datasets.import', {
      spec: { name: 'trees', source: { format: 'treebank', path, testPath }, split: { valRatio: 0.2 } },
    })
    const treebank = resultOf(await ctx.jobs.finished(job))
    expect(treebank.phrases).toBeGreaterThan(0)
    const search = await ctx.request('auto.start', { datasetId: treebank.id, budgetMinutes: 10, backend: 'wasm' })
    await new Promise<void>((resolve) => {
      const off = ctx.on('auto.updated', (s: AutoSearch) => {
        if (s.id === search.id && s.trials.length === 1) {
          off()
          resolve()
        }
      })
    })
    await ctx.request('auto.cancel', { id: search.id })
    const done = await ctx.auto.wait(search.id)
    expect(done.trials[0]).toMatchObject({ label: 'Kim CNN', model: 'cnn' })
  })

  it('cancels a trial still running at the deadline, even one that shows no pace (queued behind a run)', async () => {
    const blocker = await ctx.request('runs.start', {
      datasetId,
      preset: 'fasttext-bigram',
      overrides: { ...quick, model: 'ngram-bag', epochs: 900, batchSize: 1, patience: 0 },
      backend: 'wasm',
    })
    const started = Date.now()
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 0.25,
      backend: 'wasm',
      candidates: [learns],
    })
    const done = await ctx.auto.wait(search.id)
    ctx.runs.cancel(blocker.id)
    expect(done.status).toBe('failed')
    expect(done.trials.map((t) => t.status)).toEqual(['cancelled'])
    // The budget is 15 s; the cancel itself takes a moment.
    expect(Date.now() - started).toBeLessThan(25_000)
  })

  it('stops a trial whose pace would overrun the budget', async () => {
    const started = Date.now()
    const search = await ctx.request('auto.start', {
      datasetId,
      budgetMinutes: 0.5,
      backend: 'wasm',
      // An LSTM of 256 at batch 1 for a ninth of 1,000 epochs: some 10,000 steps, minutes past half a
      // minute on any machine (of 64 units it ended within a few seconds of the budget here).
      candidates: [
        {
          ...learns,
          label: 'endless',
          overrides: { ...learns.overrides, model: 'lstm', hiddenUnits: 256, epochs: 1000, batchSize: 1, patience: 0 },
        },
      ],
    })
    const done = await ctx.auto.wait(search.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/No trial finished within the budget/)
    expect(done.trials[0]!.status).toBe('cancelled')
    // Its pace is trusted after 5 s of steps; a cancel takes a few seconds more.
    expect(Date.now() - started).toBeLessThan(40_000)
  })
})
