/**
 * The model bundle, `runs/<id>/model/`: the tfjs layers model (`model.json` + `weights.bin`, loadable
 * by plain tfjs in a browser), the vocabulary, every setting that turns raw text into the model's
 * input exactly as in training (`preprocessing.json`) and what the run was (`metadata.json`).
 * `loadBundle` + `predictTexts` score new reviews the way training saw its data.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import type { PreprocessSpec } from '../../../shared/datasets'
import type { TrainConfig } from '../../../shared/training/config'
import type { TrainOutcome, TrainParams } from '../../../shared/training/job'
import { modelKindSpec } from '../../../shared/training/model-kinds'
import { readVocabulary } from '../datasets/store'
import { unkId } from '../datasets/vocabulary'
import { modelRows } from './data'
import { writeFolder } from './folders'
import { readModelFiles, writeModelFiles } from './model-files'
import { bagLogits, probabilities } from './bag-scorer'
import { cnnLogits } from './cnn-scorer'
import { recurrentLogits } from './recurrent-scorer'
import { buildNetwork, type Network } from './models'
import { readBundleVocab, TextIds, type EncodedTexts } from './text-ids'

export const bundleVersion = 1

export interface Preprocessing {
  version: number
  /** Cleaning and tokenization of the dataset the model was trained on. */
  preprocess: PreprocessSpec
  vocabSize: number
  padId: number
  unkId: number
  input: {
    kind: 'sequence' | 'ngram-bag'
    maxLen: number
    padding: 'pre' | 'post'
    truncating: 'pre' | 'post'
    ngrams: number
    hashBuckets: number
    /** Each feature once per example (sorted, zeros after): NBSVM's binary features. */
    binary: boolean
    /** A bag's end-of-text word (`shared/ngrams.ts`); absent in bundles written before it: none. */
    endOfText?: boolean
  }
  classes: string[]
  /** The model outputs logits: one with a sigmoid (probability of classes[1]) or one per class with a softmax. */
  output: 'sigmoid' | 'softmax'
}

/** How a model of `config` reads a text's ids: padded sequences, or bags of hashed n-grams. */
export function modelInputOf(config: TrainConfig): Preprocessing['input'] {
  const spec = modelKindSpec(config.model)
  const bag = spec.input === 'bag'
  return {
    kind: bag ? 'ngram-bag' : 'sequence',
    maxLen: config.maxLen,
    padding: config.padding,
    truncating: config.truncating,
    ngrams: bag ? config.ngrams : 1,
    hashBuckets: config.hashBuckets,
    binary: spec.pooling === 'sum',
    endOfText: bag && config.endOfText,
  }
}

export async function writeBundle(
  dir: string,
  model: tf.LayersModel,
  params: TrainParams,
  outcome: TrainOutcome,
): Promise<void> {
  const { config } = params
  const vocab = await readVocabulary(params.datasetDir)
  const preprocessing: Preprocessing = {
    version: bundleVersion,
    preprocess: params.dataset.preprocess,
    vocabSize: params.vocabSize,
    padId: 0,
    unkId,
    input: modelInputOf(config),
    classes: params.classes,
    output: (model.outputs[0]!.shape[1] as number) === 1 ? 'sigmoid' : 'softmax',
  }
  const metadata = {
    runId: params.runId,
    dataset: { id: params.dataset.id, name: params.dataset.name, fingerprint: params.dataset.fingerprint },
    config,
    backend: outcome.backend,
    backendDetail: outcome.backendDetail,
    library: outcome.library,
    threads: outcome.threads,
    test: outcome.test,
    bestValidation: outcome.bestValidation,
    versions: { tfjs: tf.version_core, node: process.versions.node },
    createdAt: new Date().toISOString(),
  }
  await writeFolder(dir, async (tmp) => {
    await writeModelFiles(model, tmp)
    await writeFile(join(tmp, 'vocab.txt'), vocab.join('\n') + '\n')
    await writeFile(join(tmp, 'preprocessing.json'), JSON.stringify(preprocessing, null, 2))
    await writeFile(join(tmp, 'metadata.json'), JSON.stringify(metadata, null, 2))
  })
}

export interface Bundle {
  model: tf.LayersModel
  preprocessing: Preprocessing
  vocab: Map<string, number>
  config: TrainConfig
  /** Score with tfjs even where plain JavaScript would do (tests compare the two). */
  tensorsOnly?: boolean
}

