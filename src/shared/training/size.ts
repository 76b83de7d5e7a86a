/** A model's shapes and size from its config: input width, embedding rows, outputs, parameters and memory. */
import { featureLength, wordRows } from '../ngrams'
import type { TrainConfig } from './config'
import { modelKindSpec, tableDim } from './model-kinds'

/** One logit (sigmoid) or one per class (softmax). */
export function outputUnits(config: TrainConfig, classes: number): number {
  if (config.output === 'softmax') return classes
  if (config.output === 'sigmoid') return classes === 2 ? 1 : classes
  return classes === 2 ? 1 : classes
}

/** Ids per input row: the sequence length, or the word and n-gram features of a bag. */
export function inputLength(config: TrainConfig): number {
  return modelKindSpec(config.model).input === 'bag'
    ? featureLength(config.maxLen, config.ngrams, config.endOfText)
    : config.maxLen
}

/** Rows of the embedding table: the vocabulary, plus a bag's end-of-text word and hash buckets of n-grams. */
export function embeddingRows(config: TrainConfig, vocabSize: number): number {
  if (modelKindSpec(config.model).input !== 'bag') return vocabSize
  return wordRows(vocabSize, config.endOfText) + (config.ngrams > 1 ? config.hashBuckets : 0)
}

/** The trainable and total parameter counts the model will have, for the form's estimate. */
export function parameterCount(
  config: TrainConfig,
  vocabSize: number,
  classes: number,
): { total: number; trainable: number } {
  const spec = modelKindSpec(config.model)
  const out = outputUnits(config, classes)
  const body = spec.encoderParameters(config) + spec.features(config, out) * out + out
  const rows = embeddingRows(config, vocabSize)
  const table = rows * tableDim(config, out)
  // An exported mean over a bag's own features carries one frozen score per row (padding or not).
  const scores = spec.input === 'bag' && (spec.pooling ?? 'mean') === 'mean' ? rows : 0
  return { total: table + body + scores, trainable: config.trainEmbeddings ? table + body : body }
}

/** A generous estimate of the bytes one example's forward and backward pass keeps (rows of `width` ids). */
export function bytesPerExample(config: TrainConfig, width: number): number {
  return modelKindSpec(config.model).floatsPerExample(config, width) * 4
}
