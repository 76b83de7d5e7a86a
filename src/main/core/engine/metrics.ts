/** Test figures from predicted probabilities: accuracy, per-class and macro precision/recall/F1, confusion, ROC AUC. */
import type { ClassMetrics, TestMetrics } from '../../../shared/training/results'

/**
 * `probs` holds one probability per example for a binary task (of the second class) or one row of
 * `classes.length` per example. `loss` is the mean loss the model computed on the same examples.
 */
export function testMetrics(
  probs: Float32Array,
  labels: ArrayLike<number>,
  classes: string[],
  loss: number,
): TestMetrics {
  const n = labels.length
  const c = classes.length
  const binary = probs.length === n
  const confusion = classes.map(() => new Array<number>(c).fill(0))
  for (let i = 0; i < n; i++) confusion[labels[i]!]![predicted(probs, i, c, binary)]!++
  const perClass: Record<string, ClassMetrics> = {}
  classes.forEach((name, k) => {
    const tp = confusion[k]![k]!
    const actual = confusion[k]!.reduce((a, b) => a + b, 0)
    const predictedK = confusion.reduce((a, row) => a + row[k]!, 0)
    const precision = predictedK ? tp / predictedK : 0
    const recall = actual ? tp / actual : 0
    perClass[name] = {
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      support: actual,
    }
  })
  const mean = (key: keyof ClassMetrics) => classes.reduce((a, name) => a + perClass[name]![key], 0) / c
  const correct = classes.reduce((a, _, k) => a + confusion[k]![k]!, 0)
  const scores = c === 2 ? (binary ? probs : Float32Array.from({ length: n }, (_, i) => probs[i * 2 + 1]!)) : null
  const roc = scores ? rocCurve(scores, labels) : null
  return {
    loss,
    accuracy: n ? correct / n : 0,
    precision: mean('precision'),
    recall: mean('recall'),
    f1: mean('f1'),
    perClass,
    confusion,
    auc: roc ? roc.auc : null,
    roc: roc ? { fpr: roc.fpr, tpr: roc.tpr } : null,
  }
}

/** The class predicted for example i: probs hold one value per example when `binary`, else c. */
export function predicted(probs: Float32Array, i: number, c: number, binary: boolean): number {
  if (binary) return probs[i]! >= 0.5 ? 1 : 0
  let best = 0
  for (let k = 1; k < c; k++) if (probs[i * c + k]! > probs[i * c + best]!) best = k
  return best
}

/** The ROC curve (at most ~200 points, ties kept together) and the exact area under it. */
export function rocCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): { fpr: number[]; tpr: number[]; auc: number } {
  const n = scores.length
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  let positives = 0
  for (let i = 0; i < n; i++) positives += labels[i] === 1 ? 1 : 0
  const negatives = n - positives
  const fpr = [0]
  const tpr = [0]
  let tp = 0
  let fp = 0
  let auc = 0
  let last = 0
  const every = Math.max(1, Math.floor(n / 200))
  for (let i = 0; i < n;) {
    const score = scores[order[i]!]!
    const fpBefore = fp
    const tpBefore = tp
    // Examples with equal scores move the curve together (a diagonal step).
    for (; i < n && scores[order[i]!] === score; i++) {
      if (labels[order[i]!] === 1) tp++
      else fp++
    }
    if (negatives && positives) auc += ((fp - fpBefore) / negatives) * ((tp + tpBefore) / 2 / positives)
    if (i === n || i - last >= every) {
      fpr.push(negatives ? fp / negatives : 0)
      tpr.push(positives ? tp / positives : 0)
      last = i
    }
  }
  return { fpr, tpr, auc: negatives && positives ? auc : 0.5 }
}
