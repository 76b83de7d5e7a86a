/**
 * The exported model's ES module (`sentiment.mjs`): loads a run's tfjs bundle with whatever tfjs the
 * page brings and scores raw text exactly as the app does. `scripts/standalone.mjs` bundles this file
 * with the app's own cleaning, tokenizer and n-gram functions into `sentiment-module.ts`; a test
 * checks that file is fresh and that this encoder gives the app's encoder's ids for every kind of
 * preprocessing. No import of tfjs here: the caller passes it in, so any tfjs 3 or 4 build works.
 */
import { featureLength, keepDistinct, writeNgramFeatures } from '../../../shared/ngrams'
import { cleanText, tokenize } from '../datasets/preprocess'
import type { Preprocessing } from '../engine/bundle'

export type { Preprocessing }

/** The few tfjs values and functions used: the npm package, the CDN's ES module and tf.min.js's global all fit. */
export interface TensorLike {
  data(): Promise<ArrayLike<number>>
  dispose(): void
}
export interface TfLike<T extends TensorLike> {
  loadLayersModel(url: string): Promise<{ predict(x: T): T | T[] }>
  tensor2d(values: Int32Array, shape: [number, number], dtype: 'int32'): T
  softmax(logits: T): T
  sigmoid(logits: T): T
}

export interface Encoder {
  /** Ids per row: the sequence length, or a bag's word and hashed n-gram features. */
  width: number
  /** The text's tokens after the model's cleaning, each with its id (the unknown word's when not in the vocabulary). */
  tokens(text: string): { token: string; id: number }[]
  /** The model's input rows for the texts, `width` ids each. */
  encode(texts: string[]): Int32Array
}

/** The encoder of a bundle's preprocessing and vocabulary (`vocab.txt`'s lines). */
export function createEncoder(preprocessing: Preprocessing, vocabulary: string[]): Encoder {
  const lookup = new Map(vocabulary.map((t, i) => [t, i]))
  const { kind, maxLen, padding, truncating, ngrams, hashBuckets, binary } = preprocessing.input
  const bag = kind === 'ngram-bag'
  // Absent in bundles from before the end-of-text word: none.
  const endOfText = bag && (preprocessing.input.endOfText ?? false)
  const width = bag ? featureLength(maxLen, ngrams, endOfText) : maxLen
  const ngramOptions = { vocabSize: preprocessing.vocabSize, ngrams, buckets: hashBuckets, endOfText }
  const tokens = (text: string) =>
    tokenize(cleanText(text, preprocessing.preprocess), preprocessing.preprocess.tokenizer).map((token) => ({
      token,
      id: lookup.get(token) ?? preprocessing.unkId,
    }))
  return {
    width,
    tokens,
    encode(texts) {
      const out = new Int32Array(texts.length * width)
      texts.forEach((text, row) => {
        const ids = tokens(text).map((t) => t.id)
        // Too long: keep the last maxLen words ('pre' truncation) or the first.
        const start = ids.length > maxLen && truncating === 'pre' ? ids.length - maxLen : 0
        const end = Math.min(ids.length, start + maxLen)
        if (bag) {
          writeNgramFeatures(ids, start, end, ngramOptions, out, row * width)
          // NBSVM's binary features: each once, as its training rows had them.
          if (binary) keepDistinct(out, row * width, width)
          return
        }
        // Too short: the padding id (0) before ('pre') or after the words.
        const at = row * width + (padding === 'pre' ? maxLen - (end - start) : 0)
        for (let k = start; k < end; k++) out[at + k - start] = ids[k]!
      })
      return out
    },
  }
}

export interface SentimentModel {
  classes: string[]
  encoder: Encoder
  /** Every class's probability for each text, in `classes` order. */
  predict(texts: string[]): Promise<number[][]>
}

/**
 * Loads the exported folder at `base` (a URL ending in `/`; default: this module's own folder): its
 * `model.json`, `preprocessing.json` and `vocab.txt`. Browsers load modules only over http(s), so
 * serve the folder (any static server) rather than opening it from disk.
 */
export async function loadSentimentModel<T extends TensorLike>(
  tf: TfLike<T>,
  base: string | URL = new URL('.', import.meta.url),
): Promise<SentimentModel> {
  const at = (name: string) => new URL(name, base).href
  const text = async (name: string) => {
    const response = await fetch(at(name))
    if (!response.ok) throw new Error(`${at(name)}: ${response.status} ${response.statusText}`)
    return response.text()
  }
  const [preprocessing, vocabulary, model] = await Promise.all([
    text('preprocessing.json').then((t) => JSON.parse(t) as Preprocessing),
    text('vocab.txt').then((t) => t.split('\n').slice(0, -1)),
    tf.loadLayersModel(at('model.json')),
  ])
  const encoder = createEncoder(preprocessing, vocabulary)
  const c = preprocessing.classes.length
  return {
    classes: preprocessing.classes,
    encoder,
    async predict(texts) {
      if (texts.length === 0) return []
      const x = tf.tensor2d(encoder.encode(texts), [texts.length, encoder.width], 'int32')
      const output = model.predict(x)
      const logits = Array.isArray(output) ? output[0]! : output
      // The model ends in logits: one for a sigmoid (the probability of classes[1]) or one per class.
      const probs = preprocessing.output === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits)
      const values = await probs.data()
      for (const t of [x, logits, probs]) t.dispose()
      return texts.map((_, i) =>
        preprocessing.output === 'softmax'
          ? Array.from({ length: c }, (_, k) => values[i * c + k]!)
          : [1 - values[i]!, values[i]!],
      )
    },
  }
}
