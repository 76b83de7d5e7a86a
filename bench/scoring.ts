/**
 * Scoring benchmarks, the way the app scores (an AppContext whose job processes run the real worker
 * from source, wasm backend): the 25,000 aclImdb test files from disk with a `fasttext-bigram`, a
 * `kim-cnn` and a 2-layer BiLSTM of 100 units (each trained for one epoch on a 1,000-per-class
 * subset: scoring speed does not depend on how well a model learned), then one million short
 * generated inputs for peak memory. Figures: reviews/s (reading and scoring, after the model is
 * loaded), the time from the request to the first rows in SQLite, the job process's peak RSS and the
 * main process's peak RSS above its baseline.
 *
 *   npm run bench -- --only scoring [--data ../shared/data]
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { createAppContext, type AppContext } from '../src/main/core/app-context'
import { ForkLauncher } from '../src/main/core/jobs/launcher'
import { resultOf } from '../src/shared/job-catalog'
import type { ScoreInput } from '../src/shared/scoring'
import type { TrainConfig } from '../src/shared/training/config'
import { measure } from './measure'
import { readArchiveTexts, writeSubsetFolder } from './training'

const worker = join(__dirname, '..', 'src', 'main', 'worker', 'index.ts')

const models: { name: string; preset: string; overrides: Partial<TrainConfig> }[] = [
  { name: 'fasttext-bigram', preset: 'fasttext-bigram', overrides: { epochs: 1 } },
  { name: 'kim-cnn', preset: 'kim-cnn', overrides: { epochs: 1 } },
  {
    name: 'bilstm-2x100',
    preset: 'fasttext-bigram',
    overrides: { epochs: 1, model: 'bilstm', layers: 2, hiddenUnits: 100, embeddingDim: 100, maxLen: 400 },
  },
]

interface ScoringRow {
  input: string
  model: string
  scored: number
  skipped: number
  reviewsPerSecond: number
  seconds: number
  firstResultsMs: number
  jobPeakRssMb: number
  mainPeakRssAboveBaselineMb: number
  accuracy: number | null
}

async function scoreOnce(ctx: AppContext, runId: string, model: string, input: ScoreInput, label: string) {
  let firstResultsMs = -1
  const m = await measure(async () => {
    const t0 = performance.now()
    const job = await ctx.request('scores.start', { runId, input })
    const id = job.params.scoreId
    const poll = setInterval(() => {
      if (firstResultsMs < 0 && ctx.scores.get(id).scored > 0) firstResultsMs = performance.now() - t0
    }, 10)
    try {
      return resultOf(await ctx.jobs.finished(job))
    } finally {
      clearInterval(poll)
    }
  })
  const o = m.value
  const row: ScoringRow = {
    input: label,
    model,
    scored: o.scored,
    skipped: o.skippedCount,
    reviewsPerSecond: Math.round(o.reviewsPerSecond),
    seconds: +m.seconds.toFixed(1),
    firstResultsMs: Math.round(firstResultsMs),
    jobPeakRssMb: o.peakRssMb,
    mainPeakRssAboveBaselineMb: Math.round(m.peakRssAboveBaselineMb),
    accuracy: o.evaluation?.metrics.accuracy ?? null,
  }
  process.stderr.write(`scoring: ${JSON.stringify(row)}\n`)
  return row
}

/** One million short reviews, one per line (fastText format, labelled). */
async function writeMillion(path: string): Promise<void> {
  const words = ['great', 'awful', 'film', 'plot', 'acting', 'boring', 'loved', 'the', 'a', 'story']
  const out = createWriteStream(path)
  for (let i = 0; i < 1_000_000; i++) {
    const label = i % 2 ? 'pos' : 'neg'
    const line = `__label__${label} ${words[i % 10]} ${words[(i * 7) % 10]} ${words[(i * 3) % 10]} review ${i}\n`
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'close')
}

export async function benchScoring(work: string, data: string): Promise<ScoringRow[]> {
  const root = join(work, 'scoring')
  const testDir = join(root, 'aclImdb-test')
  const subset = join(root, 'subset')
  if (!existsSync(join(testDir, 'done'))) {
    process.stderr.write('scoring: extracting the aclImdb test files…\n')
    const texts = await readArchiveTexts(join(data, 'aclImdb_v1_labelled.tar.gz'))
    for (const label of ['pos', 'neg']) mkdirSync(join(testDir, label), { recursive: true })
    for (const [name, text] of texts) if (name.startsWith('test/')) writeFileSync(join(testDir, name.slice(5)), text)
    writeSubsetFolder(texts, subset, 1000)
    writeFileSync(join(testDir, 'done'), '')
  }
  const million = join(root, 'million.txt')
  if (!existsSync(million)) await writeMillion(million)

  const dataDir = mkdtempSync(join(root, 'data-'))
  const ctx = createAppContext({ dataDir, launcher: new ForkLauncher(worker), transport: 'cli' })
  const rows: ScoringRow[] = []
  try {
    const dataset = resultOf(
      await ctx.jobs.finished(
        await ctx.request('datasets.import', {
          spec: { name: 'aclImdb subset', source: { format: 'aclimdb', path: subset } },
        }),
      ),
    )
    for (const m of models) {
      const queued = await ctx.request('runs.start', {
        datasetId: dataset.id,
        preset: m.preset,
        overrides: m.overrides,
        backend: 'wasm',
      })
      const run = await ctx.runs.started(queued.id)
      await ctx.jobs.wait(run.jobId!)
      const trained = ctx.runs.get(run.id)
      if (trained.status !== 'succeeded') throw new Error(`Training ${m.name} ${trained.status}: ${trained.error}`)
      rows.push(
        await scoreOnce(
          ctx,
          run.id,
          m.name,
          { format: 'folder', path: testDir, extensions: ['.txt'], encoding: 'auto' },
          'aclImdb test (25,000 files)',
        ),
      )
      if (m.name === 'fasttext-bigram')
        rows.push(
          await scoreOnce(
            ctx,
            run.id,
            m.name,
            { format: 'fasttext', path: million, labelPrefix: '__label__', encoding: 'auto' },
            '1,000,000 short lines',
          ),
        )
    }
  } finally {
    await ctx.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  console.table(rows)
  return rows
}
