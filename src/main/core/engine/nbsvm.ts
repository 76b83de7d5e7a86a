/**
 * The NBSVM kind's training (`nbsvm-fit.ts` holds the arithmetic): one SVM per output fitted on the
 * training split, its weights times the log-count ratios written into the table (one column per
 * output) and its bias into the logits layer, whose kernel is the identity. The scores are scaled by
 * one temperature fitted on the validation split, so the probabilities mean something (the accuracy
 * does not change). The model then validates, tests and saves as every other kind does.
 */
import * as tf from '@tensorflow/tfjs'
import type { StepMetrics } from '../../../shared/training/results'
import { binaryRows, fitL2Svm, interpolate, logCountRatios, type BinaryRows } from './nbsvm-fit'
import { epochOrder } from './random'
import type { Training } from './training'
import { validate } from './validation'

/** Dual coordinate descent passes per output at most (liblinear's stopping rule usually ends sooner). */
export const nbsvmMaxPasses = 50

export async function fitNbsvm(t: Training): Promise<void> {
  const { config, state } = t
  const started = performance.now()
  const units = t.net.table.dim
  const rows = binaryRows(t.train.x, t.train.width, t.train.n)
  t.log(
    `NBSVM: ${t.train.n} examples, ${rows.features.length.toLocaleString('en')} binary features, ${units === 1 ? 'one SVM' : `${units} SVMs (one class against the rest)`}, C ${config.svmC}, beta ${config.nbInterpolation}.`,
  )
  const valRows = t.val.n ? binaryRows(t.val.x, t.val.width, t.val.n) : null
  let temperature = 1
  if (t.params.refit && valRows) {
    // The validation split is part of a refit's training rows (the last ones): the temperature comes
    // from a fit on the training split alone, which the validation split still measures fairly.
    const own = t.train.n - t.val.n
    const first = fitAll(t, binaryRows(t.train.x, t.train.width, own), t.train.labels.subarray(0, own), started)
    temperature = fitTemperature(valRows, first.values, first.bias, units, t.val.labels)
    t.log(`Temperature ${temperature.toPrecision(3)} from the fit on the training split alone; now the refit.`)
  }
  const { values, bias, point } = fitAll(t, rows, t.train.labels, started)
  if (valRows && !t.params.refit) {
    temperature = fitTemperature(valRows, values, bias, units, t.val.labels)
    t.log(`Scores scaled by ${temperature.toPrecision(3)} (the temperature that fits the validation split best).`)
  }
  for (let i = 0; i < values.length; i++) values[i]! *= temperature
  for (let c = 0; c < units; c++) bias[c]! *= temperature
  t.net.table.values.set(values)
  t.net.body.getLayer('logits').setWeights([tf.eye(units), tf.tensor1d(bias)])
  state.trainedMs = performance.now() - started
  state.samples = t.train.n
  state.batch = t.stepsPerEpoch
  await validate(t)
  const last = state.validations.at(-1)
  t.events.add({
    epochs: [
      {
        epoch: 1,
        trainLoss: point?.loss ?? 0,
        trainAccuracy: point?.accuracy ?? 0,
        valLoss: last?.loss ?? null,
        valAccuracy: last?.accuracy ?? null,
        durationMs: Math.round(state.trainedMs),
      },
    ],
  })
  state.epoch = 1
  t.events.flush()
}

