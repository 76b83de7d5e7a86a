/**
 * Scoring benchmarks, the way the app scores (an AppContext whose job processes run the real worker
 * from source, wasm backend): the 25,000 aclImdb test files from disk (extracted once from
 * `DATA/aclImdb_v1_labelled.tar.gz` into the work folder) with `fasttext-bigram`, `kim-cnn` and
 * `sentimentnet-bilstm` (the 2-layer BiLSTM of 100 on 300-d vectors: `DATA/glove/glove.840B.300d.first100.txt`
 * gives it its 300-d shape), each trained for one epoch on a small subset (scoring speed does not
 * depend on how well a model learned), then one million short generated lines for peak memory.
 * Figures, all from main's side except the job's own rate and RSS:
 * - `steadyPerSecond` (the one held against the target): rows that reached SQLite between
 *   the first rows and the job's end, over that time: the steady state, without the process start
 *   and the model load;
 * - `jobPerSecond`: the job's own `reviewsPerSecond` (after its model is loaded, to its last row);
 * - `endToEndSeconds`: from the request to the finished job (process start, tfjs, the model, all rows);
 * - `firstResultsMs`: from the request to the first rows in SQLite;
 * - the job process's peak RSS and the main process's peak RSS above its baseline.
 *
 *   npm run bench -- --only scoring [--data ../shared/data] [--presets a,b] [--per-class N] [--score-files N]
 *     [--backends tensorflow]
 *
 * `--per-class` sets the training subset (default 1,000 per class for the bag, 100 for the sequence
 * models); `--score-files N` scores only the first N files per class (a quick look; the targets are
 * for all 25,000). Scoring is always on wasm; `--backends` names the rung that trains, so that a
 * sequence model can learn the whole training vocabulary in minutes (`--per-class 12500 --backends
 * tensorflow`): the recurrent scorer caches each word's input projection, up to a size, and a large
 * vocabulary is the case that tests the cache.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream, linkSync } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { createAppContext, type AppContext } from '../src/main/core/app-context'
import { ForkLauncher } from '../src/main/core/jobs/launcher'
import { resultOf } from '../src/shared/job-catalog'
import type { ScoreInput } from '../src/shared/scoring'
import type { TrainConfig } from '../src/shared/training/config'
import { backendNames, type BackendName } from '../src/shared/types'
import { measure } from './measure'
import { readArchiveTexts, writeSubsetFolder } from './training'

const worker = join(__dirname, '..', 'src', 'main', 'worker', 'index.ts')

const isBackend = (name: string): name is BackendName => (backendNames as readonly string[]).includes(name)

/** The targets on 2 cores with wasm, reviews/s over the aclImdb test folder. */
const models: { preset: string; perClass: number; target: number; overrides: Partial<TrainConfig> }[] = [
  { preset: 'fasttext-bigram', perClass: 1000, target: 10_000, overrides: { epochs: 1 } },
  { preset: 'kim-cnn', perClass: 100, target: 2_000, overrides: { epochs: 1 } },
  { preset: 'sentimentnet-bilstm', perClass: 100, target: 300, overrides: { epochs: 1 } },
]
const vectorsFile = join('glove', 'glove.840B.300d.first100.txt')

export interface ScoringOptions {
  presets?: string
  perClass?: number
  scoreFiles?: number
  /** The backend that trains the models (scoring is on wasm). */
  trainBackend?: string
}

interface ScoringRow {
  input: string
  model: string
  scored: number
  skipped: number
  steadyPerSecond: number
  jobPerSecond: number
  endToEndSeconds: number
  firstResultsMs: number
  jobPeakRssMb: number
  mainPeakRssAboveBaselineMb: number
  accuracy: number | null
  target: string
  met: boolean | null
}

