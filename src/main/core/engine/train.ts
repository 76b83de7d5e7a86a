/**
 * The `train` job: one training run in its own process. It loads the dataset's encoded splits, builds
 * the model, trains with the configured optimizer and schedule, validates, keeps the weights with the
 * best validation loss, checkpoints so an interrupted run can resume, evaluates the best weights on
 * the test split and writes the model bundle. Points and log lines stream to main as they happen.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { PreprocessSpec } from '../../../shared/datasets'
import type { EpochMetrics, StepMetrics, TestMetrics, TrainConfig, ValidationPoint } from '../../../shared/training'
import type { BackendName } from '../../../shared/types'
import type { JobContext } from '../jobs/worker-runtime'
import { embeddingJob, type EmbeddingParams } from '../vectors/jobs'
import { useBackend } from './backend'
import { writeBundle } from './bundle'
import { loadSplit, type SplitTensors } from './data'
import { accuracyFromLogits, batchRows, evaluate, lossFromLogits } from './evaluate'
import { EventBatcher, type TrainEvent } from './events'
import { testMetrics } from './metrics'
import { passSize } from './memory'
import { buildNetwork, type Network } from './models'
import { sumOfSquares } from './embedding-table'
import {
  readableFolder,
  readModelFiles,
  readNamedTensors,
  readTableSlots,
  writeFolder,
  writeModelFiles,
  writeNamedTensors,
  writeTableSlots,
} from './model-files'
import { makeOptimizer, setLearningRate } from './optimizer'
import { epochOrder, seedMathRandom } from './random'
import { learningRateAt } from './schedule'

export const trainJobKind = 'train'

export interface TrainParams {
  runId: string
  runDir: string
  datasetDir: string
  dataset: { id: string; name: string; fingerprint: string; preprocess: PreprocessSpec }
  classes: string[]
  vocabSize: number
  config: TrainConfig
  backend: BackendName
  /** How to build the pretrained embedding matrix, when config.vectors is set. */
  embedding?: EmbeddingParams
  /** Continue from the last checkpoint instead of starting over. */
  resume: boolean
}

export interface TrainOutcome {
  backend: BackendName
  backendDetail: string
  test: TestMetrics | null
  bestValidation: ValidationPoint | null
  durationMs: number
  samplesPerSecond: number
  steps: number
  epochs: number
}

/** Where training stands: written with every checkpoint, read back on resume. */
interface TrainState {
  epoch: number
  /** The next batch of `epoch`. */
  batch: number
  step: number
  best: ValidationPoint | null
  sinceBest: number
  stopped: boolean
  trainedMs: number
  samples: number
  epochSums: { loss: number; accuracy: number; count: number; startedMs: number }
  /** Rows and points so far, sent again on resume: a crash may have cut them off on their way to main. */
  epochs: EpochMetrics[]
  validations: ValidationPoint[]
}

const checkpointDir = (runDir: string, which: 'last' | 'best') => join(runDir, 'checkpoints', which)

