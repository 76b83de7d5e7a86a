/**
 * The `score` and `predict` job kinds (job processes only: they load tfjs). A score job reads its
 * input as a stream, scores it batch by batch with the run's bundle (the run's own preprocessing),
 * appends every result to `results.jsonl` and every skipped input to `skipped.jsonl` as it goes,
 * streams the rows to main (SQLite), and evaluates against the input's labels when it has them.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobParams } from '../../../shared/job-catalog'
import { scoreBatchSize } from '../../../shared/scoring'
import type {
  PredictQuery,
  Prediction,
  ScoreEvent,
  ScoreOutcome,
  ScoreRow,
  SkippedInput,
} from '../../../shared/scoring'
import { useBackend } from '../engine/backend'
import { encodeTexts, loadBundle, predictEncoded, type Bundle } from '../engine/bundle'
import type { JobContext } from '../jobs/worker-runtime'
import { classMatcher, EvaluationAccumulator, predictedClass } from './evaluation'
import { explainText } from './explain'
import { datasetIdsToModel, readDatasetSplit, readInput, type InputItem } from './inputs'

type ScoreContext = JobContext<'items' | 'bytes', ScoreEvent>

/** Skipped inputs listed in the outcome (all are in skipped.jsonl). */
const skippedListed = 1000

/** The first words of a text, for the table. */
export function snippetOf(text: string): string {
  // A long text's flattened start is its flattened whole's start: only the start that flattens
  // (whitespace runs to one space) to a little more than the snippet is flattened, unless it holds
  // too little (a space the scan below missed, such as U+00A0, makes it shorter: then the whole).
  if (text.length > 200) {
    const head = text.slice(0, snippetSpan(text, 176)).replace(/\s+/g, ' ').trimStart()
    if (head.length > 170) return cutSnippet(head)
  }
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 160 ? cutSnippet(flat) : flat
}

/**
 * How many characters of `text` flatten to about `chars` characters (ASCII whitespace runs count as
 * one; leading ones as none): the regular expression then runs on a couple of hundred characters
 * instead of a long review's start.
 */
function snippetSpan(text: string, chars: number): number {
  let count = 0
  let space = true
  let i = 0
  for (; i < text.length && count < chars; i++) {
    const c = text.charCodeAt(i)
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (!space) count++
      space = true
    } else {
      count++
      space = false
    }
  }
  return i
}

const cutSnippet = (flat: string) => `${flat.slice(0, 160).replace(/\s\S*$/, '')}…`

/** Appends lines to a file, waiting when the stream is full, and knows each line's byte offset. */
export class LineWriter {
  private readonly stream: WriteStream
  offset = 0

  constructor(path: string) {
    this.stream = createWriteStream(path)
  }

  /**
   * Writes the lines (JSON: none holds a newline) as one buffer, each encoded straight into it (no
   * joined string to build and encode again), and gives each line's byte range (without its newline).
   */
  async write(lines: string[]): Promise<{ offset: number; length: number }[]> {
    if (lines.length === 0) return []
    let chars = 0
    for (const line of lines) chars += line.length + 1
    // Room for ASCII (most lines), grown when a line does not fit (UTF-8 takes up to 3 bytes per
    // UTF-16 unit: its exact size is measured only when that could matter).
    let bytes = Buffer.allocUnsafe(chars + 4096)
    const at: { offset: number; length: number }[] = new Array(lines.length)
    let end = 0
    for (const [i, line] of lines.entries()) {
      const room = bytes.length - end
      if (room < line.length * 3 + 1 && room < Buffer.byteLength(line) + 1) {
        const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, end + line.length * 3 + 1))
        bytes.copy(grown, 0, 0, end)
        bytes = grown
      }
      const length = bytes.write(line, end)
      at[i] = { offset: this.offset + end, length }
      end += length
      bytes[end++] = 10
    }
    this.offset += end
    if (!this.stream.write(bytes.subarray(0, end)))
      await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()))
    return at
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }
}

