/**
 * The NBSVM kind's training (`nbsvm-fit.ts` holds the arithmetic): one SVM per output fitted on the
 * training split, its weights times the log-count ratios written into the table (one column per
 * output) and its bias into the logits layer, whose kernel is the identity. The scores are scaled by
 * one temperature fitted on the validation split, so the probabilities mean something (the accuracy
 * does not change). With `nbsvmTune`, C and beta are those of the best validation accuracy among
 * `nbsvmChoices` (beta costs nothing: one SVM fit per C). A refit (train + validation) takes its
 * choices and temperature from a fit on the training split alone, which the validation split still
 * measures fairly, then fits on both. The model then validates, tests and saves as every kind does.
 */
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import type { StepMetrics } from '../../../shared/training/results'
import { binaryRows, fitL2Svm, interpolate, logCountRatios, type BinaryRows, type SvmFit } from './nbsvm-fit'
import { epochOrder } from './random'
import type { Training } from './training'
import { validate } from './validation'

/** Dual coordinate descent passes per output at most (liblinear's stopping rule usually ends sooner). */
export const nbsvmMaxPasses = 50

/** The choices `nbsvmTune` tries, the paper's first (a tie keeps it): C per SVM fit, beta per interpolation of each. */
export const nbsvmChoices = { C: [1, 0.1], beta: [0.25, 0, 0.5, 1] } as const

/** SVM fits per output a run makes: one per C tried on the training split alone, then the final one unless that is among them. */
export function nbsvmFits(config: Pick<TrainConfig, 'nbsvmTune'>, refit: boolean): number {
  if (config.nbsvmTune) return nbsvmChoices.C.length + (refit ? 1 : 0)
  return refit ? 2 : 1
}

/** The table's values (r ∘ w' per row, one column per output) and the biases. */
interface Table {
  values: Float32Array
  bias: Float32Array
}

/** One output's SVM with its ratios and prior ratio, before the interpolation. */
interface OutputFit {
  fit: SvmFit
  ratios: { r: Float32Array; seen: Uint8Array }
  prior: number
}

export async function fitNbsvm(t: Training): Promise<void> {
  const { config, state } = t
  const started = performance.now()
  const units = t.net.table.dim
  const rows = binaryRows(t.train.x, t.train.width, t.train.n)
  const valRows = t.val.n ? binaryRows(t.val.x, t.val.width, t.val.n) : null
  const tune = config.nbsvmTune && valRows !== null
  const refit = t.params.refit && valRows !== null
  t.log(
    `NBSVM: ${t.train.n} examples, ${rows.features.length.toLocaleString('en')} binary features, ${units === 1 ? 'one SVM' : `${units} SVMs (one class against the rest)`}, ${tune ? `C (${nbsvmChoices.C.join(', ')}) and beta (${nbsvmChoices.beta.join(', ')}) chosen on the validation split` : `C ${config.svmC}, beta ${config.nbInterpolation}`}.`,
  )
  let C = config.svmC
  let beta = config.nbInterpolation
  let chosen: Table | null = null
  if (valRows && (tune || refit)) {
    // A refit's last rows are the validation split's: the choice is made by a fit without them.
    const own = refit ? t.train.n - t.val.n : t.train.n
    const ownRows = refit ? binaryRows(t.train.x, t.train.width, own) : rows
    let best: { accuracy: number; C: number; beta: number; table: Table } | null = null
    for (const c of tune ? nbsvmChoices.C : [C]) {
      const fits = fitOutputs(t, ownRows, t.train.labels.subarray(0, own), c)
      for (const b of tune ? nbsvmChoices.beta : [beta]) {
        const table = assemble(t, fits, b)
        const accuracy = accuracyOf(valRows, table, units, t.val.labels)
        if (tune) t.log(`C ${c}, beta ${b}: validation accuracy ${(accuracy * 100).toFixed(2)}%.`)
        if (!best || accuracy > best.accuracy) best = { accuracy, C: c, beta: b, table }
      }
    }
    ;({ C, beta, table: chosen } = best!)
    if (tune) t.log(`Chosen: C ${C}, beta ${beta}${beta === 0 ? ' (naive Bayes alone: MNB)' : ''}.`)
  }
  // The temperature is measured on the validation split by weights that did not train on it.
  const temperature =
    valRows && chosen ? fitTemperature(valRows, chosen.values, chosen.bias, units, t.val.labels) : null
  const table = refit || !chosen ? assemble(t, fitOutputs(t, rows, t.train.labels, C), beta) : chosen
  const scale = temperature ?? (valRows ? fitTemperature(valRows, table.values, table.bias, units, t.val.labels) : 1)
  if (valRows)
    t.log(
      refit
        ? `Refit with C ${C}, beta ${beta}; scores scaled by ${scale.toPrecision(3)}, the temperature of the fit on the training split alone.`
        : `Scores scaled by ${scale.toPrecision(3)} (the temperature that fits the validation split best).`,
    )
  const point = trainPoint(rows, table, units, t.train.labels, state.step, performance.now() - started)
  t.events.add({ steps: [point], progress: { step: state.step, epoch: 1, totalSteps: t.totalSteps } })
  const { values, bias } = table
  for (let i = 0; i < values.length; i++) values[i]! *= scale
  for (let c = 0; c < units; c++) bias[c]! *= scale
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
        trainLoss: point.loss,
        trainAccuracy: point.accuracy,
        valLoss: last?.loss ?? null,
        valAccuracy: last?.accuracy ?? null,
        durationMs: Math.round(state.trainedMs),
      },
    ],
  })
  state.epoch = 1
  t.events.flush()
}