export async function trainJob(params: TrainParams, ctx: JobContext): Promise<TrainOutcome> {
  const { config } = params
  const events = new EventBatcher((e: TrainEvent) => ctx.emit(e))
  const log = (line: string) => events.add({ log: [line] })
  // Initial weights and dropout masks follow the seed (a resumed run reseeds from where it is).
  seedMathRandom(config.seed)
  const active = await useBackend(params.backend)
  log(`Backend: ${active.name} (${active.detail}), tfjs ${tf.version_core}.`)

  const load = (split: 'train' | 'val' | 'test') => loadSplit(params.datasetDir, split, config, params.vocabSize)
  const [train, val, test] = [await load('train'), await load('val'), await load('test')]
  if (train.n === 0) throw new Error('The dataset has no training examples.')
  log(`Data: ${train.n} training, ${val.n} validation and ${test.n} test examples, rows of ${train.width} ids.`)

  const pretrained = params.embedding ? await loadPretrained(params.embedding, params.vocabSize, ctx, log) : undefined
  const net = buildNetwork(config, { vocabSize: params.vocabSize, classes: params.classes.length, pretrained })
  const optimizer = makeOptimizer(config)
  const stepsPerEpoch = Math.ceil(train.n / config.batchSize)
  const totalSteps = stepsPerEpoch * config.epochs
  let state: TrainState = {
    epoch: 0,
    batch: 0,
    step: 0,
    best: null,
    sinceBest: 0,
    stopped: false,
    trainedMs: 0,
    samples: 0,
    epochSums: { loss: 0, accuracy: 0, count: 0, startedMs: 0 },
    epochs: [],
    validations: [],
  }
  let best: tf.LayersModel | null = null
  if (params.resume) {
    const restored = await restoreCheckpoint(params.runDir, net, optimizer)
    if (restored) {
      state = restored.state
      best = restored.best
      seedMathRandom((config.seed + state.step * 2654435761) >>> 0)
      log(`Resumed from the checkpoint at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batch}).`)
      events.add({ epochs: state.epochs, validations: state.validations })
    } else log('No checkpoint was saved before the run stopped: starting over.')
  }
  events.add({
    started: {
      backend: active.name,
      detail: active.detail,
      totalSteps,
      parameters: net.body.countParams() + net.table.values.length,
    },
  })
  events.flush()

  const micro = passSize(config, train.width, active.name, config.batchSize)
  // Inference keeps a pass's tensors until it ends too (tidy): evaluation batches obey the same budget.
  const evalBatch = passSize(config, train.width, active.name, Math.max(config.batchSize, 256))
  if (micro < config.batchSize)
    log(
      `Each batch of ${config.batchSize} runs as micro-batches of ${micro} whose gradients are summed before the update, to stay within ${active.name}'s memory.`,
    )
  const vars = net.body.trainableWeights.map((w) => w.read() as tf.Variable)
  const inference = (ids: Int32Array, n: number) => net.logits(ids, n, false)
  const validate = async (): Promise<void> => {
    if (val.n === 0) return
    const e = await evaluate(inference, val, evalBatch, () => ctx.throwIfCancelled())
    const point: ValidationPoint = { step: state.step, epoch: state.epoch + 1, loss: e.loss, accuracy: e.accuracy }
    state.validations.push(point)
    const improved = !state.best || e.loss < state.best.loss
    if (improved) {
      state.best = point
      state.sinceBest = 0
      best?.dispose()
      best = net.exportModel()
      await writeFolder(checkpointDir(params.runDir, 'best'), (dir) => writeModelFiles(best!, dir))
    } else state.sinceBest++
    events.add({ validations: [point], ...(improved ? { best: point } : {}) })
    log(
      `Validation at step ${point.step}: loss ${point.loss.toFixed(4)}, accuracy ${(point.accuracy * 100).toFixed(2)}%${improved ? ' (best so far, kept)' : ''}.`,
    )
    if (config.patience > 0 && state.sinceBest >= config.patience) {
      state.stopped = true
      log(`Early stop: no better validation loss in ${config.patience} validations.`)
    }
  }

  while (state.epoch < config.epochs && !state.stopped) {
    const order = epochOrder(train.n, config.seed, state.epoch)
    if (state.batch === 0) state.epochSums = { loss: 0, accuracy: 0, count: 0, startedMs: state.trainedMs }
    while (state.batch < stepsPerEpoch && !state.stopped) {
      ctx.throwIfCancelled()
      const started = performance.now()
      const lr = learningRateAt(config, state.step, totalSteps)
      setLearningRate(optimizer, lr)
      const from = state.batch * config.batchSize
      const to = Math.min(train.n, from + config.batchSize)
      const [loss, accuracy] = await trainStep(net, optimizer, vars, config.clipNorm, lr, train, from, to, order, micro)
      const ms = performance.now() - started
      state.batch++
      state.step++
      state.trainedMs += ms
      state.samples += to - from
      const sums = state.epochSums
      sums.loss += loss * (to - from)
      sums.accuracy += accuracy * (to - from)
      sums.count += to - from
      const point: StepMetrics = {
        step: state.step,
        epoch: state.epoch + 1,
        loss,
        accuracy,
        learningRate: lr,
        samplesPerSec: ((to - from) * 1000) / Math.max(ms, 0.001),
      }
      events.add({ steps: [point], progress: { step: state.step, epoch: state.epoch + 1, totalSteps } })
      ctx.progress(
        state.step,
        totalSteps,
        'steps',
        `epoch ${state.epoch + 1}/${config.epochs}, loss ${loss.toFixed(4)}`,
      )
      if (config.validateEvery > 0 && state.step % config.validateEvery === 0) {
        await validate()
        events.flush() // what the checkpoint covers goes to main first
        await saveCheckpoint(params.runDir, net, optimizer, state)
      }
    }
    if (state.batch < stepsPerEpoch) break // stopped early, mid-epoch
    if (config.validateEvery === 0) await validate()
    const sums = state.epochSums
    const last = state.validations.at(-1)
    const epochVal = last?.epoch === state.epoch + 1 ? last : null
    const row: EpochMetrics = {
      epoch: state.epoch + 1,
      trainLoss: sums.loss / Math.max(1, sums.count),
      trainAccuracy: sums.accuracy / Math.max(1, sums.count),
      valLoss: epochVal?.loss ?? null,
      valAccuracy: epochVal?.accuracy ?? null,
      durationMs: Math.round(state.trainedMs - sums.startedMs),
    }
    state.epochs.push(row)
    events.add({ epochs: [row] })
    log(
      `Epoch ${row.epoch}/${config.epochs}: train loss ${row.trainLoss.toFixed(4)}; ${tf.memory().numTensors} tensors in memory.`,
    )
    state.epoch++
    state.batch = 0
    events.flush()
    await saveCheckpoint(params.runDir, net, optimizer, state)
  }

  // Validating every N steps may miss the last ones (or all, in a short run): the final weights compete too.
  if (config.validateEvery > 0 && !state.stopped && state.validations.at(-1)?.step !== state.step) await validate()
  if (best) net.importWeights(best)
  log(
    state.best
      ? `Testing the weights with the best validation loss (step ${state.best.step}).`
      : 'Testing the last weights (no validation split).',
  )
  events.flush()
  const tested = test.n ? await evaluate(inference, test, evalBatch, () => ctx.throwIfCancelled()) : null
  const metrics = tested ? testMetrics(tested.probs, test.labels, params.classes, tested.loss) : null
  if (metrics) log(`Test: accuracy ${(metrics.accuracy * 100).toFixed(2)}%, macro F1 ${metrics.f1.toFixed(4)}.`)
  const outcome: TrainOutcome = {
    backend: active.name,
    backendDetail: active.detail,
    test: metrics,
    bestValidation: state.best,
    durationMs: Math.round(state.trainedMs),
    samplesPerSecond: state.trainedMs > 0 ? (state.samples * 1000) / state.trainedMs : 0,
    steps: state.step,
    epochs: state.epoch,
  }
  const exported = net.exportModel()
  await writeBundle(join(params.runDir, 'model'), exported, params, outcome)
  log('Saved the model bundle.')
  events.flush()
  return outcome
}