export async function loadBundle(dir: string): Promise<Bundle> {
  const preprocessing = JSON.parse(await readFile(join(dir, 'preprocessing.json'), 'utf8')) as Preprocessing
  const metadata = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { config: TrainConfig }
  const bundle: Bundle = {
    model: await readModelFiles(dir),
    preprocessing,
    vocab: await readBundleVocab(dir),
    // The preprocessing is the record of how text becomes features: a bundle from before the
    // end-of-text word has none, whatever its config says.
    config: { ...metadata.config, endOfText: preprocessing.input.endOfText ?? false },
  }
  // Loading includes building the scorer (the table's weights copied out of tfjs): not the first batch.
  scorerOf(bundle)
  return bundle
}

/** Token ids of raw texts, cleaned and tokenized as the training data was. */
export function encodeTexts(bundle: Bundle, texts: string[]): EncodedTexts {
  let encoder = encoders.get(bundle)
  if (!encoder) encoders.set(bundle, (encoder = new TextIds(bundle.preprocessing.preprocess, bundle.vocab)))
  return encoder.encode(texts)
}

const encoders = new WeakMap<Bundle, TextIds>()

/** Class probabilities per text: rows of classes.length. */
export async function predictTexts(bundle: Bundle, texts: string[], batchSize = 256): Promise<Float32Array> {
  const { ids, offsets } = encodeTexts(bundle, texts)
  return predictEncoded(bundle, ids, offsets, batchSize)
}

/** The logits of token-id sequences (`offsets` delimit them): a row of the model's outputs each, in batches. */
export async function logitsEncoded(
  bundle: Bundle,
  ids: ArrayLike<number>,
  offsets: Uint32Array,
  batchSize = 256,
): Promise<Float32Array> {
  const rows = offsets.length - 1
  const scorer = scorerOf(bundle)
  const { net, plain } = scorer
  const vocabSize = bundle.preprocessing.vocabSize
  // The bag scorer is synchronous, so its rows can reuse one array; tfjs's batches are awaited.
  if (plain) {
    const need = rows * (net.pooling ? net.width : 0)
    if (scorer.scratch.length < need) scorer.scratch = new Int32Array(need)
    const { x, used } = modelRows(ids, offsets, bundle.config, vocabSize, scorer.scratch)
    return plain(x, rows, used)
  }
  const { x, width } = modelRows(ids, offsets, bundle.config, vocabSize)
  const outputs = bundle.preprocessing.output === 'sigmoid' ? 1 : bundle.preprocessing.classes.length
  const out = new Float32Array(rows * outputs)
  for (let from = 0; from < rows; from += batchSize) {
    const n = Math.min(batchSize, rows - from)
    const logits = net.logits(x.subarray(from * width, (from + n) * width), n, false)
    out.set(await logits.data(), from * outputs)
    logits.dispose()
  }
  return out
}

/** Every class's probability for encoded texts, rows of `classes` values. */
export async function predictEncoded(
  bundle: Bundle,
  ids: ArrayLike<number>,
  offsets: Uint32Array,
  batchSize = 256,
): Promise<Float32Array> {
  const logits = await logitsEncoded(bundle, ids, offsets, batchSize)
  return probabilities(logits, offsets.length - 1, bundle.preprocessing.output)
}

/** Logits of n model rows without tfjs's layers (a bag's `used` features per row, when known). */
type PlainScorer = (x: Int32Array, n: number, used?: Uint32Array) => Float32Array | Promise<Float32Array>

const scorers = new WeakMap<Bundle, { net: Network; plain: PlainScorer | null; scratch: Int32Array }>()

/**
 * The bundle's model as training runs it, with the embedding table in JavaScript: the stock
 * embedding layer's gather (and a bag's mean) is tens of times slower on wasm than the table's
 * loops, and this is also exactly what the run's own test evaluated. A bag with a dense body
 * (`bag-scorer.ts`) and the CNN kind (`cnn-scorer.ts`) are scored in plain JavaScript, and the
 * recurrent kinds by an inference-only pass on the backend's kernels (`recurrent-scorer.ts`), unless
 * `tensorsOnly`.
 */
function scorerOf(bundle: Bundle) {
  let scorer = scorers.get(bundle)
  if (!scorer) {
    const { vocabSize, classes } = bundle.preprocessing
    const net = buildNetwork(bundle.config, { vocabSize, classes: classes.length, loading: true })
    net.importWeights(bundle.model)
    scorer = {
      net,
      plain: bundle.tensorsOnly ? null : (bagLogits(net) ?? cnnLogits(net) ?? recurrentLogits(net)),
      scratch: new Int32Array(0),
    }
    scorers.set(bundle, scorer)
  }
  return scorer
}
