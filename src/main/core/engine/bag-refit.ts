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

/** Trains the refit (after `t`, the choosing fit, is done) and returns it, ready to test and save. */
export async function refitBag(t: Training): Promise<Training> {
  const epochs = Math.max(1, t.state.best!.epoch)
  const examples = t.train.n + t.val.n
  t.log(
    `Refit: the best validation ${t.config.keepBest} came at epoch ${epochs}; training again from the start on the training and validation splits together (${examples.toLocaleString('en')} examples) for ${epochs} epoch${epochs === 1 ? '' : 's'}. That model is tested and saved; the curves and validation figures are the first fit's.`,
  )
  t.events.flush()
  t.best?.dispose()
  t.best = null
  const refit = await openTraining(
    { ...t.params, resume: false, refit: true, config: { ...t.config, patience: 0 } },
    t.ctx,
    true,
  )
  // The first fit's learning-rate schedule (planned over all its epochs), stopped after the chosen
  // ones: the epochs were chosen under it. Fitting the schedule to the chosen epochs instead decays
  // it early: on SST-5 a refit of one epoch under a cosine fitted to it scored 37.8% against the
  // first fit's 38.5%.
  refit.config = { ...refit.config, epochs }
  await trainEpochs(refit)
  return refit
}