/**
 * One step: the batch's rows are embedded from the table, the gradients of the body's variables and
 * (when the table trains) of the embedded rows come back together, are clipped by their global norm,
 * and go to the optimizer and to the table's sparse update. A batch larger than `micro` runs in
 * micro-batches whose gradients are summed, weighted by their share, before the one update.
 */
async function trainStep(
  net: Network,
  optimizer: tf.Optimizer,
  vars: tf.Variable[],
  clipNorm: number,
  lr: number,
  data: SplitTensors,
  from: number,
  to: number,
  order: Int32Array,
  micro: number,
): Promise<[number, number]> {
  const n = to - from
  const trainTable = net.table.trainable
  let varGrads: tf.Tensor[] = []
  const tableGrads: Float32Array[] = []
  const batchIds: Int32Array[] = []
  let loss = 0
  let accuracy = 0
  for (let start = from; start < to; start += micro) {
    const end = Math.min(to, start + micro)
    const share = (end - start) / n
    const { ids, ys: labels } = batchRows(data.x, data.width, data.labels, start, end, order)
    const embedded = net.embed(ids, end - start)
    const ys = tf.tensor1d(labels, 'int32')
    let hits: tf.Scalar | null = null
    const { value, grads } = tf.engine().gradients(
      () => {
        const logits = net.body.apply(embedded, { training: true }) as tf.Tensor
        hits = tf.keep(accuracyFromLogits(logits, ys))
        return lossFromLogits(logits, ys)
      },
      trainTable ? [embedded, ...vars] : vars,
    )
    const own = trainTable ? grads.slice(1) : grads
    if (share === 1) varGrads = own
    else {
      const summed = own.map((g, i) =>
        tf.tidy(() => (varGrads[i] ? tf.add(varGrads[i]!, tf.mul(g, share)) : tf.mul(g, share))),
      )
      tf.dispose([...varGrads, ...own])
      varGrads = summed
    }
    if (trainTable) {
      const g = (await grads[0]!.data()) as Float32Array
      if (share !== 1) for (let i = 0; i < g.length; i++) g[i]! *= share
      tableGrads.push(g)
      batchIds.push(ids)
    }
    loss += (await value.data())[0]! * share
    accuracy += (await hits!.data())[0]! * share
    tf.dispose([embedded, ys, value, hits!, ...(trainTable ? [grads[0]!] : [])])
  }
  const sparse = trainTable ? net.tableGradient(concat(batchIds), concat(tableGrads)) : null
  let scale = 1
  if (clipNorm > 0) {
    const squares = tf.tidy(() => tf.addN(varGrads.map((g) => tf.sum(tf.square(g)))))
    const norm = Math.sqrt((await squares.data())[0]! + (sparse ? sumOfSquares(sparse.grads) : 0))
    squares.dispose()
    scale = norm > clipNorm ? clipNorm / norm : 1
  }
  const named: tf.NamedTensorMap = {}
  vars.forEach((v, i) => (named[v.name] = scale === 1 ? varGrads[i]! : tf.mul(varGrads[i]!, scale)))
  optimizer.applyGradients(named)
  if (sparse) {
    if (scale !== 1) for (let i = 0; i < sparse.grads.length; i++) sparse.grads[i]! *= scale
    net.table.apply(sparse.rows, sparse.grads, lr)
  }
  tf.dispose([...varGrads, ...(scale === 1 ? [] : Object.values(named))])
  return [loss, accuracy]
}