/** One SVM per output on these rows: the table's values (r ∘ w' per row and output), the biases, the last training point. */
function fitAll(
  t: Training,
  rows: BinaryRows,
  labels: Uint16Array,
  started: number,
): { values: Float32Array; bias: Float32Array; point: StepMetrics | null } {
  const { config, state } = t
  const units = t.net.table.dim
  const tableRows = t.net.table.rows
  const n = labels.length
  const values = new Float32Array(tableRows * units)
  const bias = new Float32Array(units)
  let point: StepMetrics | null = null
  for (let c = 0; c < units; c++) {
    // One unit: the sigmoid's positive class is classes[1].
    const positiveClass = units === 1 ? 1 : c
    const positive = Uint8Array.from(labels, (l) => (l === positiveClass ? 1 : 0))
    const ratios = logCountRatios(rows, positive, tableRows)
    const y = Int8Array.from(positive, (p) => (p ? 1 : -1))
    const fit = fitL2Svm(rows, ratios.r, y, config.svmC, {
      maxPasses: nbsvmMaxPasses,
      order: (pass) => epochOrder(n, config.seed + c, pass),
      onPass: () => {
        t.ctx.throwIfCancelled()
        state.step++
      },
    })
    const positives = positive.reduce((a, p) => a + p, 0)
    const prior = Math.max(1, positives) / Math.max(1, n - positives)
    const { weights, bias: b } = interpolate(fit, ratios, config.nbInterpolation, prior)
    for (let f = 0; f < tableRows; f++) values[f * units + c] = weights[f]!
    bias[c] = b
    point = trainPoint(rows, values, bias, units, c, y, state.step, n, performance.now() - started)
    t.events.add({ steps: [point], progress: { step: state.step, epoch: 1, totalSteps: t.totalSteps } })
    t.ctx.progress(state.step, t.totalSteps, 'steps', `SVM ${c + 1}/${units}: ${fit.passes} passes`)
    t.log(
      `SVM ${c + 1}/${units}: ${fit.passes} passes${fit.converged ? '' : ` (stopped at ${nbsvmMaxPasses}, not converged)`}, training accuracy ${(point.accuracy * 100).toFixed(2)}%.`,
    )
  }
  return { values, bias, point }
}

/** Each example's scores (the table's weights summed over its features, plus the bias): n x units. */
function scores(rows: BinaryRows, values: Float32Array, bias: Float32Array, units: number): Float64Array {
  const n = rows.offsets.length - 1
  const out = new Float64Array(n * units)
  for (let i = 0; i < n; i++)
    for (let c = 0; c < units; c++) {
      let s = bias[c]!
      for (let k = rows.offsets[i]!; k < rows.offsets[i + 1]!; k++) s += values[rows.features[k]! * units + c]!
      out[i * units + c] = s
    }
  return out
}

/** The training figures of problem c: its mean squared hinge loss and accuracy. */
function trainPoint(
  rows: BinaryRows,
  values: Float32Array,
  bias: Float32Array,
  units: number,
  c: number,
  y: Int8Array,
  step: number,
  n: number,
  ms: number,
): StepMetrics {
  const s = scores(rows, values, bias, units)
  let loss = 0
  let right = 0
  for (let i = 0; i < n; i++) {
    const margin = y[i]! * s[i * units + c]!
    loss += Math.max(0, 1 - margin) ** 2
    if (margin > 0) right++
  }
  return { step, epoch: 1, loss: loss / n, accuracy: right / n, learningRate: 0, samplesPerSec: (n * 1000) / ms }
}

/** The scale of the scores with the least cross-entropy on labelled rows (golden-section search over its log). */
export function fitTemperature(
  rows: BinaryRows,
  values: Float32Array,
  bias: Float32Array,
  units: number,
  labels: Uint16Array,
): number {
  const s = scores(rows, values, bias, units)
  const n = labels.length
  const loss = (logScale: number) => {
    const a = Math.exp(logScale)
    let sum = 0
    for (let i = 0; i < n; i++) {
      if (units === 1) {
        const z = (labels[i] === 1 ? 1 : -1) * a * s[i]!
        sum += z > 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z))
        continue
      }
      let max = -Infinity
      for (let c = 0; c < units; c++) max = Math.max(max, a * s[i * units + c]!)
      let total = 0
      for (let c = 0; c < units; c++) total += Math.exp(a * s[i * units + c]! - max)
      sum += max + Math.log(total) - a * s[i * units + labels[i]!]!
    }
    return sum
  }
  let lo = -7
  let hi = 7
  const ratio = (Math.sqrt(5) - 1) / 2
  for (let k = 0; k < 40; k++) {
    const m1 = hi - ratio * (hi - lo)
    const m2 = lo + ratio * (hi - lo)
    if (loss(m1) < loss(m2)) hi = m2
    else lo = m1
  }
  return Math.exp((lo + hi) / 2)
}
