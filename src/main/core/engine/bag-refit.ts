/**
 * A bag's refit (`bagRefit`): once the validation split has chosen the epochs (those of the best
 * validation figure), a new bag trains from the seed on the training and validation splits together
 * for that many epochs (under the first fit's learning-rate schedule), and that model is the one
 * tested and saved. On a small dataset a bag learns
 * its training examples by heart within a few epochs, so what it knows is bounded by the examples it
 * saw: a tenth more is worth more than the checkpoint the validation split would otherwise choose
 * among (NBSVM does the same, `nbsvmRefit`).
 *
 * The run's curves and its best validation stay those of the choosing fit; the refit streams its log
 * and progress only (its validation figures would be on examples it trains on). It writes no
 * checkpoint: a run stopped during the refit resumes from the choosing fit's last one, which is done,
 * and refits again.
 */
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { trainEpochs } from './epochs'
import { openTraining, type Training } from './training'

/** Whether this run refits: a trained bag, asked to, with a validation split that chose its epochs. */
export function refitsBag(t: Training): boolean {
  const spec = modelKindSpec(t.config.model)
  return (
    spec.input === 'bag' &&
    spec.training !== 'fit' &&
    t.config.bagRefit &&
    !t.params.refit &&
    t.val.n > 0 &&
    t.state.best !== null
  )
}

/** What a refit needs of the choosing fit: not its model, which is let go before the refit builds its own. */
export interface RefitPlan {
  params: Training['params']
  ctx: Training['ctx']
  config: Training['config']
  /** The epochs the validation chose. */
  epochs: number
  /** The steps the choosing fit took: the job's progress counts on from them. */
  stepsBefore: number
}

/**
 * Logs the refit and lets go of the choosing fit's weights (its best copy, its bag trainer's threads).
 * The caller drops `t` itself: the table and its optimizer slots (about 0.5 GB for `recommended`)
 * are then free before the refit allocates its own.
 */
export function planRefit(t: Training): RefitPlan {
  const epochs = Math.max(1, t.state.best!.epoch)
  const examples = t.train.n + t.val.n
  t.log(
    `Refit: the best validation ${t.config.keepBest} came at epoch ${epochs}; training again from the start on the training and validation splits together (${examples.toLocaleString('en')} examples) for ${epochs} epoch${epochs === 1 ? '' : 's'}. That model is tested and saved; the curves and validation figures are the first fit's.`,
  )
  t.events.flush()
  t.best?.dispose()
  t.best = null
  t.bag?.close()
  t.optimizer.dispose()
  t.net.body.dispose()
  return { params: t.params, ctx: t.ctx, config: t.config, epochs, stepsBefore: t.state.step }
}

/** Trains the refit and returns it, ready to test and save. */
export async function refitBag(plan: RefitPlan): Promise<Training> {
  const { params, ctx, config, epochs } = plan
  const refit = await openTraining(
    { ...params, resume: false, refit: true, config: { ...config, patience: 0 } },
    ctx,
    true,
  )
  // The first fit's learning-rate schedule (planned over all its epochs), stopped after the chosen
  // ones: the epochs were chosen under it. Fitting the schedule to the chosen epochs instead decays
  // it early: on SST-5 a refit of one epoch under a cosine fitted to it scored 37.8% against the
  // first fit's 38.5%.
  refit.config = { ...refit.config, epochs }
  // The job's progress runs on from the choosing fit's steps to the end of the refit's, so that its
  // rate and time left stay right (the schedule's own total, `totalSteps`, is longer).
  refit.progress = { before: plan.stepsBefore, total: plan.stepsBefore + refit.stepsPerEpoch * epochs, refit: true }
  await trainEpochs(refit)
  return refit
}
