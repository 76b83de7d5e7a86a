/**
 * Runs side by side: which settings differ, each metric's best and final value per run, and McNemar's
 * test for every pair of runs tested on the same split.
 */
import { configKeys, type MetricSummary, type RunComparison } from '../../../shared/runs'
import type { TrainConfig } from '../../../shared/training/config'
import type { EpochMetrics, RunRecord } from '../../../shared/training/results'
import { mcnemar } from './mcnemar'
import type { Predictions } from './predictions'

/** Config keys whose values are not all equal. */
export function differingKeys(configs: TrainConfig[]): (keyof TrainConfig)[] {
  return configKeys.filter((k) => new Set(configs.map((c) => JSON.stringify(c[k]))).size > 1)
}

const lowerIsBetter = { trainLoss: true, trainAccuracy: false, valLoss: true, valAccuracy: false } as const
type EpochMetric = keyof typeof lowerIsBetter

/** Best (lowest loss, highest accuracy; the first epoch on ties), where, and the last epoch's value. */
export function summarize(epochs: EpochMetrics[], metric: EpochMetric): MetricSummary {
  let best: number | null = null
  let bestEpoch: number | null = null
  let final: number | null = null
  for (const e of epochs) {
    const v = e[metric]
    if (v === null || !Number.isFinite(v)) continue
    final = v
    if (best === null || (lowerIsBetter[metric] ? v < best : v > best)) {
      best = v
      bestEpoch = e.epoch
    }
  }
  return { best, bestEpoch, final }
}

export function compareRuns(
  runs: RunRecord[],
  epochsOf: (id: string) => EpochMetrics[],
  predictions: Map<string, Predictions | null>,
): RunComparison {
  const metrics = runs.map((r) => {
    const epochs = epochsOf(r.id)
    return {
      trainLoss: summarize(epochs, 'trainLoss'),
      trainAccuracy: summarize(epochs, 'trainAccuracy'),
      valLoss: summarize(epochs, 'valLoss'),
      valAccuracy: summarize(epochs, 'valAccuracy'),
    }
  })
  const tests: RunComparison['mcnemar'] = []
  runs.forEach((a, i) =>
    runs.slice(i + 1).forEach((b) => {
      const pa = predictions.get(a.id)
      const pb = predictions.get(b.id)
      const sameSplit = a.datasetFingerprint !== null && a.datasetFingerprint === b.datasetFingerprint
      if (!pa || !pb || !sameSplit || pa.correct.length !== pb.correct.length) return
      tests.push(mcnemar([a.id, b.id], [a.name, b.name], pa.correct, pb.correct))
    }),
  )
  return { runs, differing: differingKeys(runs.map((r) => r.config)), metrics, mcnemar: tests }
}
