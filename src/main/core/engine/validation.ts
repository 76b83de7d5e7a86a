/** Validation: the loss on the validation split, the best weights kept (`checkpoints/best`), early stopping. */
import type { TrainConfig } from '../../../shared/training/config'
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

/** Whether a validation beats the kept one: a lower loss, or a higher accuracy with ties by the loss. */
export function improves(
  point: Pick<ValidationPoint, 'loss' | 'accuracy'>,
  kept: Pick<ValidationPoint, 'loss' | 'accuracy'> | null,
  keepBest: TrainConfig['keepBest'],
): boolean {
  if (!kept) return true
  if (keepBest === 'loss') return point.loss < kept.loss
  return point.accuracy > kept.accuracy || (point.accuracy === kept.accuracy && point.loss < kept.loss)
}

export async function validate(t: Training): Promise<void> {
  const { config, state } = t
  if (t.val.n === 0) return
  const e = await evaluateSplit(t, t.val)
  const point: ValidationPoint = { step: state.step, epoch: state.epoch + 1, loss: e.loss, accuracy: e.accuracy }
  state.validations.push(point)
  const improved = improves(point, state.best, config.keepBest)
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
    t.log(`Early stop: no better validation ${config.keepBest} in ${config.patience} validations.`)
  }
}

/** Validating every N steps may miss the last ones (or all, in a short run): the final weights compete too. */
export async function validateLast(t: Training): Promise<void> {
  const { config, state } = t
  if (config.validateEvery > 0 && !state.stopped && state.validations.at(-1)?.step !== state.step) await validate(t)
}
