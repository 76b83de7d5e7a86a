/**
 * A bag's end-of-text word (`endOfText`, fastText's `</s>`): its own row after the vocabulary, n-grams
 * with the text's last words, the hashed rows one later; recorded in the bundle's preprocessing, so
 * that a bundle written before it (without the field) reads its texts exactly as before, and a
 * trained run scores the same through the JavaScript scorer and through tfjs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { featureLength, writeNgramFeatures } from '../../src/shared/ngrams'
import { embeddingRows, inputLength } from '../../src/shared/training/size'
import { defaultConfig, trainConfigSchema } from '../../src/shared/training/config'
import { loadBundle, predictTexts, type Preprocessing } from '../../src/main/core/engine/bundle'
import type { AppContext } from '../../src/main/core/app-context'
import type { RunRecord } from '../../src/shared/training/results'
import { appContext } from '../fixtures/app'
import { importSyntheticDataset, quick, trainRun } from '../fixtures/training'

const o = { vocabSize: 10, ngrams: 2, buckets: 100 }

describe('features with the end-of-text word', () => {
  it('adds the word (id vocabSize) and its bigram with the last word; hashed rows start one later', () => {
    const ids = [4, 7, 9]
    const without = new Int32Array(featureLength(3, 2))
    writeNgramFeatures(ids, 0, 3, o, without, 0)
    const withEnd = new Int32Array(featureLength(3, 2, true))
    writeNgramFeatures(ids, 0, 3, { ...o, endOfText: true }, withEnd, 0)
    expect(without.length).toBe(5)
    expect(withEnd.length).toBe(7)
    expect(Array.from(withEnd.subarray(0, 4))).toEqual([4, 7, 9, 10])
    // Bigrams: hashed after the vocabulary and the end-of-text row.
    for (const f of without.subarray(3)) expect(f).toBeGreaterThanOrEqual(10)
    for (const f of withEnd.subarray(4)) expect(f).toBeGreaterThanOrEqual(11)
    // The text's own bigrams are hashed as without the word, one row later; the last is with the end.
    const oneLater = new Int32Array(5)
    writeNgramFeatures(ids, 0, 3, { ...o, vocabSize: 11 }, oneLater, 0)
    expect(Array.from(withEnd.subarray(4, 6))).toEqual(Array.from(oneLater.subarray(3)))
    expect(withEnd[6]).not.toBe(0)
    // An empty text is the end-of-text word alone (a bag then reads the word, not nothing).
    const empty = new Int32Array(featureLength(0, 2, true))
    writeNgramFeatures([], 0, 0, { ...o, endOfText: true }, empty, 0)
    expect(Array.from(empty)).toEqual([10])
  })

  it('sizes the table and rows by one word more, for bags only', () => {
    const bag = trainConfigSchema.parse({
      ...defaultConfig,
      model: 'ngram-bag',
      ngrams: 2,
      maxLen: 20,
      endOfText: true,
    })
    expect(inputLength(bag)).toBe(featureLength(21, 2))
    expect(embeddingRows(bag, 500)).toBe(501 + bag.hashBuckets)
    expect(embeddingRows({ ...bag, ngrams: 1 }, 500)).toBe(501)
    const lstm = { ...bag, model: 'lstm' as const }
    expect(inputLength(lstm)).toBe(20)
    expect(embeddingRows(lstm, 500)).toBe(500)
    // Older configs (without the field) parse to none.
    const { endOfText: _, ...old } = bag
    expect(trainConfigSchema.parse(old).endOfText).toBe(false)
  })
})

describe('a bag trained with the end-of-text word', () => {
  let dir: string
  let ctx: AppContext
  let run: RunRecord
  let plain: RunRecord
  const texts = ['a great film', 'awful', '', 'not good at all, the worst plot', 'great great great great']
  beforeAll(async () => {
    await tf.setBackend('cpu')
    dir = mkdtempSync(join(tmpdir(), 'studio-end-of-text-'))
    ctx = appContext(join(dir, 'data'))
    const dataset = await importSyntheticDataset(ctx, dir, 40)
    const config = { ...quick, model: 'ngram-bag' as const, ngrams: 2, epochs: 3 }
    run = await trainRun(ctx, dataset.id, 'fasttext-bigram', { ...config, endOfText: true })
    plain = await trainRun(ctx, dataset.id, 'fasttext-bigram', { ...config, endOfText: false })
  }, 120_000)
  afterAll(async () => {
    await ctx.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('records it in the bundle and scores the same in JavaScript as the tfjs model', async () => {
    expect(run.status).toBe('succeeded')
    const folder = join(dir, 'data', 'runs', run.id, 'model')
    const preprocessing = JSON.parse(readFileSync(join(folder, 'preprocessing.json'), 'utf8')) as Preprocessing
    expect(preprocessing.input.endOfText).toBe(true)
    const bundle = await loadBundle(folder)
    expect(bundle.config.endOfText).toBe(true)
    const js = await predictTexts(bundle, texts)
    const tensors = await predictTexts({ ...bundle, tensorsOnly: true }, texts)
    for (let i = 0; i < js.length; i++) expect(Math.abs(js[i]! - tensors[i]!)).toBeLessThan(1e-5)
    expect(run.test!.accuracy).toBeGreaterThan(0.5)
  })

  it('scores a bundle from before it (no field in its preprocessing) exactly as before', async () => {
    const folder = join(dir, 'data', 'runs', plain.id, 'model')
    const file = join(folder, 'preprocessing.json')
    const preprocessing = JSON.parse(readFileSync(file, 'utf8')) as Preprocessing
    expect(preprocessing.input.endOfText).toBe(false)
    const before = await predictTexts(await loadBundle(folder), texts)
    // As an older app wrote it: no endOfText in the preprocessing, nor in the metadata's config.
    delete preprocessing.input.endOfText
    writeFileSync(file, JSON.stringify(preprocessing))
    const metaFile = join(folder, 'metadata.json')
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { config: Record<string, unknown> }
    delete meta.config.endOfText
    writeFileSync(metaFile, JSON.stringify(meta))
    const old = await loadBundle(folder)
    expect(old.config.endOfText).toBe(false)
    expect(Array.from(await predictTexts(old, texts))).toEqual(Array.from(before))
  })
})
