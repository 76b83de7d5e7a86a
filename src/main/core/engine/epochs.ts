/**
 * The epoch loop: each epoch's batches in its seeded order, one optimizer step each, validating and
 * checkpointing every N steps or at the end of the epoch, until the epochs are done or training stops.
 */
import * as tf from '@tensorflow/tfjs'
import type { EpochMetrics, StepMetrics } from '../../../shared/training/results'
import { batchLength, bucketedOrder, bucketPadding, usesBuckets } from './buckets'
import { saveCheckpoint } from './checkpoints'
import { passSize } from './memory'
import { setLearningRate } from './optimizer'
import { epochOrder } from './random'
import { learningRateAt } from './schedule'
import { pairingNote } from './recurrent/paired-lstm'
import { trainStep } from './train-step'
import type { Training } from './training'
import { validate } from './validation'

export async function trainEpochs(t: Training): Promise<void> {
  while (t.state.epoch < t.config.epochs && !t.state.stopped) {
    await trainEpoch(t)
    if (t.state.batch < t.stepsPerEpoch) break // stopped early, mid-epoch
    await endEpoch(t)
  }
  t.bag?.writeBody()
  t.bag?.close()
}

/** The epoch's remaining batches (all but those done before a resume). */
async function trainEpoch(t: Training): Promise<void> {
  const { config, state } = t
  const lengths = usesBuckets(config) ? t.train.lengths : null
  const order = lengths
    ? bucketedOrder(lengths, config.batchSize, config.seed, state.epoch)
    : epochOrder(t.train.n, config.seed, state.epoch)
  if (state.batch === 0) state.epochSums = { loss: 0, accuracy: 0, count: 0, startedMs: state.trainedMs }
  while (state.batch < t.stepsPerEpoch && !state.stopped) {
    await trainBatch(t, order, lengths)
    if (config.validateEvery > 0 && state.step % config.validateEvery === 0) {
      t.bag?.writeBody()
      await validate(t)
      t.events.flush() // what the checkpoint covers goes to main first
      await saveCheckpoint(t)
    }
  }
}

/** One step on the next batch (only as long as its longest example when bucketed), its point streamed to main. */
async function trainBatch(t: Training, order: Int32Array, lengths: Uint32Array | null): Promise<void> {
  const { config, state } = t
  t.ctx.throwIfCancelled()
  const started = performance.now()
  const lr = learningRateAt(config, state.step, t.totalSteps)
  setLearningRate(t.optimizer, lr)
  const from = state.batch * config.batchSize
  const to = Math.min(t.train.n, from + config.batchSize)
  const steps = lengths ? batchLength(lengths, order, from, to, bucketPadding(config), t.train.width) : t.train.width
  // A shorter batch keeps less per example: more of it fits in one pass.
  const micro = steps === t.train.width ? t.micro : passSize(config, steps, t.backend.name, config.batchSize)
  const [loss, accuracy] = await (t.bag
    ? t.bag.step(t.train.x, t.train.labels, from, to, order, lr, config.clipNorm)
    : trainStep(t.net, t.optimizer, t.vars, config.clipNorm, lr, t.train, from, to, order, steps, micro))
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
  const { before, total, refit } = t.progress
  t.events.add({ steps: [point], progress: { step: before + state.step, epoch: state.epoch + 1, totalSteps: total } })
  t.ctx.progress(
    before + state.step,
    total,
    'steps',
    `${refit ? 'refit on train + validation, ' : ''}epoch ${state.epoch + 1}/${config.epochs}, loss ${loss.toFixed(4)}`,
  )
}

/** Closes the epoch: validates (when per epoch), streams its row and checkpoints. */
async function endEpoch(t: Training): Promise<void> {
  const { config, state } = t
  t.bag?.writeBody()
  if (config.validateEvery === 0) await validate(t)
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
  t.events.add({ epochs: [row] })
  t.log(
    `Epoch ${row.epoch}/${config.epochs}: train loss ${row.trainLoss.toFixed(4)}; ${tf.memory().numTensors} tensors in memory.`,
  )
  const pairs = pairingNote()
  if (pairs) t.log(pairs)
  state.epoch++
  state.batch = 0
  t.events.flush()
  await saveCheckpoint(t)
}
