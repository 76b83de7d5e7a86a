/**
 * Fault suite: kill -9 of a CLI process at random moments of a training run, a score job and an
 * import (faults-live.test.ts has fixed moments of an import too). After each kill the database passes
 * `PRAGMA integrity_check`, the next start marks the work interrupted and removes its temporary
 * folders, the run resumes from its checkpoint to the end and the score job keeps the rows it
 * recorded, whole batches that agree with its results file. The moments
 * come from a seed, printed, that `FAULT_SEED` replays.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/core/db/database'
import { seededRandom } from '../../src/main/core/datasets/splits'
import type { DatasetSummary } from '../../src/shared/datasets'
import { scoreBatchSize } from '../../src/shared/scoring'
import { appContext } from '../fixtures/app'
import { writeTree } from '../fixtures/dataset-files'
import { finishedRun, importSyntheticDataset, quick, syntheticReview, trainRun } from '../fixtures/training'

const cli = join(__dirname, '..', '..', 'src', 'main', 'cli', 'index.ts')
const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000)
console.log(`faults-kill: FAULT_SEED=${seed}`)
const random = seededRandom(seed)
/** Three moments (ms after the job started running) per kind of work. */
const moments = (spread: number) => Array.from({ length: 3 }, () => Math.round(random() * spread))

let dir: string
let data: DatasetSummary
let trainedRunId: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'studio-kill-'))
  const ctx = appContext(dir)
  data = await importSyntheticDataset(ctx, dir, 150)
  trainedRunId = (await trainRun(ctx, data.id, 'fasttext-bigram', { ...quick, epochs: 2 })).id
  await ctx.close()
}, 180_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/**
 * Starts the CLI, waits until its job of `kind` runs (a train command detects the backends first),
 * lets it run `delay` ms more, and kills it with SIGKILL; then checks the database and starts again.
 */
async function killDuring(kind: string, args: string[], delay: number, beforeRestart = () => {}): Promise<void> {
  const watch = openDatabase(join(dir, 'studio.db'))
  const running = watch.prepare(`SELECT count(*) FROM jobs WHERE status = 'running' AND kind = ?`).pluck().bind(kind)
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args, '--data-dir', dir], { stdio: 'ignore' })
  try {
    for (let i = 0; i < 1200 && running.get() === 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(running.get()).toBe(1)
  } finally {
    watch.close()
  }
  await new Promise((r) => setTimeout(r, delay))
  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))
  const db = openDatabase(join(dir, 'studio.db'))
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
  db.close()
  beforeRestart()
  // The next start: a CLI command that reads the history (its job process saw the channel close and stopped).
  await new Promise((r) => setTimeout(r, 1000))
  const list = spawnSync(process.execPath, ['--import', 'tsx', cli, 'runs', 'list', '--json', '--data-dir', dir], {
    encoding: 'utf8',
  })
  expect(list.status, list.stderr).toBe(0)
  expect(Array.isArray(JSON.parse(list.stdout))).toBe(true)
}

