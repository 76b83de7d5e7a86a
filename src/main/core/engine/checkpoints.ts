/**
 * Checkpoints, `checkpoints/last`: the weights, the optimizer's slots, the table's slots and where
 * training stands, so an interrupted run resumes where it was (the best weights are `checkpoints/best`).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { checkpointDir, readableFolder, writeFolder } from './folders'
import {
  readModelFiles,
  readNamedTensors,
  readTableSlots,
  writeModelFiles,
  writeNamedTensors,
  writeTableSlots,
} from './model-files'
import { seedMathRandom } from './random'
import type { Training, TrainState } from './training'

export async function saveCheckpoint(t: Training): Promise<void> {
  if (!t.checkpoints) return
  // The bag trainer keeps the logits layer's slots itself, under the tfjs optimizer's names.
  const slots = t.bag ? t.bag.slotTensors() : await t.optimizer.getWeights()
  const model = t.net.exportModel()
  await writeFolder(checkpointDir(t.params.runDir, 'last'), async (dir) => {
    await writeModelFiles(model, dir)
    await writeNamedTensors(slots, dir, 'optimizer')
    await writeTableSlots(t.net.table, dir)
    await writeFile(join(dir, 'state.json'), JSON.stringify(t.state))
  })
  model.dispose()
  // getWeights() hands out the slot variables themselves, and a new scalar of the step count.
  tf.dispose(slots.map((s) => s.tensor).filter((s) => !(s instanceof tf.Variable)))
}

/** Continues from the last checkpoint, if one was saved, with the random draws of where it was. */
export async function resume(t: Training): Promise<void> {
  const dir = readableFolder(checkpointDir(t.params.runDir, 'last'))
  if (!dir) return t.log('No checkpoint was saved before the run stopped: starting over.')
  const saved = await readModelFiles(dir)
  t.net.importWeights(saved)
  saved.dispose()
  t.bag?.readBody()
  const slots = await readNamedTensors(dir, 'optimizer')
  if (t.bag) await t.bag.setSlots(slots)
  else await t.optimizer.setWeights(slots) // copies them into variables of its own
  tf.dispose(slots.map((s) => s.tensor))
  await readTableSlots(t.net.table, dir)
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as TrainState
  const bestDir = readableFolder(checkpointDir(t.params.runDir, 'best'))
  t.state = state
  t.best = bestDir && state.best ? await readModelFiles(bestDir) : null
  seedMathRandom((t.config.seed + state.step * 2654435761) >>> 0)
  t.log(`Resumed from the checkpoint at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batch}).`)
  t.events.add({ epochs: state.epochs, validations: state.validations })
}
