/**
 * Models on disk in the standard tfjs layers format (`model.json` + `weights.bin`), which plain tfjs
 * loads anywhere with `tf.loadLayersModel`, and training checkpoints (the same plus the optimizer's
 * state). Their folders are written whole (`folders.ts`).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { EmbeddingTable } from './embedding-table'

/** An optimizer's slot: tfjs's NamedTensor, which its package index does not export. */
export interface NamedTensor {
  name: string
  tensor: tf.Tensor
}

/** model.json and weights.bin of `model` into an existing folder. */
export async function writeModelFiles(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData!)
      await writeFile(join(dir, 'weights.bin'), new Uint8Array(weights))
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      }
      await writeFile(join(dir, 'model.json'), JSON.stringify(json))
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    }),
  )
}

export async function readModelFiles(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[]
  }
  const data = await readFile(join(dir, 'weights.bin'))
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    }),
  )
}

/** Named tensors (an optimizer's slots) as a specs file and a data file. */
export async function writeNamedTensors(tensors: NamedTensor[], dir: string, name: string): Promise<void> {
  const { data, specs } = await tf.io.encodeWeights(tensors)
  await writeFile(join(dir, `${name}.bin`), new Uint8Array(tf.io.CompositeArrayBuffer.join(data)))
  await writeFile(join(dir, `${name}.json`), JSON.stringify(specs))
}

export async function readNamedTensors(dir: string, name: string): Promise<NamedTensor[]> {
  const specs = JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as tf.io.WeightsManifestEntry[]
  const data = await readFile(join(dir, `${name}.bin`))
  const map = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), specs)
  return specs.map((s) => ({ name: s.name, tensor: map[s.name]! }))
}

/** The embedding table's optimizer slots and update count (its weights are in the model files). */
export async function writeTableSlots(table: EmbeddingTable, dir: string): Promise<void> {
  const bytes = (a: Float32Array | null) =>
    a ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : new Uint8Array()
  await writeFile(join(dir, 'table-slot-a.bin'), bytes(table.slotA))
  await writeFile(join(dir, 'table-slot-b.bin'), bytes(table.slotB))
  await writeFile(join(dir, 'table.json'), JSON.stringify({ updates: table.updates }))
}

export async function readTableSlots(table: EmbeddingTable, dir: string): Promise<void> {
  const fill = async (slot: Float32Array | null, file: string) => {
    if (!slot) return
    const b = await readFile(join(dir, file))
    slot.set(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4))
  }
  await fill(table.slotA, 'table-slot-a.bin')
  await fill(table.slotB, 'table-slot-b.bin')
  table.updates = (JSON.parse(await readFile(join(dir, 'table.json'), 'utf8')) as { updates: number }).updates
}
