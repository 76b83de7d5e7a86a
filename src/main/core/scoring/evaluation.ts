/**
 * Evaluation of scores against the input's own labels: the labels matched to the model's classes
 * (directly, case-insensitively, or through the user's mapping), then the run's own test figures
 * (`testMetrics`) over the labelled inputs and the most confident mistakes.
 */
import type { ScoreEvaluation, ScoreRow } from '../../../shared/scoring'
import { Growable } from '../datasets/growable'
import { testMetrics } from '../engine/metrics'

/** Raw label → the model's class index, or null (the raw label is then counted as unmatched). */
export function classMatcher(classes: string[], labelMap: Record<string, string> = {}): (raw: string) => number | null {
  const exact = new Map(classes.map((c, i) => [c, i]))
  const folded = new Map(classes.map((c, i) => [c.toLowerCase(), i]))
  return (raw) => {
    const name = labelMap[raw] ?? raw
    return exact.get(name) ?? folded.get(name.toLowerCase()) ?? null
  }
}

/** The predicted class of a row of probabilities: binary tasks threshold at 0.5 as training's test does. */
export function predictedClass(probs: ArrayLike<number>, from: number, c: number): number {
  if (c === 2) return probs[from + 1]! >= 0.5 ? 1 : 0
  let best = 0
  for (let k = 1; k < c; k++) if (probs[from + k]! > probs[from + best]!) best = k
  return best
}

const mistakesKept = 20

export class EvaluationAccumulator {
  private readonly truths = new Growable(Uint16Array)
  /** Binary: P(second class) per input; else every class's probability. */
  private readonly probs = new Growable(Float64Array)
  private lossSum = 0
  private mistakes: ScoreRow[] = []
  private readonly unmatched: Record<string, number> = {}

  constructor(private readonly classes: string[]) {}

  unmatchedLabel(raw: string): void {
    this.unmatched[raw] = (this.unmatched[raw] ?? 0) + 1
  }

  add(truth: number, probs: ArrayLike<number>, from: number, row: ScoreRow): void {
    const c = this.classes.length
    this.truths.push(truth)
    if (c === 2) this.probs.push(probs[from + 1]!)
    else for (let k = 0; k < c; k++) this.probs.push(probs[from + k]!)
    this.lossSum -= Math.log(Math.max(probs[from + truth]!, 1e-7))
    if (row.label !== this.classes[truth]) {
      this.mistakes.push(row)
      if (this.mistakes.length >= mistakesKept * 2) this.keepWorst()
    }
  }

  private keepWorst(): void {
    this.mistakes = this.mistakes.sort((a, b) => b.confidence - a.confidence).slice(0, mistakesKept)
  }

  result(): ScoreEvaluation | null {
    const n = this.truths.length
    if (n === 0) return null
    this.keepWorst()
    return {
      labelled: n,
      metrics: testMetrics(Float32Array.from(this.probs.view()), this.truths.view(), this.classes, this.lossSum / n),
      mistakes: this.mistakes,
      unmatchedLabels: this.unmatched,
    }
  }
}