describe('fault suite: kill -9 during training', () => {
  const delays = moments(3000)
  it(`leaves each run interrupted and resumable (killed ${delays.join(', ')} ms in)`, async () => {
    const settings = { ...quick, epochs: 120, batchSize: 8 }
    const flags = Object.entries(settings).flatMap(([k, v]) => ['--set', `${k}=${v}`])
    const killed: string[] = []
    const runsDir = join(dir, 'runs')
    for (const delay of delays) {
      // What a kill in the middle of a checkpoint write leaves (too short a moment to hit by chance).
      const halfWritten = () => {
        const db = openDatabase(join(dir, 'studio.db'))
        const id = db
          .prepare(`SELECT id FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1`)
          .pluck()
          .get() as string
        db.close()
        writeTree(join(runsDir, id, 'checkpoints', 'last.tmp'), { 'weights.bin': 'half' })
      }
      const args = ['train', '--dataset', data.id, '--preset', 'fasttext-bigram', '--backend', 'wasm', ...flags]
      await killDuring('train', args, delay, halfWritten)
      const ctx = appContext(dir)
      try {
        const run = ctx.runs.list().find((r) => !killed.includes(r.id) && r.id !== trainedRunId)!
        expect(run.status, run.error ?? '').toBe('interrupted')
        expect(run.error).toMatch(/stopped before it finished/)
        killed.push(run.id)
        expect(readdirSync(join(runsDir, run.id, 'checkpoints')).filter((f) => f.endsWith('.tmp'))).toEqual([])
        expect(ctx.runs.history(run.id).epochs.length).toBeLessThan(120)
      } finally {
        await ctx.close()
      }
    }
    // Resuming one run per moment would take minutes: the last one, killed latest or not, goes to its end.
    const ctx = appContext(dir)
    try {
      const resumed = await finishedRun(ctx, ctx.runs.resume(killed.at(-1)!))
      expect(resumed.status, resumed.error ?? '').toBe('succeeded')
      const epochs = ctx.runs.history(resumed.id).epochs.map((e) => e.epoch)
      expect(epochs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
      const checkpoints = readdirSync(join(dir, 'runs', resumed.id, 'checkpoints'))
      expect(checkpoints.sort()).toEqual(['best', 'last'])
    } finally {
      await ctx.close()
    }
  }, 600_000)
})

describe('fault suite: kill -9 during a score job', () => {
  const delays = moments(4000)
  it(`keeps each job's recorded rows, whole batches that agree with its file (killed ${delays.join(', ')} ms in)`, async () => {
    const words = seededRandom(3)
    const lines = Array.from(
      { length: 150_000 },
      (_, i) => `__label__${i % 2 ? 'pos' : 'neg'} ${syntheticReview(i % 2 ? 'pos' : 'neg', words)}`,
    )
    const input = join(dir, 'to-score.txt')
    writeFileSync(input, lines.join('\n'))
    for (const delay of delays) {
      await killDuring('score', ['score', '--run', trainedRunId, '--input', input, '--format', 'fasttext'], delay)
      const db = openDatabase(join(dir, 'studio.db'))
      try {
        const job = db
          .prepare(`SELECT id, status FROM scoring_jobs ORDER BY created_at DESC, rowid DESC LIMIT 1`)
          .get() as { id: string; status: string }
        expect(job.status).toBe('interrupted')
        const rows = db
          .prepare(
            `SELECT idx FROM scoring_results WHERE job_key = (SELECT result_key FROM scoring_jobs WHERE id = ?) ORDER BY idx`,
          )
          .pluck()
          .all(job.id)
        expect(rows).toEqual(rows.map((_, i) => i)) // no gaps
        // Whole batches only: 16, 32, … up to 256 rows, then 256 at a time.
        const ends = [0]
        while (ends.at(-1)! < rows.length) ends.push(ends.at(-1)! + scoreBatchSize(ends.length - 1, 256))
        expect(ends).toContain(rows.length)
        const file = join(dir, 'scores', job.id, 'results.jsonl')
        const written = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0
        expect(written).toBeGreaterThanOrEqual(rows.length)
      } finally {
        db.close()
      }
    }
    const datasets = readdirSync(join(dir, 'datasets')).filter((n) => n.startsWith('.import-'))
    expect(datasets).toEqual([])
  }, 600_000)
})

describe('fault suite: kill -9 during an import', () => {
  const delays = moments(2000)
  it(`leaves no import folder and an interrupted job (killed ${delays.join(', ')} ms in)`, async () => {
    const rows = Array.from(
      { length: 60_000 },
      (_, i) => `review ${i} was ${'good bad fine '.repeat(8)},${i % 2 ? 'pos' : 'neg'}`,
    )
    const csv = join(dir, 'reviews.csv')
    writeFileSync(csv, ['text,label', ...rows].join('\n'))
    for (const delay of delays) {
      await killDuring('import-dataset', ['import', '--path', csv, '--json'], delay)
      const db = openDatabase(join(dir, 'studio.db'))
      const job = db
        .prepare(`SELECT status, error FROM jobs WHERE kind = 'import-dataset' ORDER BY created_at DESC LIMIT 1`)
        .get() as { status: string; error: string | null }
      db.close()
      expect(['interrupted', 'succeeded']).toContain(job.status)
      if (job.status === 'interrupted') expect(job.error).toMatch(/stopped before it finished/)
      expect(readdirSync(join(dir, 'datasets')).filter((n) => n.startsWith('.import-'))).toEqual([])
    }
  }, 300_000)
})
