/**
 * One training in progress, as the train job's steps share it: the backend, the encoded splits, the
 * network and its optimizer, the batch sizes, the event stream and where training stands.
 */
import { readFile } from 'node:fs/promises'
import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../../shared/training/config'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import type { TrainParams } from '../../../shared/training/job'
import type { EpochMetrics, ValidationPoint } from '../../../shared/training/results'
import type { EmbeddingParams } from '../../../shared/vectors'
import type { JobContext } from '../jobs/worker-runtime'
import { embeddingJob } from '../vectors/jobs'
import { useBackend, type ActiveBackend } from './backend'
import { joinSplits, loadSplit, type SplitTensors } from './data'
import type { TrainEvent } from '../../../shared/training/job'
import { EventBatcher } from './events'
import { passSize } from './memory'
import { BagTrainer, bagTrainerRefusal } from './bag-trainer'
import { buildNetwork, type Network } from './models'
import { nbsvmFits, nbsvmMaxPasses } from './nbsvm'
import { makeOptimizer } from './optimizer'
import { seedMathRandom } from './random'
import { smallRecurrentSteps } from './recurrent/fused-layers'

/** Where training stands: written with every checkpoint, read back on resume. */
export interface TrainState {
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

export interface Training {
  params: TrainParams
  config: TrainConfig
  ctx: JobContext
  events: EventBatcher
  log: (line: string) => void
  backend: ActiveBackend
  train: SplitTensors
  val: SplitTensors
  test: SplitTensors
  net: Network
  optimizer: tf.Optimizer
  /** The body's trainable variables, in the order the gradients come back. */
  vars: tf.Variable[]
  /** A bag's steps in plain JavaScript (`bag-trainer.ts`) instead of `trainStep`, when it can train the network. */
  bag: BagTrainer | null
  stepsPerEpoch: number
  totalSteps: number
  /** Examples per forward and backward pass, and per inference batch, within the backend's memory. */
  micro: number
  evalBatch: number
  state: TrainState
  /** The weights with the best validation loss so far. */
  best: tf.LayersModel | null
  /** Whether epochs end with a checkpoint (a bag's refit writes none: `bag-refit.ts`). */
  checkpoints: boolean
  /**
   * The job's progress: steps done before this fit's first (a bag's refit counts on from its choosing
   * fit's) and the total it counts towards; `refit` names the phase in the progress message.
   */
  progress: { before: number; total: number; refit: boolean }
}

/**
 * Selects the backend, loads the splits and builds the network and its optimizer, from the seed.
 * `bagRefit`: a bag's refit within its run (`bag-refit.ts`): on train + validation, with no validation,
 * no checkpoints, and only log lines and progress streamed (its points would overwrite the first fit's).
 */
export async function openTraining(params: TrainParams, ctx: JobContext, bagRefit = false): Promise<Training> {
  const { config } = params
  const events = new EventBatcher((e: TrainEvent) =>
    ctx.emit(bagRefit ? { steps: [], epochs: [], validations: [], log: e.log, progress: e.progress } : e),
  )
  const log = (line: string) => events.add({ log: [line] })
  // Initial weights and dropout masks follow the seed (a resumed run reseeds from where it is).
  seedMathRandom(config.seed)
  const backend = await useBackend(params.backend, smallRecurrentSteps(config))
  log(`Backend: ${backend.name} (${backend.detail}), tfjs ${tf.version_core}.`)

  const load = (split: 'train' | 'val' | 'test') => loadSplit(params.datasetDir, split, config, params.vocabSize)
  const [own, val, test] = [await load('train'), await load('val'), await load('test')]
  if (own.n === 0) throw new Error('The dataset has no training examples.')
  log(`Data: ${own.n} training, ${val.n} validation and ${test.n} test examples, rows of ${own.width} ids.`)
  const train = params.refit || bagRefit ? joinSplits(own, val) : own
  if (params.refit && !bagRefit)
    log(
      `Refit: training on the training and validation splits together (${train.n} examples); ${modelKindSpec(config.model).training === 'fit' ? 'its choices and validation figures come from a fit on the training split alone' : 'its validation figures are on examples it trained on'}.`,
    )

  const pretrained = params.embedding ? await loadPretrained(params.embedding, params.vocabSize, ctx, log) : undefined
  const net = buildNetwork(config, { vocabSize: params.vocabSize, classes: params.classes.length, pretrained })
  const stepsPerEpoch = Math.ceil(train.n / config.batchSize)
  // A fitted kind (NBSVM) counts coordinate-descent passes, at most nbsvmMaxPasses per output.
  const fitted = modelKindSpec(config.model).training === 'fit'
  const bagRefusal = modelKindSpec(config.model).input === 'bag' && !fitted ? bagTrainerRefusal(net) : 'not a bag'
  // Only the JavaScript trainer updates per example: the tfjs path would silently train by batch.
  if (bagRefusal && bagRefusal !== 'not a bag' && config.bagUpdate === 'example')
    throw new Error(
      `Per-example updates need the JavaScript bag trainer, which cannot train this model: ${bagRefusal}.`,
    )
  const bag = bagRefusal ? null : new BagTrainer(net, config)
  // NBSVM may fit more than once: its choices on validation, a refit (`nbsvmFits`).
  const totalSteps = fitted
    ? net.table.dim * nbsvmMaxPasses * nbsvmFits(config, params.refit, val.n > 0)
    : stepsPerEpoch * config.epochs
  if (bagRefusal !== 'not a bag')
    log(
      bag
        ? `Training in plain JavaScript on ${bag.threads} thread${bag.threads === 1 ? '' : 's'} (the bag trainer: ${config.bagUpdate === 'example' ? "every example its own SGD step, as fastText's" : 'lazy sparse updates of the rows each batch touches'}).`
        : `Training through tfjs: ${bagRefusal}.`,
    )
  return {
    params,
    config,
    ctx,
    events,
    log,
    backend,
    train,
    val: bagRefit ? { ...val, x: new Int32Array(0), labels: new Uint16Array(0), n: 0 } : val,
    test,
    net,
    optimizer: makeOptimizer(config),
    vars: net.body.trainableWeights.map((w) => w.read() as tf.Variable),
    bag,
    stepsPerEpoch,
    totalSteps,
    micro: passSize(config, train.width, backend.name, config.batchSize),
    // Inference keeps a pass's tensors until it ends too (tidy): evaluation batches obey the same budget.
    evalBatch: passSize(config, train.width, backend.name, Math.max(config.batchSize, 256)),
    state: {
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
    },
    best: null,
    checkpoints: !bagRefit,
    progress: { before: 0, total: totalSteps, refit: false },
  }
}

/** Tells main the run has started (backend, steps, parameters) and how batches will run. */
export function announce(t: Training): void {
  const { config, backend } = t
  t.events.add({
    started: {
      backend: backend.name,
      detail: backend.detail,
      totalSteps: t.totalSteps,
      parameters: t.net.body.countParams() + t.net.table.values.length,
    },
  })
  t.events.flush()
  if (t.micro < config.batchSize)
    t.log(
      `Each batch of ${config.batchSize} runs as micro-batches of ${t.micro} whose gradients are summed before the update, to stay within ${backend.name}'s memory.`,
    )
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
