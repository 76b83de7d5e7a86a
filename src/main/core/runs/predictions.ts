/**
 * A run's test predictions, `runs/<id>/predictions.bin`, kept so two runs can be compared example by
 * example (McNemar). An 8-byte header ("SSPR", version 1, the width, two zero bytes), then one value
 * per test example in the split's order: the predicted class in the low bits and, in the top bit,
 * whether it was right. Up to 128 classes that is one byte per example (25,000 reviews: 25,008
 * bytes a run); more classes take two (uint16, little-endian). No tfjs: main reads these.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const predictionsFile = (runDir: string): string => join(runDir, 'predictions.bin')
const magic = [0x53, 0x53, 0x50, 0x52] // "SSPR"
const headerBytes = 8

export interface Predictions {
  /** The predicted class of each example. */
  predicted: Uint16Array
  /** 1 where the prediction was the label, else 0. */
  correct: Uint8Array
}

export function encodePredictions(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): Uint8Array {
  if (predicted.length !== labels.length) throw new Error(`${predicted.length} predictions for ${labels.length} labels`)
  const width = classes <= 128 ? 1 : 2
  const top = width === 1 ? 0x80 : 0x8000
  const out = new Uint8Array(headerBytes + predicted.length * width)
  out.set(magic)
  out[4] = 1
  out[5] = width
  const view = new DataView(out.buffer)
  for (let i = 0; i < predicted.length; i++) {
    const value = predicted[i]! | (predicted[i] === labels[i] ? top : 0)
    if (width === 1) out[headerBytes + i] = value
    else view.setUint16(headerBytes + 2 * i, value, true)
  }
  return out
}

/** Decodes a predictions file; a damaged one throws, naming the problem. */
export function decodePredictions(bytes: Uint8Array, where = 'predictions.bin'): Predictions {
  if (bytes.length < headerBytes || magic.some((b, i) => bytes[i] !== b))
    throw new Error(`${where} is not a predictions file.`)
  if (bytes[4] !== 1) throw new Error(`${where} has version ${bytes[4]}; this app reads version 1.`)
  const width = bytes[5]!
  if ((width !== 1 && width !== 2) || (bytes.length - headerBytes) % width !== 0)
    throw new Error(`${where} is damaged (width ${width}, ${bytes.length} bytes).`)
  const n = (bytes.length - headerBytes) / width
  const predicted = new Uint16Array(n)
  const correct = new Uint8Array(n)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const top = width === 1 ? 0x80 : 0x8000
  for (let i = 0; i < n; i++) {
    const value = width === 1 ? bytes[headerBytes + i]! : view.getUint16(headerBytes + 2 * i, true)
    predicted[i] = value & (top - 1)
    correct[i] = value & top ? 1 : 0
  }
  return { predicted, correct }
}

export async function writePredictions(
  runDir: string,
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
): Promise<number> {
  const bytes = encodePredictions(predicted, labels, classes)
  await mkdir(runDir, { recursive: true })
  await writeFile(predictionsFile(runDir), bytes)
  return bytes.length
}

/** The run's predictions, or null when it stored none (it did not finish, or predates them). */
export async function readPredictions(runDir: string): Promise<Predictions | null> {
  const file = predictionsFile(runDir)
  if (!existsSync(file)) return null
  return decodePredictions(await readFile(file), file)
}
