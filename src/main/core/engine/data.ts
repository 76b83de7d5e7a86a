/** A dataset split as model input: fixed-length int32 rows (token ids or n-gram features) and labels. */
import type { SplitName } from '../../../shared/datasets'
import { featureLength, keepDistinct, writeNgramFeatures } from '../../../shared/ngrams'
import type { TrainConfig } from '../../../shared/training/config'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { padSequences, readSplit } from '../datasets/store'

export interface SplitTensors {
  /** n rows of `width` ids. */
  x: Int32Array
  width: number
  labels: Uint16Array
  n: number
  /** Sequences: each row's token count within `width` (the rest is padding); null for a bag. */
  lengths: Uint32Array | null
}

/**
 * Rows for a model from ids and offsets: padded sequences, or a bag's features. A bag's rows may be
 * written into `scratch` (zeroed here) when it is large enough: a fresh array of a batch's features
 * (megabytes) cost more than computing them.
 */
export function modelRows(
  ids: ArrayLike<number>,
  offsets: Uint32Array,
  config: TrainConfig,
  vocabSize: number,
  scratch?: Int32Array,
): { x: Int32Array; width: number; used?: Uint32Array } {
  if (modelKindSpec(config.model).input === 'sequence') {
    const x = padSequences(ids, offsets, config.maxLen, config.padding, config.truncating)
    return { x, width: config.maxLen }
  }
  const endOfText = config.endOfText
  const width = featureLength(config.maxLen, config.ngrams, endOfText)
  // A sum over binary features (NBSVM) sees each feature once per example.
  const binary = modelKindSpec(config.model).pooling === 'sum'
  const n = offsets.length - 1
  // Shared memory when fresh: the bag trainer's threads read the rows in place.
  const x =
    scratch && scratch.length >= n * width
      ? scratch.subarray(0, n * width).fill(0)
      : new Int32Array(new SharedArrayBuffer(n * width * 4))
  // Each row's features end at used[i]: zeros after.
  const used = new Uint32Array(n)
  const options = { vocabSize, ngrams: config.ngrams, buckets: config.hashBuckets, endOfText }
  for (let i = 0; i < n; i++) {
    let start = offsets[i]!
    let end = offsets[i + 1]!
    if (end - start > config.maxLen) {
      if (config.truncating === 'pre') start = end - config.maxLen
      else end = start + config.maxLen
    }
    writeNgramFeatures(ids, start, end, options, x, i * width)
    used[i] = featureLength(end - start, config.ngrams, endOfText)
    if (binary) keepDistinct(x, i * width, width)
  }
  return { x, width, used }
}

export async function loadSplit(
  dir: string,
  split: SplitName,
  config: TrainConfig,
  vocabSize: number,
): Promise<SplitTensors> {
  const s = await readSplit(dir, split)
  const rows = modelRows(s.ids, s.offsets, config, vocabSize)
  const n = s.labels.length
  const lengths =
    modelKindSpec(config.model).input === 'sequence'
      ? Uint32Array.from({ length: n }, (_, i) => Math.min(config.maxLen, s.offsets[i + 1]! - s.offsets[i]!))
      : null
  return { ...rows, labels: s.labels, n, lengths }
}

/** One split after the other (the same config, so the same width): Auto's refit trains on train + validation. */
export function joinSplits(a: SplitTensors, b: SplitTensors): SplitTensors {
  const x = new Int32Array(a.x.length + b.x.length)
  x.set(a.x)
  x.set(b.x, a.x.length)
  const labels = new Uint16Array(a.n + b.n)
  labels.set(a.labels)
  labels.set(b.labels, a.n)
  let lengths: Uint32Array | null = null
  if (a.lengths && b.lengths) {
    lengths = new Uint32Array(a.n + b.n)
    lengths.set(a.lengths)
    lengths.set(b.lengths, a.n)
  }
  return { x, width: a.width, labels, n: a.n + b.n, lengths }
}
