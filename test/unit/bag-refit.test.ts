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
import { seededRandom } from '../../src/main/core/datasets/splits'
import { resultOf } from '../../src/shared/job-catalog'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { writeTree } from '../fixtures/dataset-files'
import { quick, syntheticReview, trainRun } from '../fixtures/training'

/** The generated task with a fifth of the labels flipped, so that the validation figures move from epoch to epoch. */
async function importNoisy(ctx: AppContext, root: string, perClass: number) {
  const random = seededRandom(5)
  const files: Record<string, string> = {}
  for (const split of ['train', 'test'])
    for (const label of ['pos', 'neg'])
      for (let i = 0; i < perClass; i++) {
        const flipped = random() < 0.2 ? (label === 'pos' ? 'neg' : 'pos') : label
        files[`${split}/${label}/${i}_${label === 'pos' ? 8 : 2}.txt`] = syntheticReview(flipped, random)
      }
  const path = writeTree(join(root, 'noisy'), files)
  const job = await ctx.request('datasets.import', {
    spec: { name: 'noisy', source: { format: 'aclimdb', path }, sequence: { maxLen: 16 } },
  })
  return resultOf(await ctx.jobs.finished(job))
}

describe('bag refit on train + validation', () => {
  let dir: string
  let ctx: AppContext
  let refit: RunRecord
  let plain: RunRecord
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-bag-refit-'))
    ctx = appContext(join(dir, 'data'))
    const dataset = await importNoisy(ctx, dir, 60)
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
})
