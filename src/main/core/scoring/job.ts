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
import type {
  PredictQuery,
  Prediction,
  ScoreEvent,
  ScoreOutcome,
  ScoreRow,
  SkippedInput,
} from '../../../shared/scoring'
import { useBackend } from '../engine/backend'
import { loadBundle, predictEncoded } from '../engine/bundle'
import type { JobContext } from '../jobs/worker-runtime'
import { classMatcher, EvaluationAccumulator, predictedClass } from './evaluation'
import { explainText } from './explain'
import type { InputBatch } from './input-batches'
import { ReadAhead } from './read-ahead'
import { RowSender } from './row-sender'

type ScoreContext = JobContext<'items' | 'bytes', ScoreEvent>

/** Skipped inputs listed in the outcome (all are in skipped.jsonl). */
const skippedListed = 1000

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
  async write(lines: string[]): Promise<{ offsets: Float64Array; lengths: Uint32Array }> {
    const offsets = new Float64Array(lines.length)
    const lengths = new Uint32Array(lines.length)
    if (lines.length === 0) return { offsets, lengths }
    let chars = 0
    for (const line of lines) chars += line.length + 1
    // Room for ASCII (most lines), grown when a line does not fit (UTF-8 takes up to 3 bytes per
    // UTF-16 unit: its exact size is measured only when that could matter).
    let bytes = Buffer.allocUnsafe(chars + 4096)
    let end = 0
    for (const [i, line] of lines.entries()) {
      const room = bytes.length - end
      if (room < line.length * 3 + 1 && room < Buffer.byteLength(line) + 1) {
        const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, end + line.length * 3 + 1))
        bytes.copy(grown, 0, 0, end)
        bytes = grown
      }
      const length = bytes.write(line, end)
      offsets[i] = this.offset + end
      lengths[i] = length
      end += length
      bytes[end++] = 10
    }
    await this.append(bytes.subarray(0, end))
    return { offsets, lengths }
  }

  private async append(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return
    this.offset += bytes.length
    if (!this.stream.write(bytes)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()))
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.stream.end((err?: Error | null) => (err ? reject(err) : resolve())))
  }
}

export async function scoreJob(params: JobParams<'score'>, ctx: ScoreContext): Promise<ScoreOutcome> {
  // Reading starts at once, in its own thread, while tfjs and the model load here.
  const { bundleDir, input, dataset, batchSize } = params
  const reading = new ReadAhead({ bundleDir, input, dataset, batchSize, ahead: 2 })
  try {
    return await scoreBatches(params, ctx, reading)
  } finally {
    await reading.close()
  }
}

/** Scores the reading thread's batches as they come: each scored, written and sent, one at a time. */
async function scoreBatches(params: JobParams<'score'>, ctx: ScoreContext, reading: ReadAhead): Promise<ScoreOutcome> {
  const backend = await useBackend(params.backend)
  const bundle = await loadBundle(params.bundleDir)
  // The figures time reading and scoring, not loading tfjs and the model.
  const started = Date.now()
  const classes = bundle.preprocessing.classes
  const c = classes.length
  await mkdir(params.outDir, { recursive: true })
  const results = new LineWriter(join(params.outDir, 'results.jsonl'))
  const skippedFile = new LineWriter(join(params.outDir, 'skipped.jsonl'))
  const match = classMatcher(classes, params.labelMap)
  const evaluation = new EvaluationAccumulator(classes)
  const skipped: SkippedInput[] = []
  let skippedCount = 0
  let scored = 0
  const sender = new RowSender((event) => ctx.emit(event), 4096)

  const score = async (b: InputBatch) => {
    const n = b.sources.length
    const probs = n > 0 ? await predictEncoded(bundle, b.ids, b.offsets, params.batchSize) : new Float32Array(0)
    const labels = new Uint16Array(n)
    const truths = new Int32Array(n)
    const lines: string[] = new Array(n)
    for (let i = 0; i < n; i++) {
      const p = new Array<number>(c)
      for (let k = 0; k < c; k++) p[k] = probs[i * c + k]!
      const k = predictedClass(p, 0, c)
      const raw = b.labels[i]!
      const truth = raw === null ? null : match(raw)
      if (raw !== null && truth === null) evaluation.unmatchedLabel(raw)
      labels[i] = k
      truths[i] = truth ?? -1
      const row: ScoreRow = {
        idx: scored + i,
        source: b.sources[i]!,
        snippet: b.snippets[i]!,
        label: classes[k]!,
        confidence: p[k]!,
        probs: p,
        truth: truth === null ? null : classes[truth]!,
      }
      if (truth !== null) evaluation.add(truth, p, 0, row)
      lines[i] = JSON.stringify({ ...row, text: b.texts[i]! })
    }
    const { offsets, lengths } = await results.write(lines)
    const rows = { first: scored, sources: b.sources, snippets: b.snippets, labels, truths, probs, offsets, lengths }
    scored += n
    if (b.skipped.length > 0) {
      skippedCount += b.skipped.length
      for (const s of b.skipped.slice(0, skippedListed - skipped.length)) skipped.push(s)
      await skippedFile.write(b.skipped.map((s) => JSON.stringify(s)))
    }
    // One event in flight to main at most; the batches scored meanwhile join the next one.
    await sender.add(rows, b.skipped)
    ctx.progress(...b.progress, `${scored} scored, ${skippedCount} skipped`)
  }

  try {
    // A cancel is seen between batches (and while waiting for one): what was read is scored, written
    // and sent first.
    for await (const b of reading.batches(ctx.signal)) {
      await score(b)
      if (ctx.signal.aborted) break
    }
    await sender.flush()
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
