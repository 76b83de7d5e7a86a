/** Validation: the loss on the validation split, the best weights kept (`checkpoints/best`), early stopping. */
import type { ValidationPoint } from '../../../shared/training/results'
import { evaluate, type Evaluation } from './evaluate'
import type { SplitTensors } from './data'
import { checkpointDir, writeFolder } from './folders'
import { writeModelFiles } from './model-files'
import type { Training } from './training'

/** The current weights on a split, in inference mode, in batches within the backend's memory. */
export function evaluateSplit(t: Training, split: SplitTensors): Promise<Evaluation> {
  return evaluate(
    (ids, n) => t.net.logits(ids, n, false),
    split,
    t.evalBatch,
    () => t.ctx.throwIfCancelled(),
  )
}

export async function validate(t: Training): Promise<void> {
  const { config, state } = t
  if (t.val.n === 0) return
  const e = await evaluateSplit(t, t.val)
  const point: ValidationPoint = { step: state.step, epoch: state.epoch + 1, loss: e.loss, accuracy: e.accuracy }
  state.validations.push(point)
  const improved = !state.best || e.loss < state.best.loss
  if (improved) {
    state.best = point
    state.sinceBest = 0
    t.best?.dispose()
    const best = t.net.exportModel()
    t.best = best
    await writeFolder(checkpointDir(t.params.runDir, 'best'), (dir) => writeModelFiles(best, dir))
  } else state.sinceBest++
  t.events.add({ validations: [point], ...(improved ? { best: point } : {}) })
  t.log(
    `Validation at step ${point.step}: loss ${point.loss.toFixed(4)}, accuracy ${(point.accuracy * 100).toFixed(2)}%${improved ? ' (best so far, kept)' : ''}.`,
  )
  if (config.patience > 0 && state.sinceBest >= config.patience) {
    state.stopped = true
    t.log(`Early stop: no better validation loss in ${config.patience} validations.`)
  }
}

/** Validating every N steps may miss the last ones (or all, in a short run): the final weights compete too. */
export async function validateLast(t: Training): Promise<void> {
  const { config, state } = t
  if (config.validateEvery > 0 && !state.stopped && state.validations.at(-1)?.step !== state.step) await validate(t)
}