/** One array of several, in order (the one itself when there is one). */
function concat<T extends Int32Array | Float32Array>(parts: T[]): T {
  if (parts.length === 1) return parts[0]!
  const out = new (parts[0]!.constructor as new (n: number) => T)(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

async function saveCheckpoint(runDir: string, net: Network, optimizer: tf.Optimizer, state: TrainState) {
  const slots = await optimizer.getWeights()
  const model = net.exportModel()
  await writeFolder(checkpointDir(runDir, 'last'), async (dir) => {
    await writeModelFiles(model, dir)
    await writeNamedTensors(slots, dir, 'optimizer')
    await writeTableSlots(net.table, dir)
    await writeFile(join(dir, 'state.json'), JSON.stringify(state))
  })
  model.dispose()
  // getWeights() hands out the slot variables themselves, and a new scalar of the step count.
  tf.dispose(slots.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)))
}

async function restoreCheckpoint(
  runDir: string,
  net: Network,
  optimizer: tf.Optimizer,
): Promise<{ state: TrainState; best: tf.LayersModel | null } | null> {
  const dir = readableFolder(checkpointDir(runDir, 'last'))
  if (!dir) return null
  const saved = await readModelFiles(dir)
  net.importWeights(saved)
  saved.dispose()
  const slots = await readNamedTensors(dir, 'optimizer')
  await optimizer.setWeights(slots) // copies them into variables of its own
  tf.dispose(slots.map((s) => s.tensor))
  await readTableSlots(net.table, dir)
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as TrainState
  const bestDir = readableFolder(checkpointDir(runDir, 'best'))
  return { state, best: bestDir && state.best ? await readModelFiles(bestDir) : null }
}

async function loadPretrained(
  params: EmbeddingParams,
  vocabSize: number,
  ctx: JobContext,
  log: (line: string) => void,
): Promise<Float32Array> {
  const result = await embeddingJob(params, ctx)
  log(
    `Word vectors: ${result.dim} dimensions, ${(result.vocabularyShare * 100).toFixed(1)}% of the vocabulary found${result.cached ? ' (cached matrix)' : ''}.`,
  )
  const bytes = await readFile(result.matrixPath)
  const matrix = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  if (matrix.length !== vocabSize * result.dim)
    throw new Error(
      `The embedding matrix ${result.matrixPath} does not match the dataset's vocabulary; delete it to rebuild.`,
    )
  return matrix
}

export const hasCheckpoint = (runDir: string): boolean => readableFolder(checkpointDir(runDir, 'last')) !== null
