/**
 * A score job's reading thread (a worker thread of the job's process): it walks and reads the input,
 * decodes, cleans and tokenizes each text with the bundle's preprocessing and vocabulary (no tfjs
 * here), and posts ready batches (`input-batches.ts`) to the job's main thread, at most `ahead` of
 * them unacknowledged, so memory stays bounded when scoring is slower than reading. Built as its own
 * entry (`out/main/score-read-thread.js`); under tsx (tests, the bench) it runs from source.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import type { ScoreParams } from '../../../shared/scoring'
import type { Preprocessing } from '../engine/bundle'
import { readBundleVocab, TextIds } from '../engine/text-ids'
import { inputBatches, mappedIds, type InputBatch } from './input-batches'
import { datasetIdsToModel, readDatasetSplit, readInput, type InputItem } from './inputs'

export type ReadThreadData = Pick<ScoreParams, 'bundleDir' | 'input' | 'dataset' | 'batchSize'> & {
  /** Batches posted before the main thread acknowledges one. */
  ahead: number
}

/** From the thread: a batch, the end of the input, or why reading failed (an error's own fields). */
export type ReadThreadMessage =
  | { batch: InputBatch }
  | { done: true }
  | { error: { message: string; name: string; code?: string; path?: string; syscall?: string } }

/** The batches of the input the data names, encoded for the bundle's model. */
export async function* readBatches(data: ReadThreadData): AsyncGenerator<InputBatch> {
  const { bundleDir, input } = data
  const preprocessing = JSON.parse(await readFile(join(bundleDir, 'preprocessing.json'), 'utf8')) as Preprocessing
  const vocab = await readBundleVocab(bundleDir)
  let progress: InputBatch['progress'] = [0, null, 'items']
  const onProgress = (done: number, total: number | null, unit: 'items' | 'bytes') => (progress = [done, total, unit])
  let items: AsyncGenerator<InputItem>
  let encode: (texts: Extract<InputItem, { text: string }>[]) => { ids: Int32Array; offsets: Uint32Array }
  if (input.format === 'dataset') {
    if (!data.dataset) throw new Error('A dataset input needs its folder.')
    const idMap = await datasetIdsToModel(data.dataset.dir, vocab, preprocessing.unkId)
    items = readDatasetSplit(data.dataset.dir, input.split, data.dataset.classes, onProgress)
    encode = (texts) => mappedIds(texts, idMap)
  } else {
    const encoder = new TextIds(preprocessing.preprocess, vocab)
    items = readInput(input, onProgress)
    encode = (texts) => encoder.encode(texts.map((t) => t.text))
  }
  yield* inputBatches(items, encode, data.batchSize, () => progress)
}

if (parentPort) {
  const port = parentPort
  const data = workerData as ReadThreadData
  let credits = data.ahead
  let wake: (() => void) | null = null
  port.on('message', () => {
    credits++
    wake?.()
    wake = null
  })
  const post = (m: ReadThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer)
  void (async () => {
    try {
      for await (const batch of readBatches(data)) {
        while (credits === 0) await new Promise<void>((resolve) => (wake = resolve))
        credits--
        const { ids, offsets } = batch
        post({ batch }, [ids.buffer, offsets.buffer] as ArrayBuffer[])
      }
      post({ done: true })
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      post({
        error: {
          message: e.message ?? String(err),
          name: e.name ?? 'Error',
          code: e.code,
          path: e.path,
          syscall: e.syscall,
        },
      })
    }
  })()
}
