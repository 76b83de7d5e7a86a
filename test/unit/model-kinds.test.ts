/**
 * Each model kind built on a tiny config on the cpu backend: the shapes in and out, the parameter
 * count its spec estimates, the settings the form shows for it, and an unknown kind's error.
 * (Whether each kind learns is `training-runs.test.ts`, on wasm, slower.)
 */
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { modelBuilder } from '../../src/main/core/engine/model-builders'
import { buildNetwork } from '../../src/main/core/engine/models'
import { featureLength } from '../../src/shared/ngrams'
import { defaultConfig, trainConfigSchema, type ConfigField, type TrainConfig } from '../../src/shared/training/config'
import { fieldApplies, fieldInfo } from '../../src/shared/training/fields'
import { kindFields, modelKinds, modelKindSpec, tableDim, type ModelKind } from '../../src/shared/training/model-kinds'
import { bytesPerExample, parameterCount } from '../../src/shared/training/size'

const config = (c: Partial<TrainConfig>) => trainConfigSchema.parse({ ...defaultConfig, ...c })
const vocabSize = 40
const tiny = (model: ModelKind) => [
  config({
    model,
    embeddingDim: 8,
    hiddenUnits: 6,
    layers: 2,
    maxLen: 12,
    filters: 5,
    denseUnits: 7,
    hashBuckets: 1000,
  }),
  config({
    model,
    embeddingDim: 8,
    hiddenUnits: 6,
    maxLen: 12,
    readout: 'first-last',
    output: 'softmax',
    ngrams: 3,
    hashBuckets: 1000,
    trainEmbeddings: false,
  }),
]

/** The kind-specific settings the Train form shows for each kind. */
const shownFor: Record<ModelKind, ConfigField[]> = {
  rnn: ['hiddenUnits', 'layers', 'readout', 'vectors', 'lengthBuckets'],
  lstm: ['hiddenUnits', 'layers', 'readout', 'vectors', 'lengthBuckets'],
  gru: ['hiddenUnits', 'layers', 'readout', 'vectors', 'lengthBuckets'],
  bilstm: ['hiddenUnits', 'layers', 'readout', 'vectors', 'lengthBuckets'],
  cnn: ['filterSizes', 'filters', 'vectors', 'lengthBuckets'],
  dense: ['denseUnits', 'vectors'],
  'ngram-bag': ['ngrams', 'hashBuckets', 'endOfText', 'bagTrainer', 'bagUpdate', 'bagRefit'],
  nbsvm: ['ngrams', 'hashBuckets', 'endOfText', 'svmC', 'nbInterpolation', 'nbsvmTune', 'nbsvmRefit'],
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  await tf.ready()
})

describe.each(modelKinds)('%s', (model) => {
  it('takes rows of ids, gives one logit per output unit, with the parameters its spec estimates', () => {
    for (const c of tiny(model)) {
      const label = `${c.readout} ${c.output}`
      const bag = modelKindSpec(model).input === 'bag'
      const width = bag ? featureLength(c.maxLen, c.ngrams) : c.maxLen
      const units = c.output === 'softmax' ? 2 : 1
      const net = buildNetwork(c, { vocabSize, classes: 2 })
      expect(net.width, label).toBe(width)
      const dim = tableDim(c, units)
      expect(net.body.inputs[0]!.shape, label).toEqual(bag ? [null, dim] : [null, width, dim])
      // Rows of different lengths: a bag's padding (id 0) must not count.
      const ids = Int32Array.from({ length: 3 * width }, (_, i) =>
        i % width < width - Math.floor(i / width) * 2 ? (i * 7) % vocabSize : 0,
      )
      const logits = net.logits(ids, 3, false)
      expect(logits.shape, label).toEqual([3, units])

      const exported = net.exportModel()
      expect(exported.inputs[0]!.shape, label).toEqual([null, width])
      expect(exported.outputs[0]!.shape, label).toEqual([null, units])
      const same = exported.predict(tf.tensor2d(ids, [3, width], 'int32')) as tf.Tensor
      same.dataSync().forEach((v, i) => expect(v, label).toBeCloseTo(logits.dataSync()[i]!, 4))
      tf.dispose([logits, same])
      const estimate = parameterCount(c, vocabSize, 2)
      expect(estimate.total, label).toBe(exported.countParams())
      const frozen = exported.nonTrainableWeights.reduce((a, w) => a + w.shape.reduce((x, y) => x! * y!, 1)!, 0)
      expect(estimate.trainable, label).toBe(
        c.trainEmbeddings ? exported.countParams() - frozen : net.body.countParams(),
      )
      expect(bytesPerExample(c, width), label).toBeGreaterThan(width * dim * 4)
      exported.dispose()
      net.body.dispose()
    }
  })

  it('shows its own settings in the form, and not those of other kinds', () => {
    const c = config({ model })
    const shown = (Object.keys(fieldInfo) as ConfigField[]).filter((f) => kindFields.has(f) && fieldApplies(f, c))
    expect(shown).toEqual(shownFor[model])
  })
})

describe('an unknown model kind', () => {
  // As a config read back from an old bundle or a hand-edited file would name it.
  const fromDisk: TrainConfig = JSON.parse(JSON.stringify({ ...defaultConfig, model: 'transformer' }))

  it('fails by name, with the kinds there are, in the spec and in the engine', () => {
    const message =
      /Unknown model kind "transformer"\. Model kinds: rnn, lstm, gru, bilstm, cnn, dense, ngram-bag, nbsvm\./
    expect(() => parameterCount(fromDisk, vocabSize, 2)).toThrow(message)
    expect(() => buildNetwork(fromDisk, { vocabSize, classes: 2 })).toThrow(message)
    expect(() => modelBuilder(fromDisk.model)).toThrow(/Unknown model kind "transformer": no builder/)
  })
})
