/**
 * The `train` job: one training run in its own process. It loads the dataset's encoded splits, builds
 * the model, trains with the configured optimizer and schedule, validates, keeps the weights with the
 * best validation loss, checkpoints so an interrupted run can resume, evaluates the best weights on
 * the test split (unless its test is deferred) and writes the model bundle. Points and log lines stream to main as they happen.
 */
import type { TrainOutcome, TrainParams } from '../../../shared/training/job'
import type { TestMetrics } from '../../../shared/training/results'
import type { JobContext } from '../jobs/worker-runtime'
import { writeBundle } from './bundle'
import { resume } from './checkpoints'
import { trainEpochs } from './epochs'
import { fitNbsvm } from './nbsvm'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { modelDir } from './folders'
import { predicted, testMetrics } from './metrics'
import { writePredictions } from '../runs/predictions'
import { announce, openTraining, type Training } from './training'
import { planRefit, refitBag, refitsBag, type RefitPlan } from './bag-refit'
import { evaluateSplit, validateLast } from './validation'

export async function trainJob(params: TrainParams, ctx: JobContext): Promise<TrainOutcome> {
  const t = await openTraining(params, ctx)
  if (params.resume) await resume(t)
  announce(t)
  // NBSVM solves its weights instead of stepping an optimizer.
  await (modelKindSpec(t.config.model).training === 'fit' ? fitNbsvm(t) : trainEpochs(t))
  await validateLast(t)
  if (!refitsBag(t)) return testAndSave(t, outcomeOf(t, null))
  // A bag's refit on train + validation (`bagRefit`) is what is tested and saved; the run reports the
  // first fit's choice. Only its figures and plan are kept from here: the first fit is unreachable
  // once this function's `t` is no longer needed, so its table is garbage before the refit's exists.
  return refitAndSave(outcomeOf(t, null), planRefit(t))
}

async function refitAndSave(chosen: TrainOutcome, plan: RefitPlan): Promise<TrainOutcome> {
  const refit = await refitBag(plan)
  return testAndSave(refit, { ...chosen, durationMs: Math.round(chosen.durationMs + refit.state.trainedMs) })
}

/** Tests the kept model (unless deferred) and saves it; `outcome` holds the run's figures but the test. */
async function testAndSave(kept: Training, outcome: TrainOutcome): Promise<TrainOutcome> {
  const test = kept.params.skipTest ? null : await testBest(kept)
  const done = { ...outcome, test }
  await saveBundle(kept, done)
  return done
}

/**
 * The test figures of the weights with the best validation loss (or accuracy, `keepBest`); the last weights without a validation
 * split, or when the run trained on it (a refit).
 */
async function testBest(t: Training): Promise<TestMetrics | null> {
  const chosen = t.params.refit ? null : t.state.best
  if (chosen && t.best) t.net.importWeights(t.best)
  t.log(
    chosen
      ? `Testing the weights with the best validation ${t.config.keepBest} (step ${chosen.step}).`
      : `Testing the last weights (${t.params.refit ? 'refit on train + validation' : 'no validation split'}).`,
  )
  t.events.flush()
  const tested = t.test.n ? await evaluateSplit(t, t.test) : null
  const metrics = tested ? testMetrics(tested.probs, t.test.labels, t.params.classes, tested.loss) : null
  if (metrics) t.log(`Test: accuracy ${(metrics.accuracy * 100).toFixed(2)}%, macro F1 ${metrics.f1.toFixed(4)}.`)
  if (tested) await savePredictions(t, tested.probs)
  return metrics
}

/** Each test example's predicted class, for comparing runs example by example (McNemar). */
async function savePredictions(t: Training, probs: Float32Array): Promise<void> {
  const { labels, n } = t.test
  const c = t.params.classes.length
  const binary = probs.length === n
  const classes = Array.from({ length: n }, (_, i) => predicted(probs, i, c, binary))
  const bytes = await writePredictions(t.params.runDir, classes, labels, c)
  t.log(`Saved the test predictions (${bytes.toLocaleString('en')} bytes).`)
}

function outcomeOf(t: Training, test: TestMetrics | null): TrainOutcome {
  const { state } = t
  return {
    backend: t.backend.name,
    backendDetail: t.backend.detail,
    library: t.backend.library,
    threads: t.backend.threads,
    test,
    bestValidation: state.best,
    durationMs: Math.round(state.trainedMs),
    samplesPerSecond: state.trainedMs > 0 ? (state.samples * 1000) / state.trainedMs : 0,
    steps: state.step,
    epochs: state.epoch,
  }
}

async function saveBundle(t: Training, outcome: TrainOutcome): Promise<void> {
  await writeBundle(modelDir(t.params.runDir), t.net.exportModel(), t.params, outcome)
  t.log('Saved the model bundle.')
  t.events.flush()
}
