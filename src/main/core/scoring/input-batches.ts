/**
 * A score job's input as batches ready to score: the texts read and decoded, encoded to the model's
 * token ids, each with its snippet and its text as a JSON string (the heavy half of its results
 * line), and the inputs skipped since the previous batch. tf-free: it runs in the job's reading
 * thread (`read-thread.ts`) while the job's main thread scores, writes and sends the batch before.
 */
import { scoreBatchSize, type SkippedInput } from '../../../shared/scoring'
import type { EncodedTexts } from '../engine/text-ids'
import type { InputItem } from './inputs'
import { snippetOf } from './snippet'

export type TextItem = Extract<InputItem, { text: string }>

export interface InputBatch {
  sources: string[]
  /** Each input's own label, before mapping, or null. */
  labels: (string | null)[]
  snippets: string[]
  /** The texts, for the results file (the scoring thread writes them: this thread has more to do). */
  texts: string[]
  ids: Int32Array
  offsets: Uint32Array
  /** Inputs skipped, with their reasons, since the previous batch (in input order). */
  skipped: SkippedInput[]
  /** The reader's progress when the batch was made. */
  progress: [done: number, total: number | null, unit: 'items' | 'bytes']
}

/**
 * Groups `items` into batches of `batchSize` texts (the first ones smaller: 16, doubling, so the
 * first results show at once) and encodes each. A batch may hold only skipped inputs (the last, or
 * one of `batchSize` skipped inputs in a row).
 */
export async function* inputBatches(
  items: AsyncIterable<InputItem>,
  encode: (texts: TextItem[]) => EncodedTexts,
  batchSize: number,
  progress: () => InputBatch['progress'],
): AsyncGenerator<InputBatch> {
  let texts: TextItem[] = []
  let skipped: SkippedInput[] = []
  let made = 0
  const batch = (): InputBatch => {
    const { ids, offsets } = encode(texts)
    const b: InputBatch = {
      sources: texts.map((t) => t.source),
      labels: texts.map((t) => t.label),
      snippets: texts.map((t) => snippetOf(t.text)),
      texts: texts.map((t) => t.text),
      ids,
      offsets,
      skipped,
      progress: progress(),
    }
    if (texts.length > 0) made++
    texts = []
    skipped = []
    return b
  }
  for await (const item of items) {
    // Skipped inputs close a batch too when many: a folder of bad files still reports and cancels.
    if ('skip' in item) {
      if (skipped.push({ path: item.source, reason: item.skip }) >= batchSize) yield batch()
    } else if (texts.push(item) >= scoreBatchSize(made, batchSize)) yield batch()
  }
  if (texts.length > 0 || skipped.length > 0) yield batch()
}

/** A dataset batch's stored ids (in the dataset's vocabulary) as the model's (`idMap`). */
export function mappedIds(texts: TextItem[], idMap: Int32Array): EncodedTexts {
  const offsets = new Uint32Array(texts.length + 1)
  for (const [i, t] of texts.entries()) offsets[i + 1] = offsets[i]! + t.ids!.length
  const ids = new Int32Array(offsets[texts.length]!)
  let at = 0
  for (const t of texts) for (let k = 0; k < t.ids!.length; k++) ids[at++] = idMap[t.ids![k]!]!
  return { ids, offsets }
}