/** One SVM per output on these rows (the sigmoid's positive class is classes[1]; else each class against the rest). */
function fitOutputs(t: Training, rows: BinaryRows, labels: Uint16Array, C: number): OutputFit[] {
  const { config, state } = t
  const units = t.net.table.dim
  const n = labels.length
  const out: OutputFit[] = []
  for (let c = 0; c < units; c++) {
    const positiveClass = units === 1 ? 1 : c
    const positive = Uint8Array.from(labels, (l) => (l === positiveClass ? 1 : 0))
    const ratios = logCountRatios(rows, positive, t.net.table.rows)
    const y = Int8Array.from(positive, (p) => (p ? 1 : -1))
    const fit = fitL2Svm(rows, ratios.r, y, C, {
      maxPasses: nbsvmMaxPasses,
      order: (pass) => epochOrder(n, config.seed + c, pass),
      onPass: () => {
        t.ctx.throwIfCancelled()
        state.step++
      },
    })
    const positives = positive.reduce((a, p) => a + p, 0)
    out.push({ fit, ratios, prior: Math.max(1, positives) / Math.max(1, n - positives) })
    t.events.add({ progress: { step: state.step, epoch: 1, totalSteps: t.totalSteps } })
    t.ctx.progress(state.step, t.totalSteps, 'steps', `SVM ${c + 1}/${units}, C ${C}: ${fit.passes} passes`)
    t.log(
      `SVM ${c + 1}/${units}, C ${C}, ${n} examples: ${fit.passes} passes${fit.converged ? '' : ` (stopped at ${nbsvmMaxPasses}, not converged)`}.`,
    )
  }
  return out
}

/** The fitted outputs interpolated toward naive Bayes by beta, as the table's values and biases. */
function assemble(t: Training, fits: OutputFit[], beta: number): Table {
  const units = fits.length
  const tableRows = t.net.table.rows
  const values = new Float32Array(tableRows * units)
  const bias = new Float32Array(units)
  fits.forEach(({ fit, ratios, prior }, c) => {
    const { weights, bias: b } = interpolate(fit, ratios, beta, prior)
    for (let f = 0; f < tableRows; f++) values[f * units + c] = weights[f]!
    bias[c] = b
  })
  return { values, bias }
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

/** The training figures: the mean squared hinge loss over outputs (y = ±1 per output) and the accuracy. */
function trainPoint(
  rows: BinaryRows,
  { values, bias }: Table,
  units: number,
  labels: Uint16Array,
  step: number,
  ms: number,
): StepMetrics {
  const n = labels.length
  const s = scores(rows, values, bias, units)
  let loss = 0
  for (let i = 0; i < n; i++)
    for (let c = 0; c < units; c++) {
      const positive = units === 1 ? labels[i] === 1 : labels[i] === c
      loss += Math.max(0, 1 - (positive ? 1 : -1) * s[i * units + c]!) ** 2
    }
  const accuracy = accuracyOf(rows, { values, bias }, units, labels, s)
  return { step, epoch: 1, loss: loss / (n * units), accuracy, learningRate: 0, samplesPerSec: (n * 1000) / ms }
}

/** The share of rows whose highest score (a positive score, for one output) is their label. */
function accuracyOf(
  rows: BinaryRows,
  { values, bias }: Table,
  units: number,
  labels: Uint16Array,
  s = scores(rows, values, bias, units),
): number {
  let right = 0
  for (let i = 0; i < labels.length; i++) {
    let predicted = 0
    if (units === 1) predicted = s[i]! > 0 ? 1 : 0
    else for (let c = 1; c < units; c++) if (s[i * units + c]! > s[i * units + predicted]!) predicted = c
    if (predicted === labels[i]) right++
  }
  return right / Math.max(1, labels.length)
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
