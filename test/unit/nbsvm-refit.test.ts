/**
 * NBSVM's own refit (`nbsvmRefit`, on by default): the choices, the temperature and the validation
 * figures come from a fit on the training split alone, and a second fit on train + validation is
 * what the run tests and saves. A real job on the generated task, against the same run without it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppContext } from '../../src/main/core/app-context'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick, trainRun } from '../fixtures/training'

describe('NBSVM refit on train + validation', () => {
  let dir: string
  let ctx: AppContext
  let refit: RunRecord
  let plain: RunRecord
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'studio-nbsvm-refit-'))
    ctx = appContext(join(dir, 'data'))
    // A fifth of the texts are another class's: no setting separates it, so its probabilities stay finite.
    const dataset = await importSyntheticDataset(ctx, dir, 60, { name: 'noisy', flipped: 0.2, seed: 11 })
    const config = { ...quick, model: 'nbsvm' as const, svmC: 1, nbInterpolation: 0.25 }
    refit = await trainRun(ctx, dataset.id, 'nbsvm', config)
    plain = await trainRun(ctx, dataset.id, 'nbsvm', { ...config, nbsvmRefit: false })
  }, 120_000)
  afterAll(async () => {
    await ctx.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is the default, and fits on the training split, then on train + validation', () => {
    expect(refit.status).toBe('succeeded')
    expect(refit.config.nbsvmRefit).toBe(true)
    const log = ctx.runs.history(refit.id).log.join('\n')
    // 120 training reviews: 96 train and 24 validation.
    expect(log).toMatch(/SVM 1\/1, C 1, 96 examples/)
    expect(log).toMatch(/SVM 1\/1, C 1, 120 examples/)
    expect(log).toMatch(/Refit on 120 examples \(train \+ validation\) with C 1, beta 0\.25; scores scaled by/)
    expect(log).toMatch(/The refit is kept in place of the fit on the training split/)
    expect(ctx.runs.history(plain.id).log.join('\n')).not.toMatch(/120 examples/)
  })

  it('shows the validation figures of the fit that did not train on the validation split', () => {
    // The same seed and settings: the refit run's validation point is the plain run's, to the digit
    // (measured on the refit's weights, which trained on those examples, its loss would be lower).
    expect(refit.bestValidation).not.toBeNull()
    expect(refit.bestValidation!.loss).toBeCloseTo(plain.bestValidation!.loss, 6)
    expect(refit.bestValidation!.accuracy).toBe(plain.bestValidation!.accuracy)
  })

  it('tests the refit weights, not the first fit', () => {
    expect(refit.test).not.toBeNull()
    expect(refit.test!.loss).not.toBeCloseTo(plain.test!.loss, 6)
    expect(refit.test!.accuracy).toBeGreaterThan(0.6)
  })
})