async function scoreOnce(
  ctx: AppContext,
  runId: string,
  model: string,
  input: ScoreInput,
  label: string,
  target: number | null,
) {
  let firstResultsMs = -1
  let scoredAtFirst = 0
  let endMs = 0
  const m = await measure(async () => {
    const t0 = performance.now()
    const job = await ctx.request('scores.start', { runId, input, backend: 'wasm' })
    const id = job.params.scoreId
    const poll = setInterval(() => {
      if (firstResultsMs >= 0) return
      const scored = ctx.scores.get(id).scored
      if (scored > 0) [firstResultsMs, scoredAtFirst] = [performance.now() - t0, scored]
    }, 5)
    try {
      const finished = await ctx.jobs.finished(job)
      endMs = performance.now() - t0
      return resultOf(finished)
    } finally {
      clearInterval(poll)
    }
  })
  const o = m.value
  const steady = endMs > firstResultsMs ? ((o.scored - scoredAtFirst) * 1000) / (endMs - firstResultsMs) : 0
  const row: ScoringRow = {
    input: label,
    model,
    scored: o.scored,
    skipped: o.skippedCount,
    steadyPerSecond: Math.round(steady),
    jobPerSecond: Math.round(o.reviewsPerSecond),
    endToEndSeconds: +m.seconds.toFixed(1),
    firstResultsMs: Math.round(firstResultsMs),
    jobPeakRssMb: o.peakRssMb,
    mainPeakRssAboveBaselineMb: Math.round(m.peakRssAboveBaselineMb),
    accuracy: o.evaluation?.metrics.accuracy ?? null,
    target: target === null ? 'bounded memory' : `${target.toLocaleString('en-US')} reviews/s`,
    met: target === null ? null : steady >= target,
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

export async function benchScoring(work: string, data: string, options: ScoringOptions = {}): Promise<ScoringRow[]> {
  const root = join(work, 'scoring')
  const testDir = join(root, 'aclImdb-test')
  const archive = join(data, 'aclImdb_v1_labelled.tar.gz')
  const perClassOf = (m: (typeof models)[number]) => options.perClass ?? m.perClass
  const trainBackend = options.trainBackend ?? 'wasm'
  if (!isBackend(trainBackend)) throw new Error(`--backends: ${trainBackend} is not one of ${backendNames.join(', ')}.`)
  const chosen = models.filter((m) => !options.presets || options.presets.split(',').includes(m.preset))
  const needed = [...new Set(chosen.map(perClassOf))]
  if (!existsSync(join(testDir, 'done')) || needed.some((n) => !existsSync(join(root, `subset-${n}`, 'done')))) {
    if (!existsSync(archive)) throw new Error(`${archive} not found (pass --data DIR).`)
    process.stderr.write('scoring: extracting the aclImdb test files and the training subsets…\n')
    const texts = await readArchiveTexts(archive)
    if (!existsSync(join(testDir, 'done'))) {
      for (const label of ['pos', 'neg']) mkdirSync(join(testDir, label), { recursive: true })
      for (const [name, text] of texts) if (name.startsWith('test/')) writeFileSync(join(testDir, name.slice(5)), text)
      writeFileSync(join(testDir, 'done'), '')
    }
    for (const n of needed) {
      writeSubsetFolder(texts, join(root, `subset-${n}`), n)
      writeFileSync(join(root, `subset-${n}`, 'done'), '')
    }
  }
  let scoredDir = testDir
  if (options.scoreFiles) {
    // The first N files of each class, hard-linked (not copied) into a folder of their own.
    scoredDir = join(root, `aclImdb-test-${options.scoreFiles}`)
    if (!existsSync(scoredDir))
      for (const label of ['pos', 'neg']) {
        mkdirSync(join(scoredDir, label), { recursive: true })
        for (let i = 0; i < options.scoreFiles; i++)
          for (const r of [1, 2, 3, 4, 7, 8, 9, 10]) {
            const name = `${i}_${r}.txt`
            if (existsSync(join(testDir, label, name)))
              linkSync(join(testDir, label, name), join(scoredDir, label, name))
          }
      }
  }
  const million = join(root, 'million.txt')
  if (!existsSync(million)) await writeMillion(million)

  const dataDir = mkdtempSync(join(root, 'data-'))
  const ctx = createAppContext({ dataDir, launcher: new ForkLauncher(worker), transport: 'cli' })
  const rows: ScoringRow[] = []
  try {
    const datasets = new Map<number, string>()
    for (const n of needed) {
      const spec = {
        name: `aclImdb ${n} per class`,
        source: { format: 'aclimdb' as const, path: join(root, `subset-${n}`) },
      }
      datasets.set(n, resultOf(await ctx.jobs.finished(await ctx.request('datasets.import', { spec }))).id)
    }
    for (const m of chosen) {
      const overrides = { ...m.overrides }
      if (m.preset === 'sentimentnet-bilstm') {
        const path = join(data, vectorsFile)
        if (!existsSync(path)) throw new Error(`${path} not found: sentimentnet-bilstm needs 300-d vectors.`)
        overrides.vectors = resultOf(await ctx.jobs.finished(await ctx.request('vectors.add', { path }))).id
      }
      process.stderr.write(`scoring: training ${m.preset} (1 epoch, ${perClassOf(m)} reviews per class)…\n`)
      const queued = await ctx.request('runs.start', {
        datasetId: datasets.get(perClassOf(m))!,
        preset: m.preset,
        overrides,
        backend: trainBackend,
      })
      const run = await ctx.runs.started(queued.id)
      await ctx.jobs.wait(run.jobId!)
      const trained = ctx.runs.get(run.id)
      if (trained.status !== 'succeeded') throw new Error(`Training ${m.preset} ${trained.status}: ${trained.error}`)
      rows.push(
        await scoreOnce(
          ctx,
          run.id,
          m.preset,
          { format: 'folder', path: scoredDir, extensions: ['.txt'], encoding: 'auto' },
          options.scoreFiles ? `aclImdb test, first ${options.scoreFiles} per class` : 'aclImdb test (25,000 files)',
          m.target,
        ),
      )
      if (m.preset === 'fasttext-bigram')
        rows.push(
          await scoreOnce(
            ctx,
            run.id,
            m.preset,
            { format: 'fasttext', path: million, labelPrefix: '__label__', encoding: 'auto' },
            '1,000,000 short lines',
            null,
          ),
        )
    }
  } finally {
    await ctx.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  console.table(rows)
  for (const r of rows)
    process.stderr.write(
      `scoring: ${r.model} on ${r.input}: ${r.steadyPerSecond.toLocaleString('en-US')} reviews/s steady (first rows to the end; the job's own ${r.jobPerSecond.toLocaleString('en-US')}/s), ${r.endToEndSeconds} s end to end, first results after ${r.firstResultsMs} ms, peak RSS job ${r.jobPeakRssMb} MB, main +${r.mainPeakRssAboveBaselineMb} MB; target ${r.target}: ${r.met === null ? 'see the memory figures' : r.met ? 'MET' : 'NOT MET'}\n`,
    )
  return rows
}
