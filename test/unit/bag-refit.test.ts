/**
 * A bag's refit (`bagRefit`, on by default): the validation split chooses the epochs, then a new bag
 * trains on train + validation for that many epochs and is what the run tests and saves. A real job
 * on the generated task, against the same run without it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppContext } from '../../src/main/core/app-context'
import type { RunRecord, RunUpdate } from '../../src/shared/training/results'
import type { JobProgress, JobRecord } from '../../src/shared/types'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick, trainRun } from '../fixtures/training'

describe('bag refit on train + validation', () => {
  let dir: string
  let ctx: AppContext
  let refit: RunRecord
  let plain: RunRecord
  // Every progress the jobs and runs reported, by job and by run.
  const jobProgress = new Map<string, JobProgress[]>()
  const runProgress = new Map<string, NonNullable<RunUpdate['progress']>[]>()
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-bag-refit-'))
    ctx = appContext(join(dir, 'data'))
    ctx.subscribe((name, update) => {
      if (name === 'job.updated') {
        const job = update as JobRecord
        if (job.progress) jobProgress.set(job.id, [...(jobProgress.get(job.id) ?? []), job.progress])
      }
      if (name === 'run.updated') {
        const u = update as RunUpdate
        if (u.progress) runProgress.set(u.runId, [...(runProgress.get(u.runId) ?? []), u.progress])
      }
    })
    // A fifth of the texts are another class's: so that the validation figures move from epoch to epoch.
    const dataset = await importSyntheticDataset(ctx, dir, 60, { name: 'noisy', flipped: 0.2 })
    const config = { ...quick, model: 'ngram-bag' as const, ngrams: 2, epochs: 8, keepBest: 'accuracy' as const }
    refit = await trainRun(ctx, dataset.id, 'fasttext-bigram', config)
    plain = await trainRun(ctx, dataset.id, 'fasttext-bigram', { ...config, bagRefit: false })
  }, 120_000)
  afterAll(async () => {
    await ctx.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is the default, and trains again on train + validation for the epochs the validation chose', () => {
    expect(refit.status).toBe('succeeded')
    expect(refit.config.bagRefit).toBe(true)
    const epochs = refit.bestValidation!.epoch
    const log = ctx.runs.history(refit.id).log.join('\n')
    // 120 training reviews: 96 train and 24 validation.
    expect(log).toMatch(/Data: 96 training, 24 validation/)
    expect(log).toContain(
      `Refit: the best validation accuracy came at epoch ${epochs}; training again from the start on the training and validation splits together (120 examples) for ${epochs} epoch${epochs === 1 ? '' : 's'}.`,
    )
    expect(log).toContain(`Epoch ${epochs}/${epochs}: train loss`)
    expect(log).toMatch(/Testing the last weights \(refit on train \+ validation\)/)
    expect(ctx.runs.history(plain.id).log.join('\n')).not.toMatch(/Refit/)
  })

  it('keeps the curves and validation figures of the fit that chose', () => {
    // The same seed and settings: the first fit is the plain run, to the digit.
    expect(refit.bestValidation).toEqual(plain.bestValidation)
    const [a, b] = [ctx.runs.history(refit.id), ctx.runs.history(plain.id)]
    expect(a.epochs).toEqual(b.epochs.map((e) => ({ ...e, durationMs: expect.any(Number) })))
    expect(a.validations).toEqual(b.validations)
  })

  it('tests the refit weights, not the first fit', () => {
    expect(refit.test).not.toBeNull()
    expect(refit.test!.loss).not.toBeCloseTo(plain.test!.loss, 6)
  })

  it("counts the refit's steps on from the first fit's, to the refit's own end", () => {
    // The first fit: 96 examples in batches of 32, 8 epochs; the refit: 120 in batches of 32 for the chosen epochs.
    const first = ctx.runs.history(refit.id).steps.at(-1)!.step
    expect(first).toBe(3 * 8)
    const total = first + 4 * refit.bestValidation!.epoch
    const job = jobProgress.get(refit.jobId!)!
    expect(job.length).toBeGreaterThan(1)
    for (let i = 1; i < job.length; i++) expect(job[i]!.done).toBeGreaterThanOrEqual(job[i - 1]!.done)
    for (const p of job) expect(p.done).toBeLessThanOrEqual(p.total!)
    const last = job.at(-1)!
    expect(last).toMatchObject({ done: total, total, etaMs: 0 })
    expect(last.message).toMatch(/^refit on train \+ validation, epoch \d+\/\d+, loss/)
    // The run's own step counter (the run view's "Step N of M") ends at the same figures.
    expect(runProgress.get(refit.id)!.at(-1)).toMatchObject({ step: total, totalSteps: total })
    // Without the refit, the plan is the first fit's.
    expect(jobProgress.get(plain.jobId!)!.at(-1)).toMatchObject({ done: first, total: first })
  })
})