export async function scoreJob(params: JobParams<'score'>, ctx: ScoreContext): Promise<ScoreOutcome> {
  const backend = await useBackend(params.backend)
  const bundle = await loadBundle(params.bundleDir)
  // The figures time reading and scoring, not loading tfjs and the model.
  const started = Date.now()
  const classes = bundle.preprocessing.classes
  await mkdir(params.outDir, { recursive: true })
  const results = new LineWriter(join(params.outDir, 'results.jsonl'))
  const skippedFile = new LineWriter(join(params.outDir, 'skipped.jsonl'))
  const match = classMatcher(classes, params.labelMap)
  const evaluation = new EvaluationAccumulator(classes)
  const skipped: SkippedInput[] = []
  let skippedCount = 0
  let scored = 0
  let pendingSkips: SkippedInput[] = []
  let lastProgress: [number, number | null, 'items' | 'bytes'] = [0, null, 'items']
  const progress = (done: number, total: number | null, unit: 'items' | 'bytes') => {
    lastProgress = [done, total, unit]
  }
  const report = () => ctx.progress(...lastProgress, `${scored} scored, ${skippedCount} skipped`)

  const { input } = params
  let items: AsyncGenerator<InputItem>
  let idMap: Int32Array | null = null
  if (input.format === 'dataset') {
    if (!params.dataset) throw new Error('A dataset input needs its folder.')
    idMap = await datasetIdsToModel(params.dataset.dir, bundle.vocab, bundle.preprocessing.unkId)
    items = readDatasetSplit(params.dataset.dir, input.split, params.dataset.classes, progress)
  } else items = readInput(input, progress)

  let batch: Extract<InputItem, { text: string }>[] = []
  let flushes = 0
  let sending = Promise.resolve()
  const flush = async () => {
    if (batch.length === 0 && pendingSkips.length === 0) return
    const truths = batch.map((item) => {
      if (item.label === null) return null
      const k = match(item.label)
      if (k === null) evaluation.unmatchedLabel(item.label)
      return k
    })
    const scoredRows = await scoreBatch(bundle, batch, idMap, scored, params.batchSize)
    const lines = scoredRows.map((row, i) => {
      const k = truths[i]
      if (k != null) {
        row.truth = classes[k]!
        evaluation.add(k, row.probs, 0, row)
      }
      // Spelled out, not spread: the same keys in the same order, without copying the row.
      const { idx, source, snippet, label, confidence, probs, truth } = row
      return JSON.stringify({ idx, source, snippet, label, confidence, probs, truth, text: batch[i]!.text })
    })
    const at = await results.write(lines)
    // New objects: the evaluation keeps some rows (its mistakes) as they are.
    const rows = scoredRows.map((r, i) => ({
      idx: r.idx,
      source: r.source,
      snippet: r.snippet,
      label: r.label,
      confidence: r.confidence,
      probs: r.probs,
      truth: r.truth,
      offset: at[i]!.offset,
      length: at[i]!.length,
    }))
    scored += rows.length
    // One batch in flight to main at most: a job faster than main's SQLite waits rather than queueing
    // its rows in memory.
    await sending
    sending = ctx.emit({ rows, skipped: pendingSkips })
    pendingSkips = []
    batch = []
    report()
  }

  try {
    for await (const item of items) {
      // A cancel stops reading; what was read is still scored, written and sent below.
      if (ctx.signal.aborted) break
      if ('skip' in item) {
        const s = { path: item.source, reason: item.skip }
        skippedCount++
        if (skipped.length < skippedListed) skipped.push(s)
        pendingSkips.push(s)
        await skippedFile.write([JSON.stringify(s)])
        continue
      }
      batch.push(item)
      // The first batches are small, so the first results show at once; then batchSize.
      if (batch.length >= scoreBatchSize(flushes, params.batchSize)) {
        await flush()
        flushes++
      }
    }
    await flush()
    await sending
    ctx.throwIfCancelled()
  } finally {
    await Promise.all([results.close(), skippedFile.close()])
  }
  const durationMs = Date.now() - started
  return {
    scored,
    skippedCount,
    skipped,
    durationMs,
    reviewsPerSecond: durationMs > 0 ? (scored * 1000) / durationMs : 0,
    evaluation: evaluation.result(),
    backend: backend.detail,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }
}

/** Scores one batch: each input's predicted label and probabilities. */
async function scoreBatch(
  bundle: Bundle,
  batch: Extract<InputItem, { text: string }>[],
  idMap: Int32Array | null,
  firstIdx: number,
  batchSize: number,
): Promise<ScoreRow[]> {
  if (batch.length === 0) return []
  const { ids, offsets } = idMap
    ? mappedIds(batch, idMap)
    : encodeTexts(
        bundle,
        batch.map((b) => b.text),
      )
  const probs = await predictEncoded(bundle, ids, offsets, batchSize)
  const classes = bundle.preprocessing.classes
  const c = classes.length
  return batch.map((item, i) => {
    const p = Array.from(probs.subarray(i * c, (i + 1) * c))
    const k = predictedClass(p, 0, c)
    return {
      idx: firstIdx + i,
      source: item.source,
      snippet: snippetOf(item.text),
      label: classes[k]!,
      confidence: p[k]!,
      probs: p,
      truth: null,
    }
  })
}

/** A dataset batch's stored ids in the model's vocabulary. */
function mappedIds(
  batch: Extract<InputItem, { text: string }>[],
  idMap: Int32Array,
): { ids: Int32Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(batch.length + 1)
  for (const [i, b] of batch.entries()) offsets[i + 1] = offsets[i]! + b.ids!.length
  const ids = new Int32Array(offsets[batch.length]!)
  let at = 0
  for (const b of batch) for (const id of Array.from(b.ids!)) ids[at++] = idMap[id]!
  return { ids, offsets }
}

/**
 * Keeps the run's model loaded and answers predictions until no request came for `idleMs`, or a
 * cancel (main's shutdown) arrives. Loading tfjs and the bundle is most of a one-off prediction's
 * time; here only the first request pays it.
 */
export async function predictorJob(
  params: JobParams<'predictor'>,
  ctx: JobContext<'items', never, PredictQuery, Prediction>,
): Promise<{ answered: number }> {
  await useBackend(params.backend)
  const bundle = await loadBundle(params.bundleDir)
  // Progress says the model is loaded (a warmed predictor is ready for the first keystroke).
  ctx.progress(0, null, 'items')
  let answered = 0
  let idle: NodeJS.Timeout | undefined
  await new Promise<void>((resolve) => {
    const wait = () => {
      clearTimeout(idle)
      idle = setTimeout(resolve, params.idleMs)
    }
    ctx.signal.addEventListener('abort', () => resolve())
    ctx.serve(async ({ text, explain }) => {
      clearTimeout(idle)
      try {
        return await explainText(bundle, text, explain)
      } finally {
        ctx.progress(++answered, null, 'items')
        wait()
      }
    })
    wait()
  })
  clearTimeout(idle)
  return { answered }
}
